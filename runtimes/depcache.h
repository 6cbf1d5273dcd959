#ifndef SLUGC_DEPCACHE_H
#define SLUGC_DEPCACHE_H

/*
 * The dependency cache: an installed dependency tree (node_modules as
 * `npm ci` left it) kept in <cache>/deps/<key>/ (tree/, tree.txt: one line
 * per entry with its type, mode, size and content sha256 or symlink target,
 * record.json: format, key, description, digest of tree.txt), under a key
 * that covers everything the install's output depends on. A runtime decides
 * what goes into the key and when the cache may be used; this module builds
 * the key, stores and restores trees, and checks a restored tree against its
 * record while copying it. docs/performance.md states the rules.
 */

#include "sha256.h"

struct buf;
struct build_env;
struct error;
struct strvec;

#define DEPCACHE_FORMAT 1

/* A key under construction: labelled fields, each length-prefixed (no two inputs collide). */
struct depcache_key {
	struct sha256 h;
};

/* Start a key for `kind` ("nodejs node_modules"); the format version is its first field. */
void depcache_key_init(struct depcache_key *k, const char *kind);
void depcache_key_add(struct depcache_key *k, const char *label, const void *data, size_t len);
void depcache_key_add_str(struct depcache_key *k, const char *label, const char *s);
/* A file's bytes, or "absent" when it does not exist; a file larger than 64 MiB is an error. */
int depcache_key_add_file(struct depcache_key *k, const char *label, const char *path,
			  struct error *err);
/*
 * The build environment, sorted, without the host's network settings,
 * SOURCE_VERSION and SOURCE_DATE_EPOCH, nor the variables named in skip (NULL
 * terminated); `build_dir` (the private build directory, which changes on
 * every build) is replaced by "<build>" in values. Values are hashed, never
 * kept.
 */
void depcache_key_add_env(struct depcache_key *k, const struct strvec *env,
			  const char *const *skip, const char *build_dir);
void depcache_key_final(struct depcache_key *k, char hex[65]);

/*
 * Restore be->app_dir/<dir> (which must not exist) from the entry `key`,
 * verifying every entry against the record while copying. 1 restored (a
 * shared lock on the entry is then held until the build ends, so `slugc
 * cache prune` leaves it alone); 0 not restored, with the reason in why:
 * no entry, or a damaged one (then *damaged is set, the partial copy is
 * removed and the entry evicted). -1 only on an interrupt.
 */
int depcache_restore(struct build_env *be, const char *key, const char *dir, struct buf *why,
		     int *damaged, struct error *err);
/*
 * Store be->app_dir/<dir> as the entry `key`: copied beside the entry and
 * renamed into place, so no reader ever sees half an entry; when another
 * build stored the same key first, its entry is kept. description is shown
 * by `slugc cache ls`; it must hold no secret.
 */
int depcache_save(struct build_env *be, const char *key, const char *dir, const char *description,
		  struct error *err);

/*
 * A digest of the tree at root (paths, types, modes; sizes and mtimes of
 * files and links) leaving out the paths in skip ("node_modules",
 * "vendor/bundle", relative to root): to notice an install step that wrote
 * outside the directory it installs into.
 */
int depcache_fingerprint(const char *root, const char *const *skip, char hex[65],
			 struct error *err);

/*
 * One install step through the cache (how every runtime uses it): with a
 * usable key, restore `dir` from its entry (1 hit: the install does not run);
 * on a miss or a damaged entry (warned about), run install(), then save
 * `dir` when the install changed nothing else in the app. Not usable: the
 * install runs and `why` says why the cache was not used. -v traces the key,
 * the hit or miss and the timings.
 */
struct depcache_step {
	const char *dir;          /* "node_modules", "vendor/bundle" */
	int usable;               /* 1: key is this install's key; 0: the cache is not used */
	const char *why;          /* why not, when !usable */
	const char *key;          /* 64 hex */
	const char *description;  /* for `slugc cache ls`; no secret */
	int (*install)(struct build_env *be, void *ctx, struct error *err);
	void *ctx;
};
int depcache_install(struct build_env *be, const struct depcache_step *s, struct error *err);

#endif
