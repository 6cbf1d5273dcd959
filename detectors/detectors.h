#ifndef SLUGC_DETECTORS_H
#define SLUGC_DETECTORS_H

#include <stddef.h>

#include "procfile.h"
#include "strvec.h"

struct buf;
struct error;
struct json;

/*
 * Language detection: pure functions of the files in a directory (no
 * network, no writes), one file per language, driven by the table
 * detectors[] in the order languages are built. The rules are those of
 * Heroku's classic buildpacks; docs/detection.md states them.
 */

/* Defaults (detectors/defaults.json, embedded at build time; SLUGC_DEFAULTS overrides). */
struct defaults {
	struct json *doc;
	const char *stack;
	const char *node_default;      /* "24.x": Heroku's recommended LTS line */
	long node_lts_major;           /* 24 */
	const char *ruby_default;      /* "3.3.9" */
	const char *go_default;        /* "go1.25" */
	const struct json *go_expansion;
	const char *python_default;    /* "3.14" */
	char sha256[65];               /* of the file's bytes: the manifest records which defaults built a slug */
};
/* The defaults, loaded once; NULL with err when the data file is broken. */
const struct defaults *defaults_get(struct error *err);
/* Forget the loaded defaults (end of main, tests). */
void defaults_release(void);
/* "go1.25" → "go1.25.12" through the expansion table; anything else as given. */
const char *defaults_go_expand(const struct defaults *d, const char *version);

struct detection {
	const struct detector *detector;
	char *requirement;        /* version requirement, NULL for a Procfile-only app */
	char *requirement_source; /* where it came from: "package.json engines.node", "default" */
	char *package_manager;    /* "npm", "yarn", "pnpm", "bundler", "go", "pip", ... or NULL */
	char *framework;          /* "Rails", "Rack", "Django" or NULL */
	struct procfile defaults; /* default process types (the Procfile wins over them) */
	struct strvec notes;      /* things the user should read */
	struct strvec facts;      /* "key=value" the build steps use: lockfile=, install=, ... */
};

struct detector {
	const char *name;         /* "nodejs": what `slugc detect` prints */
	const char *display;      /* "Node.js": buildpack_provided_description */
	const char *looks_for;    /* the files it looks for, for the nothing-detected message */
	/*
	 * 1 with d filled when the language is present, 0 when it is not, -1
	 * with err when a file that decides it is broken.
	 */
	int (*detect)(const char *dir, const struct defaults *def, struct detection *d,
		      struct error *err);
};

/* In build order: Node.js first, so its tools exist when Ruby or Python assets build. */
extern const struct detector *const detectors[];

struct detection_list {
	struct detection *v;
	size_t nr, alloc;
};
#define DETECTION_LIST_INIT { NULL, 0, 0 }

/*
 * Run every detector on dir. A tree with nothing but a Procfile is
 * "procfile"; a tree with nothing recognisable fails with Heroku's wording
 * and the list of files looked for.
 */
int detect_languages(const char *dir, struct detection_list *out, struct error *err);
void detection_list_release(struct detection_list *l);
/*
 * Run the one detector `name` ("nodejs") on dir: 1 with its detection
 * appended to out, 0 when the language is not there, -1 on error.
 */
int detect_language(const char *dir, const char *name, struct detection_list *out,
		    struct error *err);
void detection_init(struct detection *d, const struct detector *det);
void detection_release(struct detection *d);
/* The value of a fact, or NULL. */
const char *detection_fact(const struct detection *d, const char *key);
void detection_set_fact(struct detection *d, const char *key, const char *value);
/* "Node.js", "Ruby/Rails": what Heroku puts in buildpack_provided_description. */
char *detection_description(const struct detection *d);
/* A JSON object describing the detection (slugc detect --json, the manifest). */
struct json *detection_to_json(const struct detection *d);

/* Helpers for detector implementations. */

/* 1 when dir/name exists (any type), else 0. */
int detect_exists(const char *dir, const char *name);
/*
 * Read dir/name into out (at most max bytes, which is an error naming the
 * file when exceeded): 1 when read, 0 when it does not exist, -1 on error.
 */
int detect_read(const char *dir, const char *name, size_t max, struct buf *out,
		struct error *err);

/* Parsers of single files, also driven directly by unit tests and fuzz targets. */
int nodejs_read_package_json(const char *text, size_t len, const struct defaults *def,
			     struct detection *d, struct error *err);
/* Heroku's reading of engines.node: trimmed, "latest" is "*", "~=" is "~". Caller frees. */
char *nodejs_normalise_range(const char *s);
int ruby_read_lockfile(const char *text, size_t len, struct detection *d, struct error *err);
int ruby_read_gemfile(const char *text, size_t len, struct detection *d, struct error *err);
int go_read_mod(const char *text, size_t len, struct detection *d, struct error *err);
int python_read_runtime_txt(const char *text, size_t len, struct detection *d,
			    struct error *err);
int python_read_version_file(const char *text, size_t len, struct detection *d,
			     struct error *err);
int python_read_pipfile_lock(const char *text, size_t len, struct detection *d,
			     struct error *err);
/*
 * A requested Python version ("3.12", "3.12.4") against the supported range
 * of the defaults file: -1 with Heroku's end-of-life or unknown-version
 * reason naming `origin` (the file to change) otherwise.
 */
int python_check_version(const struct defaults *def, const char *version, const char *origin,
			 struct error *err);

#endif
