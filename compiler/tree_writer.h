#ifndef SLUGC_TREE_WRITER_H
#define SLUGC_TREE_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct error;

/*
 * Creating a tree from entries that come from somewhere else (a git tree,
 * a source tarball) without ever writing outside its root.
 *
 * Invariants:
 *  1. Every path is relative, has no "." or ".." component, no empty
 *     component, no ".git" component (in any case) and no component longer
 *     than NAME_MAX (255) bytes; anything else is refused with an error
 *     naming the entry.
 *  2. Directories are opened one component at a time with O_NOFOLLOW from
 *     the root's descriptor, so an entry that lies beneath a symlink (the
 *     "symlink, then a file through it" trick) fails instead of following it.
 *  3. Files are created with O_EXCL: an entry never replaces or writes
 *     through an existing one. Modes are 0755 or 0644 only.
 *  4. The total number of bytes written is capped (gzip bombs).
 */
struct tree_writer;

int tree_writer_open(struct tree_writer **out, const char *root, uint64_t max_bytes,
		     struct error *err);
int tree_writer_mkdir(struct tree_writer *w, const char *path, struct error *err);
/* Start a regular file; its data follows with tree_writer_write(), then tree_writer_end(). */
int tree_writer_begin(struct tree_writer *w, const char *path, int executable, struct error *err);
int tree_writer_write(struct tree_writer *w, const void *data, size_t len, struct error *err);
/* Data of `path` read but not written (a skipped entry): it still counts against the cap. */
int tree_writer_skip(struct tree_writer *w, const char *path, size_t len, struct error *err);
int tree_writer_end(struct tree_writer *w, struct error *err);
/* A whole file at once. */
int tree_writer_file(struct tree_writer *w, const char *path, int executable, const void *data,
		     size_t len, struct error *err);
int tree_writer_symlink(struct tree_writer *w, const char *path, const char *target,
			struct error *err);
/* A hard link to an entry written before (`target` is a path in the same tree). */
int tree_writer_hardlink(struct tree_writer *w, const char *path, const char *target,
			 struct error *err);
/* How the size cap's error names what expands ("the source" unless set; not copied). */
void tree_writer_set_subject(struct tree_writer *w, const char *subject);
uint64_t tree_writer_files(const struct tree_writer *w);
void tree_writer_close(struct tree_writer *w);

/* Whether a relative entry path is acceptable (invariant 1); fills err when not. */
int tree_writer_check_path(const char *path, struct error *err);
/* The same check: NULL when acceptable, else what is wrong ("has an empty path component"). */
const char *tree_writer_path_problem(const char *path);

#endif
