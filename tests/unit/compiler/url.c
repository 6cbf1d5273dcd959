/* Unit tests for URL handling (compiler/url.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "url.h"

static void parse(void **state)
{
	struct url u = URL_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(url_parse(&u, "HTTPS://Deploy:t%40ken@Git.Example.com:8443/org/app.git?x=1", &err), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.user, "Deploy");
	assert_string_equal(u.password, "t@ken");
	assert_string_equal(u.host, "git.example.com");
	assert_string_equal(u.port, "8443");
	assert_string_equal(u.path, "/org/app.git?x=1");
	url_release(&u);

	assert_int_equal(url_parse(&u, "git://127.0.0.1/app.git", &err), 0);
	assert_null(u.user);
	assert_null(u.port);
	url_release(&u);

	assert_int_equal(url_parse(&u, "http://[::1]:9000/x", &err), 0);
	assert_string_equal(u.host, "[::1]");
	assert_string_equal(u.port, "9000");
	url_release(&u);

	assert_int_equal(url_parse(&u, "file:///srv/app.git", &err), 0);
	assert_string_equal(u.host, "");
	assert_string_equal(u.path, "/srv/app.git");
	url_release(&u);

	/* A token alone in the user field. */
	assert_int_equal(url_parse(&u, "https://ghp_abc123@github.com/o/r.git", &err), 0);
	assert_string_equal(u.user, "ghp_abc123");
	assert_null(u.password);
	url_release(&u);

	assert_int_equal(url_parse(&u, "https:///nohost", &err), -1);
	assert_int_equal(url_parse(&u, "not a url", &err), -1);
	assert_int_equal(url_parse(&u, "http://[::1/x", &err), -1);
}

static void is_url(void **state)
{
	(void)state;
	assert_true(url_is_url("https://x/y"));
	assert_true(url_is_url("git+ssh://x/y"));
	assert_false(url_is_url("/srv/app.git"));
	assert_false(url_is_url("./app"));
	assert_false(url_is_url("git@github.com:o/r.git"));
	assert_false(url_is_url("C:/x"));
}

static void strip(void **state)
{
	static const char *cases[][2] = {
		{ "https://user:pass@host/p", "https://host/p" },
		{ "https://token@host:1/p", "https://host:1/p" },
		{ "https://host/p@q", "https://host/p@q" },
		{ "https://a:b@c@host/p", "https://host/p" },
		{ "/local/path", "/local/path" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = url_strip_credentials(cases[i][0]);

		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

static void relative(void **state)
{
	static const char *cases[][3] = {
		{ "https://host/org/app.git", "../lib.git", "https://host/org/lib.git" },
		{ "https://host/org/app.git/", "../lib.git", "https://host/org/lib.git" },
		{ "https://host/org/app.git", "../../other/lib.git", "https://host/other/lib.git" },
		{ "https://host/app.git", "../../../up.git", "https://host/up.git" },
		{ "https://host/org/app.git", "./sub", "https://host/org/app.git/sub" },
		{ "/srv/app.git", "../lib.git", "/srv/lib.git" },
		{ "git://h:9/app.git", "../lib.git", "git://h:9/lib.git" },
		{ "https://host/org/app.git", "https://elsewhere/x.git", "https://elsewhere/x.git" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = url_resolve_relative(cases[i][0], cases[i][1]);

		assert_string_equal(s, cases[i][2]);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(is_url),
		cmocka_unit_test(strip),
		cmocka_unit_test(relative),
	};

	return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
