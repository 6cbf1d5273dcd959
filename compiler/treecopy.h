#ifndef SLUGC_TREECOPY_H
#define SLUGC_TREECOPY_H

struct error;
struct stat;

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

/* Told of each file tree_link() linked: its path in the tree and its lstat() before linking. */
typedef int (*tree_link_fn)(void *ctx, const char *relpath, const struct stat *st,
			    struct error *err);

/*
 * tree_copy() with every regular file hard-linked to src's rather than
 * copied (linked() is called for each, and may fail the walk); a file the
 * kernel refuses to link (EXDEV, EMLINK, EPERM, EACCES) is copied instead.
 * Directories and symlinks are created fresh. The caller owns the danger:
 * a write into a linked file in place changes src's file too.
 */
int tree_link(const char *src, const char *dst, tree_link_fn linked, void *ctx, struct error *err);

#endif
