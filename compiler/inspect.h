#ifndef SLUGC_INSPECT_H
#define SLUGC_INSPECT_H

#include <stdint.h>

#include "sha256.h"

struct error;
struct reader;
struct unpack_limits;

/*
 * The slug verifier, the one behind inspect, verify and run: reads a slug
 * once and checks what Heroku (and any safe extractor) needs: every entry
 * under "./app/", no ".." or "." or empty component, no absolute path, no
 * ".git" component, only files, directories and symlinks (hard links only
 * to files before them inside), no symlink leaving ./app, nothing stored
 * beneath a symlink or a file, no name twice, and the reader's caps on
 * unpacked bytes and entries. A violation is an ERROR_INPUT naming the
 * entry ("'slug.tgz' failed verification: slug entry '...' ...").
 *
 * Separately it reports whether the layout is the normalised, reproducible
 * one slugc writes (sorted, uid/gid 0, one mtime, fixed modes); a slug from
 * another tool may be valid without being normalised.
 */
struct inspect_result {
	uint64_t size;               /* compressed bytes (file readers only) */
	char sha256[SHA256_HEX_LEN + 1];
	uint64_t entries, files, dirs, symlinks, hardlinks;
	uint64_t bytes;              /* unpacked data bytes, as the headers announce them */
	int normalized;
	char why_not[512];           /* first reason it is not normalised */
	int64_t mtime;               /* the common mtime when normalised */
};

/* Verify a slug file within `limits`, computing its size and SHA-256 in the same pass. */
int inspect_slug(const char *path, const struct unpack_limits *limits,
		 struct inspect_result *res, struct error *err);
/* Verify from an open reader (memory readers: size and sha256 stay empty). */
int inspect_reader(struct reader *r, struct inspect_result *res, struct error *err);
/*
 * Verify and unpack in one pass: each entry is written below root (as
 * root/app/...) only after the verifier accepted it, so this refuses
 * exactly what inspect_slug() refuses, with the same message. `writers`
 * threads write the entries (unpack_pool.h) while this one reads and
 * verifies. On failure root may hold a partial tree; the caller removes it.
 */
int slug_unpack(const char *path, const char *root, const struct unpack_limits *limits,
		unsigned writers, struct inspect_result *res, struct error *err);

#endif
