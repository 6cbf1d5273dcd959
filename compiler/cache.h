#ifndef SLUGC_CACHE_H
#define SLUGC_CACHE_H

struct error;

/*
 * The cache directory and its locks. Several slugc processes may share a
 * cache (CI runners on one host); every writer holds an flock on a lock file
 * next to what it changes, and publishes results by rename.
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

#endif
