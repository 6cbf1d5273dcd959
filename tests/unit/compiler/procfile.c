/* Unit tests for the Procfile parser (compiler/procfile.c), driven by procfile/cases.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "procfile.h"
#include "unit.h"
#include "xalloc.h"

static void run_case(void **state)
{
	const struct unit_case *c = *state;
	struct procfile pf = PROCFILE_INIT;
	struct error err = ERROR_INIT;
	int r = procfile_parse(&pf, c->input.ptr, c->input.len, "Procfile", &err);
	size_t i;

	if (!strcmp(c->section, "ok")) {
		if (r != 0)
			fail_msg("case '%s' (line %u): unexpected error: %s", c->name, c->line, err.msg);
		assert_int_equal(pf.nr, c->expect.nr);
		for (i = 0; i < pf.nr; i++) {
			char *want = c->expect.v[i];
			char *eq = strchr(want, '=');

			assert_non_null(eq);
			*eq = '\0';
			assert_string_equal(pf.v[i].name, want);
			assert_string_equal(pf.v[i].command, eq + 1);
			*eq = '=';
		}
	} else {
		assert_string_equal(c->section, "error");
		if (r == 0)
			fail_msg("case '%s' (line %u): parsed, but should fail", c->name, c->line);
		assert_int_equal(err.kind, ERROR_INPUT);
		if (!strstr(err.msg, c->expect.v[0]))
			fail_msg("case '%s': message '%s' lacks '%s'", c->name, err.msg, c->expect.v[0]);
		assert_null(strchr(err.msg, '\n'));
	}
	procfile_release(&pf);
}

static void api_names(void **state)
{
	struct procfile pf = PROCFILE_INIT;
	struct error err = ERROR_INIT;
	char name[200];

	(void)state;
	procfile_set(&pf, "web", "x", 1);
	procfile_set(&pf, "worker-2_x", "y", 2);
	assert_int_equal(procfile_check_api(&pf, &err), 0);

	/* 128 characters is the API's limit; 129 is refused. */
	memset(name, 'a', 128);
	name[128] = '\0';
	procfile_set(&pf, name, "z", 3);
	assert_int_equal(procfile_check_api(&pf, &err), 0);
	name[128] = 'a';
	name[129] = '\0';
	procfile_set(&pf, name, "z", 4);
	assert_int_equal(procfile_check_api(&pf, &err), -1);
	assert_non_null(strstr(err.msg, "^[-\\w]{1,128}$"));
	procfile_release(&pf);

	/* Names from elsewhere (a manifest) are checked the same way. */
	procfile_set(&pf, "web.1", "x", 0);
	assert_int_equal(procfile_check_api(&pf, &err), -1);
	procfile_release(&pf);
}

static void set_replaces(void **state)
{
	struct procfile pf = PROCFILE_INIT;
	char *names;

	(void)state;
	procfile_set(&pf, "web", "npm start", 0);
	procfile_set(&pf, "worker", "node w.js", 0);
	procfile_set(&pf, "web", "node web.js", 1);
	assert_int_equal(pf.nr, 2);
	assert_string_equal(procfile_get(&pf, "web")->command, "node web.js");
	assert_null(procfile_get(&pf, "clock"));
	names = procfile_names(&pf);
	assert_string_equal(names, "web, worker");
	free(names);
	procfile_release(&pf);
}

static void huge_file_is_bounded(void **state)
{
	struct procfile pf = PROCFILE_INIT;
	struct error err = ERROR_INIT;
	char *dir = unit_tmpdir();
	char *path = xstrfmt("%s/Procfile", dir);
	FILE *f = fopen(path, "w");
	int i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < 200000; i++)
		fputs("web: node web.js # padding padding padding\n", f);
	fclose(f);
	assert_int_equal(procfile_load(&pf, path, "Procfile", &err), -1);
	assert_non_null(strstr(err.msg, "larger than 1.0 MB"));
	procfile_release(&pf);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(api_names),
		cmocka_unit_test(set_replaces),
		cmocka_unit_test(huge_file_is_bounded),
	};

	return unit_run_cases("procfile", "cases.txt", run_case, extra, ARRAY_SIZE(extra));
}
