#ifndef SLUGC_INSPECT_H
#define SLUGC_INSPECT_H

#include <stdint.h>

#include "sha256.h"

struct error;
struct reader;

/*
 * The slug verifier: reads a slug once and checks what Heroku (and any
 * safe extractor) needs: every entry under "./app/", no ".." component, no
 * absolute path, only files, directories and symlinks (hard links only to
 * entries inside), no symlink leaving ./app, and nothing stored beneath a
 * symlink. A violation is an ERROR_INPUT naming the entry.
 *
 * Separately it reports whether the layout is the normalised, reproducible
 * one slugc writes (sorted, uid/gid 0, one mtime, fixed modes); a slug from
 * another tool may be valid without being normalised.
 */
struct inspect_result {
	uint64_t size;               /* compressed bytes (file readers only) */
	char sha256[SHA256_HEX_LEN + 1];
	uint64_t entries, files, dirs, symlinks, hardlinks;
	uint64_t bytes;              /* uncompressed file contents */
	int normalized;
	char why_not[512];           /* first reason it is not normalised */
	int64_t mtime;               /* the common mtime when normalised */
};

/* Verify a slug file, computing its size and SHA-256 in the same pass. */
int inspect_slug(const char *path, struct inspect_result *res, struct error *err);
/* Verify from an open reader (memory readers: size and sha256 stay empty). */
int inspect_reader(struct reader *r, struct inspect_result *res, struct error *err);

#endif
