#ifndef SLUGC_BUILD_H
#define SLUGC_BUILD_H

#include <stdint.h>

#include "buildpack.h"
#include "detectors.h"
#include "fsutil.h"
#include "procfile.h"
#include "runtimes.h"
#include "sha256.h"
#include "strvec.h"

struct error;

/*
 * One build, carried through the stages of the pipeline:
 *
 *   source → tree → detect → runtimes → build → release → pack → manifest
 *
 * Each stage is one file with one entry point, `int <stage>_run(struct
 * build *b, struct error *err)`, reading what earlier stages filled in and
 * filling its own part. build_run() calls them in order; build_release()
 * frees everything and removes the private build directory, whatever stage
 * failed.
 */

struct build_options {
	const char *source;     /* SOURCE as given */
	const char *rev;        /* --rev; NULL: HEAD (git sources only) */
	const char *app_dir;    /* --app-dir: the app's subdirectory of the source, or NULL */
	const char *cache_dir;  /* --cache-dir, or NULL for the default */
	int worktree;           /* --worktree: the files on disk, not a commit */
	int64_t epoch;          /* forced SOURCE_DATE_EPOCH (verify), or -1 */
	const char *env_dir;    /* --env-dir: config vars for the build steps */
	const struct strvec *mirrors; /* --mirror "lang=URL" */
	const struct strvec *pins;    /* --runtime-sha256 "lang=HEX" */
	const char *inventory;  /* --inventory FILE */
	int offline;            /* --offline */
	const char *output;     /* slug path (-o) */
	const char *manifest;   /* manifest path; NULL: derived from output */
	const char *stack;      /* --stack */
	uint64_t max_size;      /* bytes; the hard limit */
	unsigned jobs;          /* compression threads */
	int level;              /* compression level */
	const struct strvec *buildpacks; /* --buildpack REFs, in order, or NULL */
	unsigned timeout;       /* --timeout: seconds the buildpack steps may take in all */
	struct unpack_limits limits; /* --max-unpacked, --max-entries: source and runtime
					archives, and the slug itself */
	const struct strvec *env; /* --env "NAME=value", over --env-dir's */
};

#define BUILD_OPTIONS_INIT { NULL, NULL, NULL, NULL, 0, -1, NULL, NULL, NULL, NULL, 0, \
			     "slug.tgz", NULL, \
			     BUILD_DEFAULT_STACK, (uint64_t)BUILD_DEFAULT_MAX_SIZE_MB << 20, 0, \
			     BUILD_DEFAULT_LEVEL, NULL, BUILD_DEFAULT_TIMEOUT, UNPACK_LIMITS_INIT, NULL }

#define BUILD_DEFAULT_STACK "heroku-24"
#define BUILD_DEFAULT_MAX_SIZE_MB 500
#define BUILD_SOFT_LIMIT_MB 300
#define BUILD_DEFAULT_LEVEL 6
/* Heroku's limit for a slug compile: 15 minutes. */
#define BUILD_DEFAULT_TIMEOUT (15 * 60)
/* 1980-01-01T00:00:00Z, the mtime when neither SOURCE_DATE_EPOCH nor a commit gives one. */
#define BUILD_DEFAULT_EPOCH 315532800

struct build {
	struct build_options opt;
	char *manifest_path;
	char *output_abs;         /* the slug's absolute path, its directory resolved (outputs.c) */
	char *manifest_abs;       /* the same for the manifest */

	/* source */
	char *source_kind;        /* "dir", "git" or "tarball" */
	char *source_url;         /* absolute path or URL, credentials stripped */
	char *source_rev;         /* the revision asked for; NULL for a directory or tarball */
	char *app_subdir;         /* --app-dir normalised ("apps/web"), or NULL */
	int dirty;                /* built from files that are not a commit (--worktree) */
	char *commit;             /* 40-hex or NULL */
	char *commit_description; /* or NULL */
	int64_t commit_time;      /* -1 when there is no commit */
	char *work_dir;           /* private temp dir, removed at the end */
	char *app_dir;            /* work_dir/app: becomes ./app/ (or the source itself, below) */
	/*
	 * A directory source is not copied until something needs a private
	 * tree: until then app_dir is the source directory itself and is only
	 * ever read (detect, release and pack read it; pack leaves out .git).
	 * A .slugignore with patterns, or a runtime to install, makes the copy
	 * (build_materialise()). An app with nothing to build is packed straight
	 * from the source.
	 */
	int app_borrowed;

