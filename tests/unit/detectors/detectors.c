/*
 * Unit tests for the detectors (detectors/), driven by detectors/cases.txt
 * over the fixture trees in tests/fixtures/detect/, plus the parsers' edge
 * cases on hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "detectors.h"
#include "error.h"
#include "fsutil.h"
#include "unit.h"
#include "xalloc.h"

#ifndef SLUGC_FIXTURES
#error "SLUGC_FIXTURES must name tests/fixtures"
#endif

static void check_one(const struct unit_case *c, const struct detection *d, const char *line)
{
	const char *sp = strchr(line, ' ');
	const char *what = sp ? sp + 1 : "";
	size_t klen = sp ? (size_t)(sp - line) : strlen(line);

#define IS(k) (klen == strlen(k) && !strncmp(line, k, klen))
	if (IS("requirement")) {
		if (!d->requirement || strcmp(d->requirement, what))
			fail_msg("%s: requirement '%s', want '%s'", c->name, d->requirement, what);
	} else if (IS("source")) {
		if (!d->requirement_source || strcmp(d->requirement_source, what))
			fail_msg("%s: source '%s', want '%s'", c->name, d->requirement_source, what);
	} else if (IS("pm")) {
		if (!d->package_manager || strcmp(d->package_manager, what))
			fail_msg("%s: package manager '%s', want '%s'", c->name, d->package_manager, what);
	} else if (IS("framework")) {
		if (!d->framework || strcmp(d->framework, what))
			fail_msg("%s: framework '%s', want '%s'", c->name, d->framework, what);
	} else if (IS("type")) {
		const char *eq = strchr(what, '=');
		char *name = xstrndup(what, (size_t)(eq - what));
		const struct proc_type *t = procfile_get(&d->defaults, name);

		if (!t || strcmp(t->command, eq + 1))
			fail_msg("%s: type %s is '%s', want '%s'", c->name, name, t ? t->command : "(none)", eq + 1);
		free(name);
	} else if (IS("types")) {
		if (d->defaults.nr != strtoul(what, NULL, 10))
			fail_msg("%s: %zu default types, want %s", c->name, d->defaults.nr, what);
	} else if (IS("fact")) {
		const char *eq = strchr(what, '=');
		char *key = xstrndup(what, (size_t)(eq - what));
		const char *v = detection_fact(d, key);

		if (!v || strcmp(v, eq + 1))
			fail_msg("%s: fact %s is '%s', want '%s'", c->name, key, v ? v : "(none)", eq + 1);
		free(key);
	} else if (IS("note")) {
		size_t i;
		int found = 0;

		for (i = 0; i < d->notes.nr; i++)
			found |= strstr(d->notes.v[i], what) != NULL;
		if (!found)
			fail_msg("%s: no note contains '%s'", c->name, what);
	} else {
		fail_msg("%s: unknown expectation '%s'", c->name, line);
	}
#undef IS
}

static void run_case(void **state)
{
	const struct unit_case *c = *state;
	struct detection_list list = DETECTION_LIST_INIT;
	struct error err = ERROR_INIT;
	char *dir = xstrfmt("%s/detect/%s", SLUGC_FIXTURES, c->input.ptr);
	int r = detect_languages(dir, &list, &err);
	size_t i, n = 0;
	const struct detection *d = NULL;

	if (!strcmp(c->section, "error")) {
		if (r == 0)
			fail_msg("%s: detected, but should fail with '%s'", c->name, c->expect.v[0]);
		if (!strstr(err.msg, c->expect.v[0]))
			fail_msg("%s: message '%s' lacks '%s'", c->name, err.msg, c->expect.v[0]);
		assert_null(strchr(err.msg, '\n'));
		goto out;
	}
	assert_string_equal(c->section, "detect");
	if (r < 0)
		fail_msg("%s: %s", c->name, err.msg);
	for (i = 0; i < c->expect.nr; i++) {
		const char *line = c->expect.v[i];

		if (!strncmp(line, "lang ", 5)) {
			if (n >= list.nr)
				fail_msg("%s: only %zu languages detected, want '%s'", c->name, list.nr, line + 5);
			d = &list.v[n++];
			if (strcmp(d->detector->name, line + 5))
				fail_msg("%s: language %zu is '%s', want '%s'", c->name, n, d->detector->name, line + 5);
			continue;
		}
		assert_non_null(d);
		check_one(c, d, line);
	}
	if (n != list.nr)
		fail_msg("%s: %zu languages detected, want %zu", c->name, list.nr, n);
out:
	detection_list_release(&list);
	free(dir);
}

/* Parsers on hostile input: clear errors, no crash, no hang. */
static void hostile_parsers(void **state)
{
	struct detection d;
	struct error err = ERROR_INIT;
	const struct defaults *def = defaults_get(&err);
	struct buf big = BUF_INIT;
	static const char garbage[] = "module x\n\0\xff\xfe\x01go 1.2";
	size_t i;

	(void)state;
	assert_non_null(def);
	detection_init(&d, NULL);
	assert_int_equal(go_read_mod(garbage, sizeof(garbage) - 1, &d, &err), -1);
	assert_non_null(strstr(err.msg, "go.mod contains binary data"));
	detection_release(&d);

	/* Invalid UTF-8 without a NUL: the go command refuses it, and so do we, naming the line. */
	detection_init(&d, NULL);
	{
		static const char odd[] = "// ok\nmodule ex\xff\xfe.com/x\ngo 1.21\n";

		assert_int_equal(go_read_mod(odd, sizeof(odd) - 1, &d, &err), -1);
		assert_non_null(strstr(err.msg, "go.mod line 2 is not valid UTF-8"));
	}
	detection_release(&d);

	/* A 10 MB one-line Gemfile: parsed within the match budget or refused, never a hang. */
	for (i = 0; i < 10 * 1024 * 1024 / 16; i++)
		buf_addstr(&big, "gem 'rails' ;;;");
	detection_init(&d, NULL);
	assert_true(ruby_read_gemfile(big.ptr, big.len, &d, &err) <= 0);
	detection_release(&d);

	/* Nested JSON far past cJSON's depth limit. */
	buf_reset(&big);
	for (i = 0; i < 100000; i++)
		buf_addch(&big, '[');
	detection_init(&d, NULL);
	assert_int_equal(nodejs_read_package_json(big.ptr, big.len, def, &d, &err), -1);
	assert_non_null(strstr(err.msg, "package.json is not valid JSON"));
	detection_release(&d);

	detection_init(&d, NULL);
	assert_int_equal(python_read_runtime_txt("python-3.12.4\n", 14, &d, &err), 0);
	assert_string_equal(d.requirement, "3.12.4");
	detection_release(&d);
	detection_init(&d, NULL);
	assert_int_equal(python_read_runtime_txt("ruby-3\n", 7, &d, &err), -1);
	detection_release(&d);
	/* Heroku's .python-version: one N.N[.N] line, comments and blanks skipped. */
	detection_init(&d, NULL);
	assert_int_equal(python_read_version_file("# app\n\n  3.13 \r\n", 16, &d, &err), 0);
	assert_string_equal(d.requirement, "3.13");
	detection_release(&d);
	detection_init(&d, NULL);
	assert_int_equal(python_read_version_file("3.13\n3.12\n", 10, &d, &err), -1);
	assert_non_null(strstr(err.msg, "holds 2 Python versions"));
	detection_release(&d);
	detection_init(&d, NULL);
	assert_int_equal(python_read_version_file("3.012\n", 6, &d, &err), -1);
	assert_non_null(strstr(err.msg, "invalid Python version '3.012'"));
	detection_release(&d);
	detection_init(&d, NULL);
	assert_int_equal(python_read_version_file("# only\n", 7, &d, &err), -1);
	assert_non_null(strstr(err.msg, "holds no Python version"));
	detection_release(&d);
	detection_init(&d, NULL);
	assert_int_equal(python_read_version_file("\xef\xbb\xbf" "3.13\n", 8, &d, &err), -1);
	assert_non_null(strstr(err.msg, "BOM"));
	detection_release(&d);
	detection_init(&d, NULL);
	assert_int_equal(python_read_pipfile_lock("{\"_meta\": {\"requires\": {\"python_version\": \"3.*\"}}}",
						  50, &d, &err), -1);
	assert_non_null(strstr(err.msg, "invalid Python version '3.*'"));
	detection_release(&d);
	detection_init(&d, NULL);
	assert_int_equal(python_read_pipfile_lock("{}", 2, &d, &err), 0);
	assert_null(d.requirement);
	detection_release(&d);
	buf_release(&big);
}

