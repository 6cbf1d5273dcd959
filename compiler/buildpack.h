#ifndef SLUGC_BUILDPACK_H
#define SLUGC_BUILDPACK_H

#include <stddef.h>

#include "procfile.h"
#include "strvec.h"

struct error;

/*
 * Classic buildpacks (bin/detect, bin/compile, bin/release) and slugc's own
 * languages in one ordered list (docs/buildpacks.md).
 *
 * Where the list comes from, first match wins: --buildpack REF (repeatable),
 * the BUILDPACK_URL config var, the app's .buildpacks file (one REF a line),
 * app.json's "buildpacks"; otherwise there is no list and slugc detects the
 * app's languages as before. A REF is a built-in name (nodejs, ruby, go,
 * python, heroku/<those>): slugc's native step; a git URL with an optional
 * #ref (branch, tag or commit); an http(s) URL of a .tgz with an optional
 * #sha256=<hex> pin; or, from --buildpack and BUILDPACK_URL only (not from
 * the app's own files), a local directory.
 */

enum buildpack_kind {
	BUILDPACK_NATIVE, /* slugc's own step for a language */
	BUILDPACK_DIR,    /* a local directory, copied before it runs */
	BUILDPACK_GIT,    /* a git URL, fetched into the cache's mirrors */
	BUILDPACK_TGZ,    /* an http(s) URL of a .tgz */
};

/* What a bin/release printed (YAML; parsed by buildpack_release_parse()). */
struct buildpack_release {
	struct procfile types;     /* default_process_types */
	struct strvec config_vars; /* "NAME=value", in document order */
	struct strvec addons;      /* add-on plan names */
};
#define BUILDPACK_RELEASE_INIT { PROCFILE_INIT, STRVEC_INIT, STRVEC_INIT }

struct buildpack {
	char *ref;          /* as given (credentials included; never shown) */
	char *shown;        /* ref without credentials: output and the manifest */
	enum buildpack_kind kind;
	char *lang;         /* NATIVE: the language ("nodejs") */
	char *url;          /* GIT, TGZ: without the fragment (may hold credentials) */
	char *fragment;     /* after '#', or NULL */
	char *path;         /* DIR: absolute path */
	char *name;         /* short name for output: "nodejs", "heroku-buildpack-php" */
	/* filled while building */
	char *dir;          /* where its bin/ is, in the build's work directory */
	char *commit;       /* GIT: the resolved commit */
	char *sha256;       /* TGZ: the archive's digest */
	char *description;  /* bin/detect's first line (external) or the language's */
	long detection;     /* NATIVE: index in the build's detections; -1 */
	int released;       /* bin/release ran and `release` is filled */
	struct buildpack_release release;
};

struct buildpack_list {
	struct buildpack *v;
	size_t nr, alloc;
	char *origin;       /* "--buildpack", "the BUILDPACK_URL config var", ".buildpacks", "app.json" */
};
#define BUILDPACK_LIST_INIT { NULL, 0, 0, NULL }

/*
 * Classify one REF. `from_app`: it comes from a file of the app (.buildpacks,
 * app.json), where local directories are refused. `where` names it in errors
 * ("'.buildpacks' line 3").
 */
int buildpack_parse_ref(struct buildpack *bp, const char *ref, int from_app, const char *where,
			struct error *err);
/*
 * The list a build runs: 1 and l filled (origin set), 0 when there is none
 * (slugc detects languages). `cli` are --buildpack REFs; `config` the app's
 * config vars ("NAME=value"); app_dir the tree after .slugignore.
 */
int buildpack_list_read(struct buildpack_list *l, const struct strvec *cli,
			const struct strvec *config, const char *app_dir, struct error *err);
void buildpack_list_release(struct buildpack_list *l);

/*
 * Put an external buildpack at `dest` (which must not exist): copy a
 * directory, check out a git URL's #ref (default: its HEAD) from the cache's
 * mirror (cache_opt is --cache-dir or NULL), or download and unpack a .tgz
 * (checked against a #sha256= pin). Fills bp->dir, bp->commit or bp->sha256.
 */
int buildpack_fetch(struct buildpack *bp, const char *cache_opt, const char *dest,
		    struct error *err);

/*
 * Parse bin/release's YAML: a mapping with optional default_process_types
 * (a mapping of name to command), config_vars (a mapping of name to scalar)
 * and addons (a sequence of scalars). Empty text or "--- {}" is an empty
 * release. Anything else is an error naming `shown`, line and column; other
 * top-level keys are ignored. libyaml is spoken to from here only.
 */
int buildpack_release_parse(const char *text, size_t len, const char *shown,
			    struct buildpack_release *r, struct error *err);
void buildpack_release_release(struct buildpack_release *r);
/* The most bin/release may print. */
#define BUILDPACK_RELEASE_MAX (1024 * 1024)

#endif
