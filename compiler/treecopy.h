#ifndef SLUGC_TREECOPY_H
#define SLUGC_TREECOPY_H

struct error;

/* Decides whether a path stays out of a copy: 1 skip, 0 copy, -1 error. */
typedef int (*tree_copy_filter_fn)(void *ctx, const char *relpath, int is_dir, struct error *err);

enum {
	TREE_COPY_SKIP_GIT = 1 << 0, /* leave out every ".git" */
};

/*
 * Copy the tree at src (absolute, symlinks resolved) to dst, which must not
 * exist yet; filter (may be NULL) leaves paths out. On failure dst may hold
 * part of the copy: the caller removes it.
 */
int tree_copy(const char *src, const char *dst, unsigned flags, tree_copy_filter_fn filter,
	      void *ctx, struct error *err);

#endif
