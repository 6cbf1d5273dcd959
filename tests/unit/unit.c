#include "unit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "path.h"
#include "regex.h"
#include "xalloc.h"

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "unit: %s: %s\n", what, arg);
	exit(99);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void unescape(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 == len) {
			buf_addch(out, s[i]);
			continue;
		}
		switch (s[++i]) {
		case 'r':
			buf_addch(out, '\r');
			break;
		case 't':
			buf_addch(out, '\t');
			break;
		case 'n':
			buf_addch(out, '\n');
			break;
		case '0':
			buf_addch(out, '\0');
			break;
		case '\\':
			buf_addch(out, '\\');
			break;
		case 'x':
			if (i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
				buf_addch(out, hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
				i += 2;
				break;
			}
			/* fall through */
		default:
			buf_addch(out, '\\');
			buf_addch(out, s[i]);
		}
	}
}

struct unit_case *unit_load_cases(const char *file, size_t *nr)
{
	struct error err = ERROR_INIT;
	struct buf text = BUF_INIT, line = BUF_INIT;
	struct unit_case *v = NULL, *c = NULL;
	size_t n = 0, alloc = 0;
	char *path = path_join(SLUGC_TEST_DATA, file);
	const char *p, *end;
	unsigned lineno = 0;
	int in_expect = 0, first_input_line = 0;

	if (buf_read_file(&text, path, 0, &err) < 0)
		die("cannot read case file", err.msg);
	p = text.ptr;
	end = text.ptr + text.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		buf_reset(&line);
		buf_add(&line, p, len);
		p = nl ? nl + 1 : end;

		if (!strncmp(line.ptr, "=== ", 4)) {
			ALLOC_GROW(v, n + 1, alloc);
			c = &v[n++];
			memset(c, 0, sizeof(*c));
			c->name = xstrdup(line.ptr + 4);
			buf_init(&c->input, 0);
			strvec_init(&c->expect);
			c->line = lineno;
			in_expect = 0;
			first_input_line = 1;
			continue;
		}
		if (!c) {
			if (line.len && line.ptr[0] != '#')
				die("text before the first case in", path);
			continue;
		}
		if (!strncmp(line.ptr, "--- ", 4) || !strcmp(line.ptr, "---")) {
			c->section = xstrdup(line.len > 4 ? line.ptr + 4 : "");
			in_expect = 1;
			continue;
		}
		if (in_expect) {
			struct buf e = BUF_INIT;

			if (!line.len)
				continue;
			unescape(&e, line.ptr, line.len);
			strvec_push(&c->expect, e.ptr);
			buf_release(&e);
		} else {
			if (!first_input_line)
				buf_addch(&c->input, '\n');
			first_input_line = 0;
			unescape(&c->input, line.ptr, line.len);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!v[i].section)
			die("case without a '---' section", v[i].name);
	buf_release(&text);
	buf_release(&line);
	free(path);
	*nr = n;
	return v;
}

void unit_free_cases(struct unit_case *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(v[i].name);
		free(v[i].section);
		buf_release(&v[i].input);
		strvec_clear(&v[i].expect);
	}
	free(v);
}

int unit_run_cases(const char *group, const char *file, void (*fn)(void **state),
		   const struct CMUnitTest *extra, size_t nextra)
{
	size_t n, i;
	struct unit_case *cases = unit_load_cases(file, &n);
	struct CMUnitTest *tests = xcalloc(n + nextra, sizeof(*tests));
	int failed;

	for (i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = fn;
		tests[i].initial_state = &cases[i];
	}
	for (i = 0; i < nextra; i++)
		tests[n + i] = extra[i];
	failed = _cmocka_run_group_tests(group, tests, n + nextra, NULL, NULL);
	free(tests);
	unit_free_cases(cases, n);
	regex_cleanup();
	return failed;
}

char *unit_tmpdir(void)
{
	struct error err = ERROR_INIT;
	char *d = fs_make_temp_dir("slugc-unit-", &err);

	if (!d)
		die("cannot create a scratch directory", err.msg);
	return d;
}

void unit_rmtree(const char *dir)
{
	struct error err = ERROR_INIT;

	if (fs_remove_tree(dir, &err) < 0)
		die("cannot remove scratch directory", err.msg);
}

static void make_parents(const char *dir, const char *rel)
{
	char *full = path_join(dir, rel);
	char *slash = strrchr(full, '/');
	struct error err = ERROR_INIT;

	*slash = '\0';
	if (fs_mkdir_p(full, 0755, &err) < 0)
		die("cannot create directory", err.msg);
	free(full);
}

void unit_write(const char *dir, const char *rel, const char *content, mode_t mode)
{
	char *full = path_join(dir, rel);
	struct error err = ERROR_INIT;

	make_parents(dir, rel);
	if (fs_write_file_atomic(full, content, strlen(content), &err) < 0)
		die("cannot write fixture", err.msg);
	if (chmod(full, mode) < 0)
		die("cannot chmod fixture", full);
	free(full);
}

void unit_mkdir(const char *dir, const char *rel)
{
	char *full = path_join(dir, rel);
	struct error err = ERROR_INIT;

	if (fs_mkdir_p(full, 0755, &err) < 0)
		die("cannot create directory", err.msg);
	free(full);
}

void unit_symlink(const char *dir, const char *rel, const char *target)
{
	char *full = path_join(dir, rel);

	make_parents(dir, rel);
	if (symlink(target, full) < 0)
		die("cannot create symlink", full);
	free(full);
}