static void gemfile_too_large(void **state)
{
	struct detection_list list = DETECTION_LIST_INIT;
	struct error err = ERROR_INIT;
	char *dir = unit_tmpdir();
	char *path = xstrfmt("%s/Gemfile", dir);
	struct buf big = BUF_INIT;

	(void)state;
	while (big.len < 10 * 1024 * 1024)
		buf_addstr(&big, "gem 'x' ");
	assert_int_equal(fs_write_file_atomic(path, big.ptr, big.len, &err), 0);
	assert_int_equal(detect_languages(dir, &list, &err), -1);
	assert_non_null(strstr(err.msg, "Gemfile"));
	assert_non_null(strstr(err.msg, "larger than 1.0 MB"));
	buf_release(&big);
	unit_rmtree(dir);
	free(dir);
	free(path);
}

static void defaults_file(void **state)
{
	struct error err = ERROR_INIT;
	const struct defaults *d;
	char *dir = unit_tmpdir(), *path = xstrfmt("%s/defaults.json", dir);
	static const char custom[] = "{\"stack\": \"heroku-26\", \"nodejs\": {\"default\": \"26.x\", "
				     "\"lts_major\": 26}, \"ruby\": {\"default\": \"3.4.1\"}, \"go\": "
				     "{\"default\": \"go1.26\", \"expansion\": {\"go1.26\": \"go1.26.1\"}}, "
				     "\"python\": {\"default\": \"3.14\"}}";

	(void)state;
	d = defaults_get(&err);
	assert_non_null(d);
	assert_string_equal(d->node_default, "24.x");
	assert_int_equal(d->node_lts_major, 24);
	assert_string_equal(defaults_go_expand(d, "go1.25"), "go1.25.12");
	assert_string_equal(defaults_go_expand(d, "go1.22.3"), "go1.22.3");
	defaults_release();

	/* SLUGC_DEFAULTS replaces the built-in file: a release bumps versions without code. */
	assert_int_equal(fs_write_file_atomic(path, custom, sizeof(custom) - 1, &err), 0);
	setenv("SLUGC_DEFAULTS", path, 1);
	d = defaults_get(&err);
	assert_non_null(d);
	assert_string_equal(d->node_default, "26.x");
	assert_string_equal(defaults_go_expand(d, "go1.26"), "go1.26.1");
	defaults_release();

	assert_int_equal(fs_write_file_atomic(path, "{\"stack\": 1}", 12, &err), 0);
	assert_null(defaults_get(&err));
	assert_non_null(strstr(err.msg, "SLUGC_DEFAULTS"));
	unsetenv("SLUGC_DEFAULTS");
	unit_rmtree(dir);
	free(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(hostile_parsers),
		cmocka_unit_test(gemfile_too_large),
		cmocka_unit_test(defaults_file),
	};
	int failed = unit_run_cases("detectors", "cases.txt", run_case, extra, ARRAY_SIZE(extra));

	defaults_release();
	return failed;
}
