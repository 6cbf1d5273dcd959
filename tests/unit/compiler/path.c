/* Unit tests for path helpers and the confined symlink resolver (compiler/path.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "path.h"

/* A fake tree: a table of symlinks, everything else a plain entry. */
struct fake_link {
	const char *path, *target;
};

static const struct fake_link links[] = {
	{ "current", "releases/v2" },
	{ "releases/v2/up", "../.." },
	{ "loop/a", "b" },
	{ "loop/b", "a" },
	{ "self", "self" },
	{ "abs", "/app/lib" },
	{ "escape", "../etc" },
	{ NULL, NULL },
};

static int lookup(void *ctx, const char *relpath, const char **target)
{
	const struct fake_link *l;

	(void)ctx;
	for (l = links; l->path; l++) {
		if (!strcmp(l->path, relpath)) {
			*target = l->target;
			return 1;
		}
	}
	return 0;
}

static enum path_verdict resolve(const char *link, const char *target, const char *abs_root,
				 char *out, size_t outlen)
{
	struct buf r = BUF_INIT;
	enum path_verdict v = path_resolve_in_root(link, target, abs_root, lookup, NULL, &r);

	if (out) {
		strncpy(out, v == PATH_INSIDE ? r.ptr : "", outlen - 1);
		out[outlen - 1] = '\0';
	}
	buf_release(&r);
	return v;
}

static void resolver(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(resolve("bin/x", "../lib/x", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "lib/x");
	assert_int_equal(resolve("x", "./y/./z", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "y/z");
	assert_int_equal(resolve("x", ".", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "");
	assert_int_equal(resolve("x", "..", NULL, NULL, 0), PATH_ESCAPES);
	assert_int_equal(resolve("a/b/c", "../../../etc/passwd", NULL, NULL, 0), PATH_ESCAPES);
	assert_int_equal(resolve("a/b/c", "../../d", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "d");
	assert_int_equal(resolve("x", "/etc/passwd", NULL, NULL, 0), PATH_ESCAPES);
	assert_int_equal(resolve("x", "/", NULL, NULL, 0), PATH_ESCAPES);
	assert_int_equal(resolve("x", "/application", NULL, NULL, 0), PATH_ESCAPES);

	/* /app is where the slug runs, so absolute links there stay inside. */
	assert_int_equal(resolve("x", "/app/lib/y", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "lib/y");
	assert_int_equal(resolve("x", "/app/../etc", NULL, NULL, 0), PATH_ESCAPES);
	/* ...and so is the build directory itself. */
	assert_int_equal(resolve("x", "/tmp/b/app/lib", "/tmp/b/app", out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "lib");
	assert_int_equal(resolve("x", "/tmp/b/apple", "/tmp/b/app", NULL, 0), PATH_ESCAPES);

	/* Intermediate symlinks are followed: lexically fine, really outside. */
	assert_int_equal(resolve("x", "current/up/..", NULL, NULL, 0), PATH_ESCAPES);
	assert_int_equal(resolve("x", "current/up", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "");
	assert_int_equal(resolve("x", "current/file", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "releases/v2/file");
	assert_int_equal(resolve("x", "escape/passwd", NULL, NULL, 0), PATH_ESCAPES);
	assert_int_equal(resolve("x", "abs/file", NULL, out, sizeof(out)), PATH_INSIDE);
	assert_string_equal(out, "lib/file");

	/* Loops end after 40 links. */
	assert_int_equal(resolve("x", "loop/a", NULL, NULL, 0), PATH_LOOP);
	assert_int_equal(resolve("self", "self", NULL, NULL, 0), PATH_LOOP);
}

static void check_symlink(void **state)
{
	struct buf out = BUF_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(path_check_symlink("bin/tool", "../lib/tool", "/b/app", lookup, NULL, &out, &err), 0);
	assert_string_equal(out.ptr, "../lib/tool");
	/* Absolute into the build directory becomes relative. */
	assert_int_equal(path_check_symlink("bin/tool", "/b/app/lib/tool", "/b/app", lookup, NULL, &out, &err), 0);
	assert_string_equal(out.ptr, "../lib/tool");
	assert_int_equal(path_check_symlink("top", "/b/app", "/b/app", lookup, NULL, &out, &err), 0);
	assert_string_equal(out.ptr, ".");
	/* /app links are kept: they work on the dyno. */
	assert_int_equal(path_check_symlink("x", "/app/lib", "/b/app", lookup, NULL, &out, &err), 0);
	assert_string_equal(out.ptr, "/app/lib");

	assert_int_equal(path_check_symlink("lib/evil", "/etc/passwd", "/b/app", lookup, NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "symlink 'lib/evil' points outside the app ('/etc/passwd')"));
	assert_int_equal(path_check_symlink("loop/a", "b", "/b/app", lookup, NULL, &out, &err), -1);
	assert_non_null(strstr(err.msg, "symlink 'loop/a' is part of a symlink loop"));
	buf_release(&out);
}

static void relative(void **state)
{
	static const char *cases[][3] = {
		{ "bin", "lib/x", "../lib/x" },
		{ "", "lib/x", "lib/x" },
		{ "a/b", "a/c", "../c" },
		{ "a/b", "a/b/c", "c" },
		{ "a/b", "a/b", "." },
		{ "a/b/c", "", "../../.." },
		{ "a", "ab", "../ab" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = path_relative(cases[i][0], cases[i][1]);

		assert_string_equal(r, cases[i][2]);
		free(r);
	}
}

static void components(void **state)
{
	char *j;

	(void)state;
	assert_true(path_has_dotdot(".."));
	assert_true(path_has_dotdot("a/../b"));
	assert_true(path_has_dotdot("./app/.."));
	assert_false(path_has_dotdot("a/..b/c"));
	assert_false(path_has_dotdot("..."));
	assert_true(path_has_git_component("x/.git/config"));
	assert_true(path_has_git_component(".git"));
	assert_false(path_has_git_component("x/.github/y"));
	assert_string_equal(path_basename("a/b/c"), "c");
	assert_string_equal(path_basename("c"), "c");
	j = path_join("a/", "b");
	assert_string_equal(j, "a/b");
	free(j);
	j = path_join("", "b");
	assert_string_equal(j, "b");
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolver),
		cmocka_unit_test(check_symlink),
		cmocka_unit_test(relative),
		cmocka_unit_test(components),
	};

	return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
