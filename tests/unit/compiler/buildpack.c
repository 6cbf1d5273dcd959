/*
 * Unit tests for buildpack references and lists (compiler/buildpack.c) and
 * the bin/release parser (compiler/release_yaml.c, driven by buildpack/cases.txt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildpack.h"
#include "error.h"
#include "unit.h"
#include "xalloc.h"

static void run_case(void **state)
{
	const struct unit_case *c = *state;
	struct buildpack_release r = BUILDPACK_RELEASE_INIT;
	struct error err = ERROR_INIT;
	struct strvec got = STRVEC_INIT;
	int ret = buildpack_release_parse(c->input.ptr, c->input.len, "bin/release", &r, &err);
	size_t i;

	if (!strcmp(c->section, "ok")) {
		if (ret != 0)
			fail_msg("case '%s' (line %u): unexpected error: %s", c->name, c->line, err.msg);
		for (i = 0; i < r.types.nr; i++)
			strvec_pushf(&got, "type %s=%s", r.types.v[i].name, r.types.v[i].command);
		for (i = 0; i < r.config_vars.nr; i++)
			strvec_pushf(&got, "var %s", r.config_vars.v[i]);
		for (i = 0; i < r.addons.nr; i++)
			strvec_pushf(&got, "addon %s", r.addons.v[i]);
		if (got.nr != c->expect.nr)
			fail_msg("case '%s': %zu results, expected %zu", c->name, got.nr, c->expect.nr);
		for (i = 0; i < got.nr; i++)
			assert_string_equal(got.v[i], c->expect.v[i]);
	} else {
		assert_string_equal(c->section, "error");
		if (ret == 0)
			fail_msg("case '%s' (line %u): parsed, but should fail", c->name, c->line);
		if (!strstr(err.msg, c->expect.v[0]))
			fail_msg("case '%s': message '%s' lacks '%s'", c->name, err.msg, c->expect.v[0]);
		assert_non_null(strstr(err.msg, "'bin/release'"));
		assert_null(strchr(err.msg, '\n'));
	}
	strvec_clear(&got);
	buildpack_release_release(&r);
}

static void refs(void **state)
{
	static const struct {
		const char *ref;
		int from_app;
		int ok;
		enum buildpack_kind kind;
		const char *name, *url, *fragment;
	} cases[] = {
		{ "heroku/nodejs", 1, 1, BUILDPACK_NATIVE, "nodejs", NULL, NULL },
		{ "go", 1, 1, BUILDPACK_NATIVE, "go", NULL, NULL },
		{ "https://github.com/heroku/heroku-buildpack-php#v270", 1, 1, BUILDPACK_GIT,
		  "heroku-buildpack-php", "https://github.com/heroku/heroku-buildpack-php", "v270" },
		{ "https://u:t@git.example.com/bp.git", 1, 1, BUILDPACK_GIT, "bp",
		  "https://u:t@git.example.com/bp.git", NULL },
		{ "git://127.0.0.1:9418/x/bp.git#", 1, 1, BUILDPACK_GIT, "bp", "git://127.0.0.1:9418/x/bp.git", NULL },
		{ "https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/php.tgz", 1, 1,
		  BUILDPACK_TGZ, "php", "https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/php.tgz",
		  NULL },
		{ "http://h/bp.tar.gz#sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  1, 1, BUILDPACK_TGZ, "bp", "http://h/bp.tar.gz",
		  "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ "http://h/bp.tgz#v1", 1, 0, 0, NULL, NULL, NULL },
		{ "http://h/bp.tgz#sha256=ABC", 1, 0, 0, NULL, NULL, NULL },
		{ "ssh://git@h/bp.git", 1, 0, 0, NULL, NULL, NULL },
		{ "heroku/php", 0, 0, 0, NULL, NULL, NULL },
		{ "/", 1, 0, 0, NULL, NULL, NULL },
		{ "/", 0, 1, BUILDPACK_DIR, "buildpack", NULL, NULL },
		{ "/nonexistent/bp", 0, 0, 0, NULL, NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buildpack_list l = BUILDPACK_LIST_INIT;
		struct buildpack bp;
		struct error err = ERROR_INIT;
		int r = buildpack_parse_ref(&bp, cases[i].ref, cases[i].from_app, "--buildpack", &err);

		l.v = xmalloc(sizeof(bp));
		l.v[0] = bp;
		l.nr = l.alloc = 1;
		if (!cases[i].ok) {
			if (r == 0)
				fail_msg("'%s' was accepted", cases[i].ref);
			assert_null(strchr(err.msg, '\n'));
			assert_null(strstr(err.msg, ":t@"));
		} else {
			if (r != 0)
				fail_msg("'%s': %s", cases[i].ref, err.msg);
			assert_int_equal(bp.kind, cases[i].kind);
			assert_string_equal(bp.name, cases[i].name);
			if (cases[i].url)
				assert_string_equal(bp.url, cases[i].url);
			if (cases[i].fragment)
				assert_string_equal(bp.fragment, cases[i].fragment);
			else
				assert_null(bp.fragment);
			/* What is shown never holds the credentials. */
			assert_null(strstr(bp.shown, ":t@"));
		}
		buildpack_list_release(&l);
	}
}

