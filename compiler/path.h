#ifndef SLUGC_PATH_H
#define SLUGC_PATH_H

#include <stddef.h>

struct buf;
struct error;

/* "a" + "b" → "a/b" (no doubled slash); a fresh allocation. */
char *path_join(const char *a, const char *b);
/* The last component of p (a pointer into p). */
const char *path_basename(const char *p);
/* Whether any '/'-separated component of p is exactly "..". */
int path_has_dotdot(const char *p);
/* Whether p names an entry called ".git" at any depth. */
int path_has_git_component(const char *p);

/*
 * The relative path from directory `from` to `to`, both relative to the same
 * root ("" is the root): ("bin", "lib/x") → "../lib/x". A fresh allocation.
 */
char *path_relative(const char *from, const char *to);

/*
 * Resolve a symlink confined to a root, as the slug will see it at /app.
 *
 * `link` is the symlink's path relative to the root ("lib/x"); `target` is
 * what it points to. Intermediate components that are themselves symlinks are
 * followed through `lookup`, which, for a root-relative path, returns 1 and
 * sets *target (valid until the next call) when that path is a symlink, and 0
 * otherwise (missing paths are resolved lexically). An absolute target is
 * inside only when it starts with "/app" (the dyno's view) or with
 * `abs_root` (the build directory on this machine, may be NULL).
 *
 * Returns PATH_INSIDE and, when `resolved` is not NULL, the root-relative
 * result there; PATH_ESCAPES when the link leaves the root; PATH_LOOP after
 * 40 links without an end.
 */
enum path_verdict { PATH_INSIDE = 0, PATH_ESCAPES = 1, PATH_LOOP = 2 };
typedef int (*path_lookup_fn)(void *ctx, const char *relpath, const char **target);
enum path_verdict path_resolve_in_root(const char *link, const char *target, const char *abs_root,
				       path_lookup_fn lookup, void *ctx, struct buf *resolved);

/*
 * Check a symlink that is to go into a slug. Fails, naming the link, when
 * it escapes the root or loops. Otherwise `out` receives the target to
 * store: the same one, except that an absolute target into `abs_root` (the
 * tree's own path on this machine, which will not exist at /app) becomes
 * the equivalent relative one.
 */
int path_check_symlink(const char *link, const char *target, const char *abs_root,
		       path_lookup_fn lookup, void *ctx, struct buf *out, struct error *err);

#endif
