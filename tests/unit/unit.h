#ifndef SLUGC_UNIT_H
#define SLUGC_UNIT_H

/*
 * Helpers for the cmocka unit tests: scratch directories, fixture files and
 * table files of cases.
 *
 * A table file holds cases separated by lines "=== <name>". Each case has an
 * input part and, after a line "--- <section>", an expectation part. In the
 * input, "\r", "\t", "\n", "\0", "\\" and "\xHH" are escapes, so CRLF files,
 * NUL bytes and invalid UTF-8 can be written as plain text. Lines starting
 * with "#" before the first case are comments.
 */

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "strvec.h"

struct unit_case {
	char *name;
	struct buf input;      /* unescaped input bytes, lines joined with "\n" */
	char *section;         /* the word after "---" */
	struct strvec expect;  /* the expectation lines, unescaped */
	unsigned line;         /* where the case starts in the file */
};

/* Load cases from SLUGC_TEST_DATA/<file>; aborts the test run on a malformed file. */
struct unit_case *unit_load_cases(const char *file, size_t *nr);
void unit_free_cases(struct unit_case *v, size_t nr);

/*
 * Run every case of SLUGC_TEST_DATA/<file> as its own named cmocka test of
 * `fn` (the case is *state), followed by the `extra` tests; returns the
 * number of failures, as cmocka's group runner does.
 */
struct CMUnitTest;
int unit_run_cases(const char *group, const char *file, void (*fn)(void **state),
		   const struct CMUnitTest *extra, size_t nextra);

/* A fresh scratch directory; remove with unit_rmtree(). */
char *unit_tmpdir(void);
void unit_rmtree(const char *dir);
/* Write dir/rel (creating parent directories) with the given mode. */
void unit_write(const char *dir, const char *rel, const char *content, mode_t mode);
void unit_mkdir(const char *dir, const char *rel);
void unit_symlink(const char *dir, const char *rel, const char *target);

#endif