static void lists(void **state)
{
	char *dir = unit_tmpdir();
	struct buildpack_list l = BUILDPACK_LIST_INIT;
	struct strvec cli = STRVEC_INIT, config = STRVEC_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	/* Nothing: detection. */
	assert_int_equal(buildpack_list_read(&l, &cli, &config, dir, &err), 0);
	buildpack_list_release(&l);

	/* app.json, then .buildpacks over it, then BUILDPACK_URL, then --buildpack. */
	unit_write(dir, "app.json", "{\"buildpacks\": [{\"url\": \"heroku/ruby\"}, {\"url\": "
		   "\"heroku/nodejs\"}]}", 0644);
	assert_int_equal(buildpack_list_read(&l, &cli, &config, dir, &err), 1);
	assert_string_equal(l.origin, "app.json");
	assert_int_equal(l.nr, 2);
	assert_string_equal(l.v[1].lang, "nodejs");
	buildpack_list_release(&l);

	unit_write(dir, ".buildpacks", "# comment\r\n\n  https://h/a.git#main  \r\ngo\n", 0644);
	assert_int_equal(buildpack_list_read(&l, &cli, &config, dir, &err), 1);
	assert_string_equal(l.origin, ".buildpacks");
	assert_int_equal(l.nr, 2);
	assert_string_equal(l.v[0].fragment, "main");
	assert_string_equal(l.v[1].lang, "go");
	buildpack_list_release(&l);

	strvec_push(&config, "BUILDPACK_URL=https://h/b.tgz");
	assert_int_equal(buildpack_list_read(&l, &cli, &config, dir, &err), 1);
	assert_string_equal(l.origin, "the BUILDPACK_URL config var");
	assert_int_equal(l.v[0].kind, BUILDPACK_TGZ);
	buildpack_list_release(&l);

	strvec_push(&cli, "ruby");
	assert_int_equal(buildpack_list_read(&l, &cli, &config, dir, &err), 1);
	assert_string_equal(l.origin, "--buildpack");
	buildpack_list_release(&l);

	/* Errors name the file and line. */
	strvec_clear(&cli);
	strvec_clear(&config);
	unit_write(dir, ".buildpacks", "go\nweb=https://h/x.git\n", 0644);
	assert_int_equal(buildpack_list_read(&l, &cli, &config, dir, &err), -1);
	assert_non_null(strstr(err.msg, "'.buildpacks' line 2"));
	buildpack_list_release(&l);
	unit_write(dir, ".buildpacks", "", 0644);
	assert_int_equal(buildpack_list_read(&l, &cli, &config, dir, &err), -1);
	assert_non_null(strstr(err.msg, "names no buildpack"));
	buildpack_list_release(&l);
	unit_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(refs),
		cmocka_unit_test(lists),
	};

	return unit_run_cases("buildpack", "cases.txt", run_case, extra, ARRAY_SIZE(extra));
}
