#ifndef SLUGC_WALK_H
#define SLUGC_WALK_H

#include <sys/stat.h>

struct error;

/*
 * A depth-first walk of a directory tree that never follows symlinks and
 * visits entries in the slug's order: siblings sorted bytewise by name, a
 * directory compared as "name/", so the sequence of visited paths (with a
 * trailing slash on directories) is sorted bytewise as a whole and every
 * directory comes before its contents. The order is independent of readdir
 * order, locale and file system.
 */

struct walk_entry {
	const char *path;   /* relative to the root: "a/b" */
	const char *name;   /* last component */
	int dirfd;          /* the open parent directory, for the *at() calls */
	const struct stat *st; /* lstat() of the entry */
	unsigned depth;     /* 1 for children of the root */
};

enum { WALK_CONTINUE = 0, WALK_SKIP = 1 };

/* Flags for walk_tree(). */
enum {
	WALK_IGNORE_SIGNALS = 1, /* for cleanup walks, which must finish after an interrupt */
};

/*
 * pre() is called for every entry before a directory's contents; returning
 * WALK_SKIP does not descend. post() (may be NULL) is called for a directory
 * after its contents. Either returning -1 stops the walk with that error.
 * Unless WALK_IGNORE_SIGNALS is given, a pending interrupt stops the walk
 * between entries with an ERROR_INTERRUPTED error.
 */
typedef int (*walk_fn)(const struct walk_entry *e, void *ctx, struct error *err);
int walk_tree(const char *root, walk_fn pre, walk_fn post, void *ctx, unsigned flags,
	      struct error *err);

/* Deepest directory nesting a walk accepts. */
#define WALK_MAX_DEPTH 512

#endif
