#ifndef SLUGC_SLUGIGNORE_H
#define SLUGC_SLUGIGNORE_H

#include <stddef.h>

struct error;
struct strvec;

/*
 * .slugignore rules, as Heroku documents them: gitignore syntax without '!'.
 *
 *   - one pattern per line; blank lines and lines starting with '#' are
 *     skipped; surrounding whitespace and a CR before the newline are removed;
 *   - '*' and '?' match within one path component, '[...]' is a character
 *     class ('!' or '^' negates), '\' quotes the next character;
 *   - a pattern containing a slash (at the start or in the middle) is
 *     anchored at the app root and matched against the whole path; one
 *     without matches the name of an entry at any depth;
 *   - a trailing slash matches directories only;
 *   - "**" spans directories: "**" + "/x" at any depth, "a/" + "**" everything
 *     below a, "a/" + "**" + "/b" zero or more directories between;
 *   - a matched directory goes with everything inside it;
 *   - matching is bytewise, so names that are not UTF-8 match too and '?'
 *     matches one byte;
 *   - '!' negation is not supported (as on Heroku): such lines are reported
 *     and skipped.
 */
struct slugignore;

/* Parse text; warnings (skipped lines) are appended to `warnings` when not NULL. */
int slugignore_parse(struct slugignore **out, const char *text, size_t len, const char *shown,
		     struct strvec *warnings, struct error *err);
/* Load a file; a missing file gives an empty rule set. */
int slugignore_load(struct slugignore **out, const char *path, const char *shown,
		    struct strvec *warnings, struct error *err);
/* 1 when relpath ("a/b.psd", no leading slash) is ignored, 0 when kept, -1 on a match error. */
int slugignore_match(const struct slugignore *s, const char *relpath, int is_dir, struct error *err);
size_t slugignore_count(const struct slugignore *s);
void slugignore_free(struct slugignore *s);

#define SLUGIGNORE_MAX_BYTES (1024 * 1024)

#endif
