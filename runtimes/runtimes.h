#ifndef SLUGC_RUNTIMES_H
#define SLUGC_RUNTIMES_H

/*
 * Runtimes: resolving a language's version requirement to one exact
 * artifact (version, URL, sha256) from the official index or a mirror,
 * fetching and verifying it into the content-addressed cache, installing it
 * into the build (or, for build-time toolchains, next to it), and running
 * the language's dependency step. One file per language, one table; this
 * is the folder's public header. docs/runtimes.md states the rules.
 */

#include "extract.h"
#include "semver.h"
#include "strvec.h"

struct buf;
struct defaults;
struct detection;
struct error;
struct json;
struct linked_tree;

/* One artifact a requirement resolved to. */
struct resolved {
	const struct runtime *runtime;
	char *version;     /* "20.11.1", "go1.19.8", "3.2.2" */
	char *url;         /* where it is downloaded from (mirror applied; may hold credentials) */
	char *shown_url;   /* url without credentials: for output and the manifest */
	char *filename;    /* "node-v20.11.1-linux-x64.tar.gz" */
	char *sha256;      /* 64 hex; NULL when nobody publishes one and none is recorded */
	char *verified_by; /* what the digest comes from, for the output and the manifest */
	char *mirror;      /* the mirror base it came from, without credentials; NULL: the official one */
	struct strvec notes; /* warnings about the choice: LTS cap, wide range, end of life */
};

/* What resolving and fetching need to know. */
struct runtime_options {
	const char *cache;        /* the cache directory (resolved) */
	const char *mirror;       /* this language's mirror base URL, or NULL for the official one */
	int offline;              /* use only the cache */
	const char *stack;        /* "heroku-24" */
	const struct defaults *defaults;
	const struct strvec *config; /* the app's config vars (--env-dir), "NAME=value" */
	const char *pin;          /* --runtime-sha256 for this language, or NULL */
	const char *inventory;    /* a TOML file of pinned artifacts (--inventory, the app's), or NULL */
	const char *inventory_shown; /* how messages name it, or NULL for its path */
};

/*
 * The build a runtime installs into and runs its steps in. `env` is the
 * environment every step starts from; installing a runtime puts its bin
 * directory first on env's PATH for the steps after it.
 */
struct build_env {
	const char *app_dir;      /* the tree that becomes ./app */
	const char *home;         /* a private HOME for build steps (not in the slug) */
	const char *cache;        /* the cache directory */
	const char *app_cache;    /* this app's build cache (npm cache, Go modules, ...) */
	const struct detection *detection;
	struct strvec env;
	int held[8];              /* shared cache locks kept until the build ends (toolchains in use) */
	const struct unpack_limits *limits; /* caps on unpacking a runtime archive (--max-unpacked) */
	unsigned nheld;
	struct linked_tree *linked; /* runtimes hard-linked from the cache (runtime_link) */
	int no_depcache;          /* install from scratch, never from the dependency cache (verify) */
};

struct runtime {
	const char *name;         /* the detector's name: "nodejs", "go", "ruby" */
	const char *display;      /* "Node.js" */
	int (*resolve)(const struct runtime_options *o, const char *requirement, struct resolved *out,
		       struct error *err);
	/* Unpack the verified archive where the language needs it; extend be->env. */
	int (*install)(struct build_env *be, const struct resolved *r, const char *archive,
		       struct error *err);
	/* The dependency step (npm ci, go install, bundle install) and .profile.d. */
	int (*build)(struct build_env *be, const struct resolved *r, struct error *err);
};

/* The runtime for a detector name, or NULL (Procfile-only apps need none). */
const struct runtime *runtime_find(const char *name);

/*
 * Resolve `requirement` (NULL: the language's default) for language `lang`.
 * An unknown language, or one slugc cannot install, is an error.
 */
int runtime_resolve(const char *lang, const char *requirement, const struct runtime_options *o,
		    struct resolved *out, struct error *err);
void resolved_release(struct resolved *r);
/* Its record (name, version, url without credentials, sha256, verified_by, mirror), as in the manifest. */
struct json *resolved_json(const struct resolved *r);

/*
 * The verified archive in the cache: from the cache when it is there,
 * otherwise downloaded (resuming, retrying), checked against r->sha256 and
 * stored. A mismatch deletes the download and names both digests; nothing
 * unverified enters the cache. With no published digest, the first one seen
 * is recorded (trust on first use) and later downloads must match it.
 * *archive is the path in the cache; caller frees.
 */
int runtime_fetch(const struct runtime_options *o, struct resolved *r, char **archive,
		  struct error *err);

/*
 * Whether the archive r names exists where it would be downloaded from (a
 * HEAD request, or the file of a file:// mirror), as Heroku's buildpacks
 * check before downloading: 0 yes (or already cached, or --offline), -1
 * with "X is not on the mirror M" and how to add it.
 */
int runtime_check_available(const struct runtime_options *o, const struct resolved *r,
			    struct error *err);

