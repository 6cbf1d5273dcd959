#ifndef SLUGC_PACK_H
#define SLUGC_PACK_H

#include <stddef.h>
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
 *     res->over_limit set and an error. The slug is never one that slugc
 *     run would refuse to unpack: an entry past opts.max_entries, or a file
 *     whose size takes the contents past opts.max_unpacked, stops packing
 *     before its header is written (the same caps, counted the same way as
 *     the reader in extract.h counts them).
 */
struct pack_options {
	int64_t mtime;
	int level;
	unsigned threads;
	uint64_t max_size;    /* 0: unlimited */
	uint64_t max_unpacked, max_entries; /* what the slug may expand to; 0: unlimited */
	int progress;         /* 1: a progress bar (out_progress(): a terminal only) of the
				 bytes and files packed, after a first walk that counts them */
};

struct pack_result {
	uint64_t size;        /* compressed bytes */
	unsigned char sha256[32];
	uint64_t files, dirs, symlinks;
	uint64_t bytes;       /* uncompressed file contents */
	uint64_t entries;     /* every entry, ./app/ included */
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

/* A small file or directory for pack_memory_tar(). */
struct pack_file {
	const char *path;  /* "slugc/entrypoint"; a directory ends in '/' */
	const char *data;  /* NUL-terminated contents; NULL for a directory */
	unsigned mode;     /* permission bits */
};

struct buf;
/*
 * An uncompressed tar of `files`, in the order given, with the packer's
 * normalisation (uid/gid 0, every mtime `mtime`, pax-restricted framing),
 * appended to `out`: a small image layer.
 */
int pack_memory_tar(const struct pack_file *files, size_t n, int64_t mtime, struct buf *out,
		    struct error *err);

/* An entry of pack_bundle(): a file's bytes, bytes in memory, or a directory. */
struct pack_member {
	const char *name;  /* path in the archive; a directory ends in '/' */
	const char *path;  /* a file to copy, or NULL */
	const char *data;  /* or these bytes (len of them); both NULL: a directory */
	size_t len;
};

/*
 * An uncompressed tar of `m`, in the order given (uid/gid 0, every mtime
 * `mtime`, files 0644, directories 0755), written to a temporary file beside
 * `target` and renamed into place when complete.
 */
int pack_bundle(const struct pack_member *m, size_t n, int64_t mtime, const char *target,
		struct error *err);

#endif
