#ifndef SLUGC_SEMVER_H
#define SLUGC_SEMVER_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct error;

/*
 * Semantic versions and npm version ranges, answering exactly as node-semver
 * v7 does (the `semver` npm package: SemVer, Range with default options, and
 * maxSatisfying), so that a requirement in package.json picks the same
 * Node.js release here as it would with npm or Heroku's buildpack.
 *
 * Ranges are always parsed strictly and without includePrerelease, as the
 * Node.js provider needs; only semver_parse() offers node-semver's "loose"
 * version syntax. tests/unit/runtimes/semver/README.md lists where we
 * knowingly differ (a length cap on ranges; C strings stop at NUL).
 */

/* Longest version string node-semver accepts (in UTF-16 code units, as JS counts). */
#define SEMVER_MAX_LENGTH 256
/* Longest range we accept, in bytes; node-semver has no limit (ours bounds hostile input). */
#define SEMVER_RANGE_MAX_LENGTH 4096
/* Number.MAX_SAFE_INTEGER: larger version components are invalid. */
#define SEMVER_MAX_SAFE_INTEGER 9007199254740991ULL

/*
 * A parsed version. pre holds the prerelease identifiers as node-semver
 * stores them (loose "01" becomes "1"); build is the build metadata after
 * '+' (NULL when absent); raw is the string as given. All owned.
 */
struct semver {
	uint64_t major, minor, patch;
	char **pre;
	size_t npre;
	char *build;
	char *raw;
};
#define SEMVER_INIT { 0, 0, 0, NULL, 0, NULL, NULL }

/*
 * Parse "1.2.3", "v1.2.3-beta.1+b" (surrounding whitespace ignored). With
 * loose, also node-semver's loose forms ("=1.2.3", "1.2.3beta", "01.2.3").
 * On failure v is left as SEMVER_INIT and err says why.
 */
int semver_parse(struct semver *v, const char *s, int loose, struct error *err);
void semver_release(struct semver *v);

/* SemVer 2.0 precedence as node-semver computes it (build ignored): <0, 0, >0. */
int semver_compare(const struct semver *a, const struct semver *b);

/* Append the normalised version, node-semver's `.version` ("1.2.3-beta.1", no v, no build). */
void semver_format(const struct semver *v, struct buf *out);

/* A parsed range: an OR of comparator sets. */
struct semver_range;

/*
 * Parse an npm range ("^20", ">=18 <21 || 22.x", "1.2 - 2", "" = any).
 * An invalid range is an error "invalid version range '<range>': <why>";
 * it never degrades to "*".
 */
int semver_range_parse(struct semver_range **out, const char *range, struct error *err);
void semver_range_free(struct semver_range *r);

/* Range.test(): 1 if v satisfies r. A prerelease only matches a set naming the same x.y.z with a prerelease. */
int semver_range_test(const struct semver_range *r, const struct semver *v);

/* Append the desugared range, node-semver's `Range.range` (">=1.2.3 <2.0.0-0||..."), or "*" for any. */
void semver_range_format(const struct semver_range *r, struct buf *out);

/*
 * maxSatisfying(): the index in versions[0..n) of the highest version that
 * satisfies r, or -1. Entries are strings as an index has them ("v20.11.1",
 * "20.11.1"); unparsable ones are skipped; among equal versions the first wins.
 */
long semver_max_satisfying(const char *const *versions, size_t n, const struct semver_range *r);

#endif
