/* Unit tests for ~/.netrc lookups (compiler/netrc.c), driven by netrc/cases.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fsutil.h"
#include "netrc.h"
#include "output.h"
#include "unit.h"
#include "xalloc.h"

static void run_case(void **state)
{
	const struct unit_case *c = *state;
	struct error err = ERROR_INIT;
	char *dir = unit_tmpdir(), *path = xstrfmt("%s/netrc", dir);
	char *login = NULL, *password = NULL, *got;
	int r;

	assert_int_equal(fs_write_file_atomic(path, c->input.ptr, c->input.len, &err), 0);
	setenv("NETRC", path, 1);
	r = netrc_lookup(c->section, &login, &password, &err);
	assert_true(r >= 0);
	if (!strcmp(c->expect.v[0], "none")) {
		assert_int_equal(r, 0);
	} else {
		const char *sep = strchr(c->expect.v[0], '|') ? "|" : " ";

		assert_int_equal(r, 1);
		got = xstrfmt("%s%s%s", login ? login : "-", sep, password ? password : "-");
		if (strcmp(got, c->expect.v[0]))
			fail_msg("case '%s': got '%s', want '%s'", c->name, got, c->expect.v[0]);
		free(got);
		/* The password is a secret from now on. */
		if (password && strlen(password) >= 4) {
			char *shown = out_redact(password);

			assert_string_equal(shown, "[REDACTED]");
			free(shown);
		}
	}
	free(login);
	free(password);
	unit_rmtree(dir);
	free(dir);
	free(path);
	out_release();
}

static void missing_file(void **state)
{
	struct error err = ERROR_INIT;
	char *login, *password;

	(void)state;
	setenv("NETRC", "/nonexistent/netrc", 1);
	assert_int_equal(netrc_lookup("h", &login, &password, &err), 0);
	assert_null(login);
	assert_null(password);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(missing_file),
	};

	return unit_run_cases("netrc", "cases.txt", run_case, extra, 1);
}
