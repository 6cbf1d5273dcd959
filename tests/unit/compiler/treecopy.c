/*
 * Unit tests for compiler/treecopy.c's tree_copy_each(): the after-each-entry
 * hook in walk order, each file's sha256 computed in the copying pass only
 * when asked, modes, times and symlinks kept with TREE_COPY_PRESERVE, and a
 * hook that stops the copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "sha256.h"
#include "strvec.h"
#include "treecopy.h"
#include "unit.h"
#include "xalloc.h"

struct seen {
	struct strvec lines;
	const char *stop_at;   /* fail the copy at this path */
};

static int record(void *ctx, const struct tree_copied *t, struct error *err)
{
	struct seen *s = ctx;
	char *line;

	if (S_ISDIR(t->st->st_mode))
		line = xstrfmt("d %s", t->path);
	else if (S_ISLNK(t->st->st_mode))
		line = xstrfmt("l %s -> %s", t->path, t->target);
	else
		line = xstrfmt("f %s %llu %s", t->path, (unsigned long long)t->size,
			       t->sha256 ? t->sha256 : "-");
	strvec_push(&s->lines, line);
	free(line);
	if (s->stop_at && !strcmp(t->path, s->stop_at))
		return error_set(err, "stopped at '%s'", t->path);
	return 0;
}

static char *make_src(void)
{
	char *root = unit_tmpdir();
	char *src = xstrfmt("%s/src", root), *p;
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	unit_write(src, "b/x.txt", "hello\n", 0600);
	unit_write(src, "a.sh", "#!/bin/sh\n", 0750);
	unit_symlink(src, "b/out", "../../elsewhere");
	p = xstrfmt("%s/b/x.txt", src);
	utimensat(AT_FDCWD, p, ts, 0);
	free(p);
	p = xstrfmt("%s/b", src);
	chmod(p, 0750);
	free(p);
	free(src);
	return root;
}

static void hook_sha256_and_preserve(void **state)
{
	struct seen s = { STRVEC_INIT, NULL };
	struct error err = ERROR_INIT;
	char *root = make_src(), *src = xstrfmt("%s/src", root), *dst = xstrfmt("%s/dst", root);
	char hello[65], sh[65], *p, *want;
	struct buf target = BUF_INIT;
	struct stat st;

	(void)state;
	sha256_hex_of("hello\n", 6, hello);
	sha256_hex_of("#!/bin/sh\n", 10, sh);
	assert_int_equal(tree_copy_each(src, dst, TREE_COPY_PRESERVE | TREE_COPY_SHA256, record, &s,
					&err), 0);
	assert_int_equal(s.lines.nr, 4);
	want = xstrfmt("f a.sh 10 %s", sh);
	assert_string_equal(s.lines.v[0], want);
	free(want);
	assert_string_equal(s.lines.v[1], "d b");
	assert_string_equal(s.lines.v[2], "l b/out -> ../../elsewhere");
	want = xstrfmt("f b/x.txt 6 %s", hello);
	assert_string_equal(s.lines.v[3], want);
	free(want);

	p = xstrfmt("%s/b/x.txt", dst);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
	free(p);
	p = xstrfmt("%s/b", dst);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	free(p);
	/* Kept as it is: tree_copy() would refuse a link out of the tree. */
	p = xstrfmt("%s/b/out", dst);
	assert_int_equal(fs_readlinkat(AT_FDCWD, p, &target, p, &err), 0);
	assert_string_equal(target.ptr, "../../elsewhere");
	free(p);

	buf_release(&target);
	strvec_clear(&s.lines);
	unit_rmtree(root);
	free(root);
	free(src);
	free(dst);
}

static void plain_copy_no_hash_and_stop(void **state)
{
	struct seen s = { STRVEC_INIT, NULL };
	struct error err = ERROR_INIT;
	char *root = unit_tmpdir(), *src = xstrfmt("%s/src", root), *dst = xstrfmt("%s/dst", root);
	char *dst2 = xstrfmt("%s/dst2", root);

	(void)state;
	unit_write(src, "a.txt", "a\n", 0644);
	unit_write(src, "b/c.txt", "c\n", 0644);
	assert_int_equal(tree_copy_each(src, dst, 0, record, &s, &err), 0);
	assert_int_equal(s.lines.nr, 3);
	assert_string_equal(s.lines.v[0], "f a.txt 2 -");
	assert_string_equal(s.lines.v[2], "f b/c.txt 2 -");

	strvec_clear(&s.lines);
	s.stop_at = "b";
	assert_int_equal(tree_copy_each(src, dst2, 0, record, &s, &err), -1);
	assert_non_null(strstr(err.msg, "stopped at 'b'"));
	assert_int_equal(s.lines.nr, 2);
	error_clear(&err);

	strvec_clear(&s.lines);
	unit_rmtree(root);
	free(root);
	free(src);
	free(dst);
	free(dst2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hook_sha256_and_preserve),
		cmocka_unit_test(plain_copy_no_hash_and_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
