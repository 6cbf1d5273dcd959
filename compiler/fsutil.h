#ifndef SLUGC_FSUTIL_H
#define SLUGC_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;
struct error;

/* Create a directory and its missing parents. */
int fs_mkdir_p(const char *path, mode_t mode, struct error *err);
/*
 * Remove a tree (or a single file) without following symlinks, making
 * read-only directories writable first (Go's module cache has them).
 * A missing path is not an error.
 */
int fs_remove_tree(const char *path, struct error *err);
/* The same by up to `threads` threads, for large trees (`slugc run`'s unpacked slug). */
int fs_remove_tree_threads(const char *path, unsigned threads, struct error *err);
/* A fresh private directory "$TMPDIR/<prefix>XXXXXX" (mode 0700); caller frees. */
char *fs_make_temp_dir(const char *prefix, struct error *err);
/* Copy a regular file's bytes from src to dst (open descriptors), in the kernel when it can. */
int fs_copy_fd(int src, int dst, uint64_t size, const char *shown, struct error *err);
/* "a FIFO", "a socket", "a character device", ... for messages about special files. */
const char *fs_special_kind(mode_t mode);
/* readlinkat() into a buffer; a target longer than PATH_MAX is an error. */
int fs_readlinkat(int dirfd, const char *name, struct buf *out, const char *shown,
		  struct error *err);
/*
 * The symlinks of a tree, looked up relative to its root descriptor: a
 * path_lookup_fn (path.h) for path_resolve_in_root() and
 * path_check_symlink(). The returned target lives in `scratch`.
 */
struct fs_tree_links {
	int root_fd;
	struct buf *scratch;
};
int fs_tree_link(void *ctx, const char *relpath, const char **target);

/* write() all of data, retrying short writes; failures name `shown`. */
int fs_write_all(int fd, const void *data, size_t len, const char *shown, struct error *err);
/* Whether path exists (lstat). */
int fs_exists(const char *path);
/* Whether path is a symlink (lstat). */
int fs_is_symlink(const char *path);
/* Whether path is a directory (stat, following symlinks). */
int fs_is_dir(const char *path);
/* The process umask, read without changing it for long. */
mode_t fs_umask(void);
/* Raise the soft open-file limit to the hard limit (deep trees keep a descriptor per level). */
void fs_raise_fd_limit(void);

/*
 * A temporary file beside its target, renamed into place by tempfile_commit()
 * only when complete, so an interrupted or failed write never leaves a
 * partial target. Until then tempfile_discard() removes it.
 */
struct tempfile {
	char *path;   /* the temporary file */
	char *target; /* where it goes on commit */
	int fd;
};
#define TEMPFILE_INIT { NULL, NULL, -1 }

int tempfile_open(struct tempfile *t, const char *target, struct error *err);
/* fsync, close and rename over the target; the tempfile is then released. */
int tempfile_commit(struct tempfile *t, struct error *err);
/* Close and unlink if not committed; safe on TEMPFILE_INIT and after commit. */
void tempfile_discard(struct tempfile *t);

/* Write data to path through a tempfile. */
int fs_write_file_atomic(const char *path, const void *data, size_t len, struct error *err);

#endif
