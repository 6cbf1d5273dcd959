#ifndef SLUGC_PACK_H
#define SLUGC_PACK_H

#include <stdint.h>

struct error;

/*
 * The packer: a directory tree → a slug (gzip'd tar whose root is ./app/),
 * written to an open descriptor in one streaming pass.
 *
 * Invariants (docs/slug-format.md is the user-facing statement):
 *  1. The first entry is "./app/"; every path starts with "./app/"; the
 *     sequence of paths (directories with a trailing '/') is sorted bytewise,
 *     so directories precede their contents (walk.h gives that order).
 *  2. Every entry has mtime = opts.mtime, uid = gid = 0, empty user and
 *     group names; directories and files with any execute bit are 0755,
 *     other files 0644, symlinks 0777. Nothing else from the inode is
 *     written: no atime, ctime, xattrs, ACLs, device or inode numbers.
 *  3. Symlinks stay symlinks when they resolve inside the tree; absolute
 *     links into the tree are made relative; any other symlink is an error
 *     naming it. Hard links become regular files. FIFOs, sockets and
 *     devices are errors. ".git" entries are never packed.
 *  4. Tar framing is pax-restricted (plain ustar unless a path or link
 *     needs a pax header) with names stored as raw bytes, whatever the
 *     locale. Compression is pgzip.h's: output bytes do not depend on the
 *     thread count.
 *  5. File contents stream through fixed buffers: memory does not grow
 *     with file or slug size. The output is hashed as it is written.
 *  6. When the compressed size passes opts.max_size, packing stops with
 *     res->over_limit set and an error.
 */
struct pack_options {
	int64_t mtime;
	int level;
	unsigned threads;
	uint64_t max_size;    /* 0: unlimited */
};

struct pack_result {
	uint64_t size;        /* compressed bytes */
	unsigned char sha256[32];
	uint64_t files, dirs, symlinks;
	uint64_t bytes;       /* uncompressed file contents */
	int over_limit;       /* 1: stopped past max_size (size: so far); 2: finished past it */
};

/* Pack `root` as ./app/ into fd (shown as `shown` in messages). */
int pack_tree(const char *root, int fd, const char *shown, const struct pack_options *opts,
	      struct pack_result *res, struct error *err);

/*
 * The largest directories directly under root, by apparent size of their
 * contents, as "node_modules (412.0 MB), public (12.1 MB)"; at most n.
 */
int pack_largest_dirs(const char *root, unsigned n, char **out, struct error *err);

#endif
