#ifndef SLUGC_VERIFY_H
#define SLUGC_VERIFY_H

struct buf;
struct error;
struct unpack_limits;

/*
 * Compare two slugs entry by entry: paths, types, modes, owners, mtimes,
 * link targets and contents. Returns 0 when they hold the same entries, 1
 * when they differ (with a one-line description of the first difference
 * appended to `diff`), -1 when either cannot be read or breaks `limits`.
 */
int slug_compare(const char *a, const char *b, const struct unpack_limits *limits,
		 struct buf *diff, struct error *err);

#endif
