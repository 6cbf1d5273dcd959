#ifndef SLUGC_TREECOPY_H
#define SLUGC_TREECOPY_H

#include <stdint.h>

struct error;
struct stat;

/* Decides whether a path stays out of a copy: 1 skip, 0 copy, -1 error. */
typedef int (*tree_copy_filter_fn)(void *ctx, const char *relpath, int is_dir, struct error *err);

enum {
	TREE_COPY_SKIP_GIT = 1 << 0, /* leave out every ".git" */
	/*
	 * Keep every entry's mode bits (& 0777) and times, and symlinks exactly
	 * as they are (not checked: the caller checks them later, or keeps a
	 * record of them); a directory stays 0700 while it fills.
	 */
	TREE_COPY_PRESERVE = 1 << 1,
	/* Hash each file's bytes as they are copied (one pass) for copied(); costs a read/write copy. */
	TREE_COPY_SHA256 = 1 << 2,
};

/*
 * Copy the tree at src (absolute, symlinks resolved) to dst, which must not
 * exist yet; filter (may be NULL) leaves paths out. On failure dst may hold
 * part of the copy: the caller removes it.
 */
int tree_copy(const char *src, const char *dst, unsigned flags, tree_copy_filter_fn filter,
	      void *ctx, struct error *err);

/* One entry tree_copy_each() has just made in dst (a directory: before its contents). */
struct tree_copied {
	const char *path;         /* relative to the tree: "a/b" */
	const struct stat *st;    /* lstat() of the source entry */
	const char *target;       /* a symlink's target as written, else NULL */
	uint64_t size;            /* a file: the bytes copied */
	const char *sha256;       /* a file, with TREE_COPY_SHA256: those bytes' sha256 (hex), else NULL */
};
/* Told of each entry copied, in walk order; -1 stops the copy with err. */
typedef int (*tree_copied_fn)(void *ctx, const struct tree_copied *c, struct error *err);

/* tree_copy() without a filter, calling copied() (not NULL) after each entry. */
int tree_copy_each(const char *src, const char *dst, unsigned flags, tree_copied_fn copied,
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
