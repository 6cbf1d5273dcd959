#ifndef SLUGC_EXTRACT_H
#define SLUGC_EXTRACT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct error;

/*
 * Reading tar archives (plain or gzip), over libarchive's read side, spoken
 * to from here only. A reader hands out entries one at a time; while reading
 * a file it also hashes every compressed byte it consumes, so a slug is
 * verified and checksummed in one pass.
 */

enum entry_type {
	ENTRY_FILE = 'f',
	ENTRY_DIR = 'd',
	ENTRY_SYMLINK = 'l',
	ENTRY_HARDLINK = 'h',
	ENTRY_OTHER = 'o', /* device, FIFO, socket */
};

struct reader_entry {
	const char *path;
	const char *link;   /* symlink target or hard link path, else NULL */
	const char *uname, *gname;
	enum entry_type type;
	const char *other;  /* for ENTRY_OTHER: "FIFO", "character device", ... */
	mode_t perm;
	int64_t size, mtime, uid, gid;
	int has_xattrs;     /* extended attributes, ACLs or file flags present */
};

struct reader;

/*
 * What an archive may expand to: gzip bombs, sparse files, floods of
 * entries. The reader counts them itself, so every command that reads an
 * archive (run, inspect, verify, source and runtime tarballs) is capped:
 * each header's announced size is added before its data is read, so an
 * entry that declares 20 GiB is refused before a byte of it is written, and
 * the data bytes actually handed out are counted as well. A reader starts
 * with the defaults (docs/security.md); 0 turns a cap off. The error names
 * the archive, the entry, the cap and --max-unpacked / --max-entries.
 */
struct unpack_limits {
	uint64_t max_bytes;    /* total size of all entries' data */
	uint64_t max_entries;  /* number of entries */
};
#define UNPACK_DEFAULT_MAX_BYTES ((uint64_t)4 << 30)
#define UNPACK_DEFAULT_MAX_ENTRIES 1000000
#define UNPACK_LIMITS_INIT { UNPACK_DEFAULT_MAX_BYTES, UNPACK_DEFAULT_MAX_ENTRIES }

/* Open a file. The SHA-256 of its bytes is available after reader_finish(). */
int reader_open_file(struct reader **out, const char *path, struct error *err);
/* Open bytes in memory (fuzzing, tests); they must outlive the reader. */
int reader_open_memory(struct reader **out, const void *data, size_t len, const char *shown,
		       struct error *err);
/* 1 and *e filled (valid until the next call), 0 at the end, -1 on a damaged archive. */
int reader_next(struct reader *r, struct reader_entry *e, struct error *err);
/* Read the data of the current entry (0 at its end). */
ssize_t reader_read(struct reader *r, void *buf, size_t len, struct error *err);
/*
 * Consume the rest of the input (for the digest) and return the SHA-256 of
 * all of it and its size. Only for readers opened on a file.
 */
int reader_finish(struct reader *r, unsigned char digest[32], uint64_t *size, struct error *err);
void reader_close(struct reader *r);
/* Replace the default caps (before the first reader_next()). */
void reader_set_limits(struct reader *r, const struct unpack_limits *l);
/* How messages name the archive. */
const char *reader_shown(const struct reader *r);
/* Entries seen so far, and the data bytes their headers announced. */
uint64_t reader_entries(const struct reader *r);
uint64_t reader_declared_bytes(const struct reader *r);

struct tree_writer;
/*
 * Extract every entry through w (tree_writer.h: nothing escapes its root).
 * A leading "./" is dropped from paths, and entries in a ".git" directory
 * (any depth, any letter case) are skipped. Directories, files, symlinks and
 * hard links to earlier entries are written; devices, FIFOs and sockets are
 * refused with an error naming the entry.
 */
int extract_to_tree(struct reader *r, struct tree_writer *w, struct error *err);
/* Write the current entry e as `path` (relative) through w, its data included. */
int extract_entry(struct reader *r, struct tree_writer *w, const char *path,
		  const struct reader_entry *e, struct error *err);

/*
 * Where an extracted archive's contents start: its one top-level directory
 * when it has exactly one entry and that is a directory (GitHub's
 * "repo-sha/", Node's "node-v20.11.1-linux-x64/", Go's "go/"), else dir
 * itself. A fresh string.
 */
char *extract_top_dir(const char *dir, struct error *err);

/*
 * Unpack an archive file into dest (which must not exist), dropping a single
 * top-level directory when strip_top, through a temporary directory beside
 * dest that is renamed into place: dest is whole or absent. The reader's
 * caps are `limits` (NULL: the defaults).
 */
int extract_archive(const char *archive, const char *dest, int strip_top,
		    const struct unpack_limits *limits, struct error *err);

/*
 * The SHA-256 and length of a gzip file's decompressed bytes (all of its
 * members): an image layer's diff_id.
 */
int extract_gunzip_digest(const char *path, unsigned char digest[32], uint64_t *size,
			  struct error *err);

#endif