	/* detect */
	struct detection_list detections; /* in build order */
	char *buildpack_description;      /* the last (primary) language's description */
	struct strvec buildpacks;         /* detector names, in order (no buildpack list) */
	struct buildpack_list bps;        /* the buildpack list, when there is one (buildpack.h) */

	/* runtimes and build */
	char *cache;                      /* the cache directory, once a runtime needs it */
	char *app_cache;                  /* this app's build cache in it */
	char *home;                       /* HOME of the build steps, in the work dir */
	struct strvec config;             /* config vars from --env-dir and --env */
	int config_loaded;
	struct resolved *runtimes;        /* runtimes[i] for detections.v[i]; .runtime NULL if none */
	struct build_env be;

	/* release */
	struct procfile process_types;
	struct strvec config_vars;        /* bin/release config_vars, merged in list order */
	struct strvec addons;             /* bin/release addons, in list order */

	/* pack */
	int64_t source_date_epoch;
	struct tempfile slug;
	uint64_t slug_size;
	uint64_t files;
	uint64_t entries, unpacked_size; /* what the slug expands to */
	unsigned char slug_sha256[32];

	/* manifest */
	struct tempfile manifest;
};

/*
 * Output paths against the source (outputs.c). outputs_check(), before
 * anything is written: the default manifest path never replaces a file
 * slugc did not write, and -o/--manifest never name a file of a local source
 * other than slugc's own earlier output. outputs_skip() is a tree_copy filter
 * leaving the outputs and their temporaries out of a copy of the directory
 * root (absolute, resolved); outputs_inside() says whether there is any.
 */
struct outputs_filter {
	const struct build *b;
	const char *root;
};
int outputs_check(struct build *b, struct error *err);
int outputs_inside(const struct build *b, const char *root);
int outputs_skip(void *ctx, const char *relpath, int is_dir, struct error *err);
/* The file is a manifest slugc wrote: a JSON object with a "slugc" object. */
int outputs_is_manifest(const char *path);

void build_init(struct build *b, const struct build_options *opt);
void build_release(struct build *b);

/*
 * Run every stage, then move the slug and the manifest into place. Nothing
 * is left at the output paths unless everything succeeded.
 */
int build_run(struct build *b, struct error *err);

/* SOURCE_DATE_EPOCH from the environment: -1 when unset; a malformed value is an error. */
int build_env_epoch(int64_t *out, struct error *err);
/*
 * The runtime options for one language from build options: its mirror
 * (--mirror, else SLUGC_MIRROR_<LANG>), its pin, --offline, the stack.
 * Shared by compile and slugc resolve, so both resolve the same way.
 */
int build_runtime_options(const struct build_options *opt, const char *lang, const char *cache,
			  const struct strvec *config, struct runtime_options *o, struct error *err);

/* "SHA256:<hex>" of the slug. */
void build_checksum(const struct build *b, char out[8 + SHA256_HEX_LEN]);

/* The config vars of --env-dir, loaded once into b->config. */
int build_load_config(struct build *b, struct error *err);
/* Set each "NAME=value" of config in env. */
void build_export_config(const struct strvec *config, struct strvec *env);
/*
 * The build environment, the app's build cache and its lock, HOME and TMPDIR
 * (runtimes stage); config vars are exported into be.env when export_config.
 */
int install_prepare(struct build *b, int export_config, struct error *err);
/* Install the runtime of detections.v[i] / run its dependency step (runtimes[] allocated). */
int install_language(struct build *b, size_t i, struct error *err);
int deps_language(struct build *b, size_t i, struct error *err);
/* Work dir, source and tree stages only (slugc buildpacks). */
int build_prepare_source(struct build *b, struct error *err);

/* The stages, in pipeline order. */
int source_run(struct build *b, struct error *err);
int tree_run(struct build *b, struct error *err);
/* A borrowed source becomes a private copy at work_dir/app (without .git). */
int build_materialise(struct build *b, struct error *err);
int detect_run(struct build *b, struct error *err);
/* A requirement as shown after the language's name: "1.19" for Go's "go1.19". */
const char *detect_shown_requirement(const struct detection *d);
int install_run(struct build *b, struct error *err);
int deps_run(struct build *b, struct error *err);
/* With a buildpack list: every step in order, native and external, instead of runtimes + build. */
int steps_run(struct build *b, struct error *err);
int release_run(struct build *b, struct error *err);
int pack_run(struct build *b, struct error *err);
int manifest_run(struct build *b, struct error *err);

#endif
