#ifndef SLUGC_REGEX_H
#define SLUGC_REGEX_H

#include <stddef.h>

struct error;

/*
 * pcre2, spoken to from here only. Patterns written in our code are compiled
 * once, on first use, and freed by regex_cleanup() at exit; patterns built
 * from user input (a .slugignore glob) are compiled with regex_compile().
 * Matching has a bounded backtracking budget, so hostile subjects cannot hang
 * a build: running out of it counts as "no match" and is reported.
 */

struct regex;

#define REGEX_MAX_GROUPS 10

struct regex_match {
	size_t start[REGEX_MAX_GROUPS];
	size_t end[REGEX_MAX_GROUPS];
	int groups; /* captured groups + 1, or 0 */
};

enum regex_flags {
	REGEX_CASELESS = 1,
	REGEX_MULTILINE = 2,
	REGEX_BYTES = 4,     /* match bytes, not UTF-8 characters (file names) */
};

/* A compiled pattern from our own code, cached; a bad pattern is a bug and aborts. */
const struct regex *regex_static(const char *pattern, int flags);
/* Compile a pattern built from user input; caller frees with regex_free(). */
struct regex *regex_compile(const char *pattern, int flags, struct error *err);
void regex_free(struct regex *re);

/*
 * Match against subject[0..len). Returns 1 on a match (m may be NULL),
 * 0 on none, and -1 with err filled when the match budget ran out.
 */
int regex_match(const struct regex *re, const char *subject, size_t len, struct regex_match *m,
		struct error *err);

/* Free the cached patterns (end of main). */
void regex_cleanup(void);

#endif
