#ifndef SLUGC_PGZIP_H
#define SLUGC_PGZIP_H

#include <stddef.h>
#include <stdint.h>

struct error;

/*
 * Parallel, deterministic gzip over libdeflate (spoken to from here only).
 *
 * Input is cut into fixed blocks of PGZIP_BLOCK bytes; each block becomes
 * one complete gzip member (RFC 1952 allows a file to be a series of
 * members; gzip, zlib, Python, Go and libarchive read them as one stream).
 * Members carry no file name and mtime 0, so the output is a function of
 * the input bytes, the level and the libdeflate version only: not of the
 * number of threads, the machine or the time. The SHA-256 and length of the
 * output are computed as it is written, so nobody re-reads the file.
 *
 * Invariants:
 *  1. Block n is always slot n % nslots; a slot is refilled only after its
 *     previous block was written out, so output order is input order.
 *  2. Only the calling thread writes the file and updates the digest;
 *     workers touch only the slot they took.
 *  3. Memory is bounded: nslots × (block + compress bound), whatever the
 *     input size.
 */

#define PGZIP_BLOCK (1024 * 1024)

struct pgzip;

struct pgzip_options {
	int level;          /* libdeflate level 1..12 */
	unsigned threads;   /* 0 or 1: compress in the calling thread */
};

int pgzip_open(struct pgzip **out, int fd, const char *shown, const struct pgzip_options *opt,
	       struct error *err);
int pgzip_write(struct pgzip *z, const void *data, size_t len, struct error *err);
/* Compress what is left, write it, and wait for the workers. */
int pgzip_finish(struct pgzip *z, struct error *err);
uint64_t pgzip_bytes_in(const struct pgzip *z);
/* Compressed bytes written to the file so far. */
uint64_t pgzip_bytes_out(const struct pgzip *z);
/* SHA-256 of everything written; valid after pgzip_finish(). */
void pgzip_digest(const struct pgzip *z, unsigned char out[32]);
/* Stop the workers and free everything (also after a failure). */
void pgzip_free(struct pgzip *z);

#endif