/*
 * An index document (index.json, SHASUMS256.txt): from the cache when it is
 * younger than ttl seconds (ttl < 0: cached forever, the document never
 * changes), else fetched and cached; offline, any cached copy; when a fetch
 * fails, a stale copy with a warning. out is replaced, never appended to: it
 * holds exactly the document, which is what is cached.
 */
int runtime_index(const struct runtime_options *o, const char *url, long ttl, size_t max,
		  struct buf *out, struct error *err);

/* Whether runtime_index() can give url offline (a cached copy, or a file:// URL). */
int runtime_index_cached(const struct runtime_options *o, const char *url);
/*
 * Offline, without an index: r (version, url, filename filled) as the
 * archive `slugc cache import` added for r->url (--url) or under
 * r->filename: 1 with sha256, verified_by and a note set, 0 when nothing
 * was imported for it.
 */
int runtime_offline_imported(const struct runtime_options *o, struct resolved *r);

/* Run one build step in the app directory with the build environment, its output indented. */
int runtime_step(struct build_env *be, const char *const *argv, const char *what,
		 struct error *err);
/* The same, its output not shown but appended to out (a version, a package list). */
int runtime_step_output(struct build_env *be, const char *const *argv, const char *what,
			struct buf *out, struct error *err);
/* Put dir first on an environment's PATH. */
void runtime_path_prepend(struct strvec *env, const char *dir);
/*
 * A runtime archive is unpacked within be->limits (--max-unpacked,
 * --max-entries): a gzip bomb stops there, even one whose checksum the
 * mirror publishes. Real archives stay far below the defaults (Node.js
 * ~110 MB and ~6,000 entries unpacked, Go ~250-450 MB, Heroku's Ruby ~25 MB).
 */
/*
 * The archive unpacked (its top directory stripped when `strip`) into the
 * cache at toolchains/<sha256>/, once per digest, under a lock; *dir is
 * that directory (caller frees). A shared lock on it is held until the
 * build ends, so `slugc cache prune` leaves it alone. Nothing there may be
 * written to: a runtime that ships in the slug goes in with runtime_link().
 */
int runtime_unpacked(struct build_env *be, const struct resolved *r, const char *archive,
		     int strip, char **dir, struct error *err);
/*
 * The runtime's unpacked tree (runtime_unpacked) put at app_dir/rel, which
 * must not exist, without copying its data: every regular file hard-linked
 * (copied where the kernel refuses a link), directories and symlinks
 * created fresh. What each linked inode looked like is kept in be->linked
 * for runtime_links_check().
 */
int runtime_link(struct build_env *be, const struct resolved *r, const char *archive, int strip,
		 const char *rel, struct error *err);
/*
 * After the build steps (whether they succeeded or not): a linked runtime
 * file whose inode a step changed in place (written, truncated, chmod-ed)
 * is a damaged cache entry. Warn, naming the file, and evict the entry so
 * the next build unpacks it afresh. Never fails: the slug holds what the
 * step wrote, as with a copy.
 */
void runtime_links_check(struct build_env *be);
/* Free be->linked. */
void runtime_links_release(struct build_env *be);
/*
 * Keep the lock `fd` (a shared cache lock) until the build ends, in be->held;
 * 0 taken (the caller no longer owns fd), -1 when all slots are in use.
 */
int runtime_hold_lock(struct build_env *be, int fd);
/* Write ./app/.profile.d/<name>, sourced at dyno boot with HOME=/app. */
int runtime_write_profile(const char *app_dir, const char *name, const char *text,
			  struct error *err);

/* A config var of the app, or NULL. */
const char *runtime_config(const struct runtime_options *o, const char *name);

/* The machine's architecture in each vendor's spelling: "x64"/"amd64"/"arm64". */
const char *runtime_node_arch(void);
const char *runtime_go_arch(void);

/* Index parsers, exposed for unit tests and fuzz targets. */
int nodejs_parse_index(const char *text, size_t len, const char *arch_token,
		       struct strvec *versions, struct error *err);
int nodejs_parse_shasums(const char *text, size_t len, const char *filename, char hex[65],
			 struct error *err);
struct go_file {
	char *version, *filename, *sha256;
	int stable;
};
int go_parse_index(const char *text, size_t len, const char *arch, struct go_file **files,
		   size_t *nr, struct error *err);
void go_files_release(struct go_file *files, size_t nr);
/*
 * The sha256 an inventory (Heroku's libherokubuildpack format: [[artifacts]]
 * with version, os, arch, url, checksum = "sha256:<hex>") pins for url, or
 * (path non-NULL, for a mirror) for an entry URL ending in "/" path:
 * 1 and hex filled (lowercase), 0 when it pins nothing for it, -1 on error.
 * The whole file must be valid TOML (toml.h) with an [[artifacts]] array
 * whose every entry has a string url and checksum; a matching entry must
 * have a sha256 checksum, and two matching entries must agree. Anything
 * else is an error naming NAME and the line: a pin is never skipped.
 */
int inventory_lookup(const char *name, const char *text, size_t len, const char *url,
		     const char *path, char hex[65], struct error *err);

#endif
