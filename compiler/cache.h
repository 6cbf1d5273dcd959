#ifndef SLUGC_CACHE_H
#define SLUGC_CACHE_H

#include <stddef.h>

struct buf;
struct error;
struct strvec;

/*
 * The cache directory and its locks. Several slugc processes may share a
 * cache (CI runners on one host); every writer holds an flock on a lock file
 * next to what it changes, and publishes results by rename.
 *
 * Layout (docs/scaling.md says what may be shared):
 *   git/<key>.git          bare mirrors of git URLs (git.c)
 *   blobs/sha256/<hex>     runtime archives and base image layers (image.c),
 *                          content-addressed, verified before they enter:
 *                          nothing unverified is ever stored here
 *   index/<key>            index documents (index.json, SHASUMS256.txt), with
 *                          their fetch time as mtime, for a TTL
 *   tofu/<key>             the sha256 first seen for a URL Heroku publishes no
 *                          checksum for (trust on first use)
 *   toolchains/<hex>/      unpacked runtime archives by archive hash: Go used in
 *                          place, Node.js and Ruby hard-linked into builds
 *   build/<app key>/       per-app build caches (npm, Go modules, Bundler)
 *   deps/<key>/            installed dependency trees by content key (depcache.h)
 *   tmp/                   partial downloads and their locks
 *   <entry>.json           beside an entry: what it is (cache_meta_put), for
 *                          `slugc cache ls`; removed with the entry. deps/<key>/
 *                          entries describe themselves in their record.json.
 *
 * Leftovers are not entries: a directory a build is writing or removing
 * beside an entry (deps/.new-<key>-*, deps/.evicted-<key>-*,
 * toolchains/<hex>.tmp, <hex>.tmp.unpack-*, <hex>.evicted-*,
 * git/<key>.git.tmp-*), made and
 * removed while that build holds the entry's lock (<key>.lock). One a build
 * that died left behind is removed by any prune; one whose lock is held is
 * left alone.
 */

/*
 * The cache directory: `opt` (--cache-dir), else $SLUGC_CACHE_DIR, else
 * $XDG_CACHE_HOME/slugc, else $HOME/.cache/slugc; created (0700) when
 * missing, with `sub` created inside it when not NULL. Caller frees *out
 * (the path of `sub` when given).
 */
int cache_dir(const char *opt, const char *sub, char **out, struct error *err);

struct cache_lock {
	int fd;
};
#define CACHE_LOCK_INIT { -1 }

/*
 * Take an flock on `path` (created when missing), exclusive or shared,
 * waiting for other holders; a SIGINT/SIGTERM while waiting gives up with
 * ERROR_INTERRUPTED.
 */
int cache_lock(struct cache_lock *l, const char *path, int exclusive, struct error *err);
/* Turn an exclusive lock into a shared one (readers may then join). */
int cache_lock_share(struct cache_lock *l, struct error *err);
void cache_unlock(struct cache_lock *l);

/* sha256 of a string as 64 hex digits: cache keys for URLs and apps. */
void cache_key(const char *s, char out[65]);

/* <cache>/blobs/sha256/<hex>; NULL-free, caller frees. */
char *cache_blob_path(const char *cache, const char *hex);
int cache_blob_exists(const char *cache, const char *hex);
/*
 * Move a file whose sha256 is `hex` (the caller verified it) into the store
 * by rename; the file must be inside the cache directory.
 */
int cache_blob_put(const char *cache, const char *path, const char *hex, struct error *err);

/*
 * A cached index document: 1 and its text in out when present and younger
 * than max_age seconds (max_age < 0: any age), 0 when missing or too old.
 */
int cache_index_get(const char *cache, const char *key, long max_age, struct buf *out);
int cache_index_put(const char *cache, const char *key, const char *text, size_t len,
		    struct error *err);

/* The digest recorded for a URL: 1 and hex filled, or 0. */
int cache_tofu_get(const char *cache, const char *url, char hex[65]);
int cache_tofu_put(const char *cache, const char *url, const char *hex, struct error *err);

/*
 * What an entry is, written when the entry is made: <entry>.json beside it
 * (blobs/sha256/<hex>.json, git/<key>.git.json, index/<key>.json,
 * toolchains/<hex>.json, build/<key>.json, tofu/<key>.json), one JSON object:
 * "description" (one line), and when known "url" (credentials are stripped
 * here), "filename", "runtime", "version", "imported" (true: added by slugc
 * cache import). Entries of older caches have none: "(no description)".
 * Nothing secret may go into a description: callers pass URLs without
 * credentials.
 */
struct cache_meta {
	const char *description;
	const char *url;
	const char *filename;
	const char *runtime;
	const char *version;
	int imported;
};
#define CACHE_META_INIT { NULL, NULL, NULL, NULL, NULL, 0 }
/* Write entry's description (replacing one); `entry` is the entry's path. */
int cache_meta_put(const char *entry, const struct cache_meta *m, struct error *err);
/* Whether entry has a description. */
int cache_meta_exists(const char *entry);
/*
 * An archive added by `slugc cache import` for this URL (--url) or, failing
 * that, under this file name: 1 and hex filled when it is in the store, 0 not.
 */
int cache_find_imported(const char *cache, const char *url, const char *filename, char hex[65]);

/* One entry of the cache (slugc cache ls). */
struct cache_item {
	const char *kind;          /* "git", "blob", "index", "tofu", "toolchain", "build", ... */
	char *name;                /* its name in the kind's directory (a hash) */
	unsigned long long size;   /* disk use in bytes */
	long long mtime;           /* last use (an index document: when it was fetched) */
	char *description;         /* what it is, or NULL when nothing says */
	char *url;                 /* where it came from (no credentials), or NULL */
};
/* What is in the cache, by kind, then by name; free with cache_items_free(). */
int cache_list(const char *cache, struct cache_item **items, size_t *nr, struct error *err);
/*
 * The leftovers (not entries), the same way; a description says what each
 * is and whether a running build holds it or it is abandoned.
 */
int cache_list_leftovers(const char *cache, struct cache_item **items, size_t *nr,
			 struct error *err);
void cache_items_free(struct cache_item *items, size_t nr);
/* What cache_prune() did. */
struct cache_pruned {
	unsigned long long freed; /* bytes */
	size_t entries;           /* entries removed */
	size_t leftovers;         /* abandoned leftovers removed */
	size_t busy;              /* leftovers a running build holds: kept */
};
/*
 * Remove cache entries not used for max_age seconds (max_age < 0: all of
 * them; the mtime is refreshed on every use), skipping anything a running
 * build holds a lock on, and every abandoned leftover whatever its age.
 * Trust-on-first-use records are kept unless `tofu`.
 */
int cache_prune(const char *cache, long max_age, int tofu, struct cache_pruned *out,
		struct error *err);
/* Refresh an entry's mtime: it was just used. */
void cache_touch(const char *path);

#endif
