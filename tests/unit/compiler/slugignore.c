/* Unit tests for the .slugignore matcher (compiler/slugignore.c), driven by slugignore/cases.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "slugignore.h"
#include "strvec.h"
#include "unit.h"
#include "xalloc.h"

static void run_case(void **state)
{
	const struct unit_case *c = *state;
	struct strvec warnings = STRVEC_INIT;
	struct slugignore *s = NULL;
	struct error err = ERROR_INIT;
	size_t i;

	assert_string_equal(c->section, "paths");
	if (slugignore_parse(&s, c->input.ptr, c->input.len, ".slugignore", &warnings, &err) < 0)
		fail_msg("case '%s': %s", c->name, err.msg);
	for (i = 0; i < c->expect.nr; i++) {
		const char *line = c->expect.v[i];
		char *path = xstrdup(line + 2);
		size_t len = strlen(path);
		int is_dir = len > 1 && path[len - 1] == '/';
		int want = line[0] == 'I', got;

		assert_true(line[0] == 'I' || line[0] == 'K');
		if (is_dir)
			path[len - 1] = '\0';
		got = slugignore_match(s, path, is_dir, &err);
		if (got < 0)
			fail_msg("case '%s': %s", c->name, err.msg);
		if (got != want)
			fail_msg("case '%s' (line %u): '%s' should be %s", c->name, c->line, line + 2,
				 want ? "ignored" : "kept");
		free(path);
	}
	slugignore_free(s);
	strvec_clear(&warnings);
}

static void negation_warns(void **state)
{
	const char text[] = "*.md\n!README.md\n/\n";
	struct strvec warnings = STRVEC_INIT;
	struct slugignore *s = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(slugignore_parse(&s, text, sizeof(text) - 1, ".slugignore", &warnings, &err), 0);
	assert_int_equal(slugignore_count(s), 1);
	assert_int_equal(warnings.nr, 2);
	assert_non_null(strstr(warnings.v[0], ".slugignore line 2"));
	assert_non_null(strstr(warnings.v[0], "negation"));
	assert_non_null(strstr(warnings.v[1], ".slugignore line 3"));
	slugignore_free(s);
	strvec_clear(&warnings);
}

static void missing_file_is_empty(void **state)
{
	struct slugignore *s = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(slugignore_load(&s, "/nonexistent/.slugignore", ".slugignore", NULL, &err), 0);
	assert_int_equal(slugignore_count(s), 0);
	assert_int_equal(slugignore_match(s, "anything", 0, &err), 0);
	slugignore_free(s);
}

static void hostile_pattern_is_bounded(void **state)
{
	struct buf text = BUF_INIT, path = BUF_INIT;
	struct slugignore *s = NULL;
	struct error err = ERROR_INIT;
	int i, r;

	(void)state;
	/* Many stars against a long near-miss: must finish (match or a clear error). */
	for (i = 0; i < 40; i++)
		buf_addstr(&text, "*a");
	buf_addstr(&text, "b\n");
	for (i = 0; i < 4000; i++)
		buf_addch(&path, 'a');
	assert_int_equal(slugignore_parse(&s, text.ptr, text.len, ".slugignore", NULL, &err), 0);
	r = slugignore_match(s, path.ptr, 0, &err);
	assert_true(r == 0 || (r == -1 && strstr(err.msg, "gave up")));
	slugignore_free(s);
	buf_release(&text);
	buf_release(&path);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(negation_warns),
		cmocka_unit_test(missing_file_is_empty),
		cmocka_unit_test(hostile_pattern_is_bounded),
	};

	return unit_run_cases("slugignore", "cases.txt", run_case, extra, ARRAY_SIZE(extra));
}
