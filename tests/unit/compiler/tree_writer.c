/* Unit tests for the confined tree writer (compiler/tree_writer.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "tree_writer.h"
#include "unit.h"
#include "xalloc.h"

static void refuse(struct tree_writer *w, const char *path, const char *needle)
{
	struct error err = ERROR_INIT;

	assert_int_equal(tree_writer_file(w, path, 0, "x", 1, &err), -1);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", path, err.msg, needle);
}

static void hostile_paths(void **state)
{
	char *root = unit_tmpdir(), *tree = xstrfmt("%s/tree", root), *outside;
	struct tree_writer *w = NULL;
	struct error err = ERROR_INIT;
	struct stat st;

	(void)state;
	assert_int_equal(tree_writer_open(&w, tree, 0, &err), 0);
	refuse(w, "../escape", "'..' component");
	refuse(w, "a/../../escape", "'..' component");
	refuse(w, "/etc/evil", "absolute path");
	refuse(w, "a//b", "empty path component");
	refuse(w, ".git/hooks/post-checkout", "'.git'");
	refuse(w, "sub/.GIT/config", "'.git'");
	refuse(w, "", "empty path");

	/* A symlink, then a file through it. */
	assert_int_equal(tree_writer_symlink(w, "up", "..", &err), 0);
	refuse(w, "up/escape", "lies beneath a symlink");
	assert_int_equal(tree_writer_symlink(w, "etc", "/etc", &err), 0);
	refuse(w, "etc/cron.d/evil", "lies beneath a symlink");
	/* ...or writing over the link itself. */
	refuse(w, "etc", "refusing to overwrite");

	/* A file, then a directory through it. */
	assert_int_equal(tree_writer_file(w, "f", 0, "x", 1, &err), 0);
	refuse(w, "f/g", "lies beneath a symlink or a file");

	/* Hard links only to entries inside. */
	assert_int_equal(tree_writer_hardlink(w, "h1", "/etc/passwd", &err), -1);
	assert_int_equal(tree_writer_hardlink(w, "h2", "missing", &err), -1);
	assert_non_null(strstr(err.msg, "does not have before it"));
	assert_int_equal(tree_writer_hardlink(w, "h3", "f", &err), 0);

	outside = xstrfmt("%s/escape", root);
	assert_int_equal(lstat(outside, &st), -1);
	free(outside);
	tree_writer_close(w);
	unit_rmtree(root);
	free(root);
	free(tree);
}

static void modes_and_cap(void **state)
{
	char *root = unit_tmpdir(), *tree = xstrfmt("%s/tree", root), *p;
	struct tree_writer *w = NULL;
	struct error err = ERROR_INIT;
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	assert_int_equal(tree_writer_open(&w, tree, 10, &err), 0);
	assert_int_equal(tree_writer_file(w, "a/b/run", 1, "12345", 5, &err), 0);
	assert_int_equal(tree_writer_file(w, "a/b/data", 0, "123", 3, &err), 0);
	p = xstrfmt("%s/a/b/run", tree);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	free(p);
	p = xstrfmt("%s/a/b/data", tree);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	free(p);
	/* 5 + 3 written; 3 more passes the 10-byte cap. */
	assert_int_equal(tree_writer_file(w, "c", 0, "123", 3, &err), -1);
	assert_non_null(strstr(err.msg, "expands to more than 10 B"));
	assert_int_equal(tree_writer_files(w), 3);
	umask(old);
	tree_writer_close(w);
	unit_rmtree(root);
	free(root);
	free(tree);
}

static void write_ok(struct tree_writer *w, const char *path)
{
	struct error err = ERROR_INIT;

	if (tree_writer_file(w, path, 0, "x", 1, &err) < 0)
		fail_msg("'%s': %s", path, err.msg);
}

static void exists_in(const char *tree, const char *path)
{
	char *p = xstrfmt("%s/%s", tree, path);
	struct stat st;

	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
		fail_msg("'%s' was not written", path);
	free(p);
}

/*
 * The writer keeps the open directories of the last entry's parent: entries
 * that move between siblings, back to a kept prefix, to a name that shares
 * bytes but not a component with it, and deeper than the descriptors it
 * keeps, all land where they name, and a symlink inside a kept prefix is
 * still never followed. fs_remove_tree then removes all of it, read-only
 * directories included.
 */
static void directory_chain(void **state)
{
	char *root = unit_tmpdir(), *tree = xstrfmt("%s/tree", root), *outside;
	const char *paths[] = { "a/b/c/f1", "a/b/d/f2", "a/x/f3", "a/b/c/f4", "ab/f5", "a/b/c2/f6",
				"a/b/c/f7", "a/f8", "f9" };
	struct tree_writer *w = NULL;
	struct error err = ERROR_INIT;
	struct buf deep = BUF_INIT, other = BUF_INIT;
	struct stat st;
	size_t i;

	(void)state;
	assert_int_equal(tree_writer_open(&w, tree, 0, &err), 0);
	for (i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		write_ok(w, paths[i]);

	/* 100 levels, more than the descriptors kept; then a sibling at 80, then back. */
	for (i = 0; i < 100; i++)
		buf_addf(&deep, "d%zu/", i);
	buf_reset(&other);
	for (i = 0; i < 80; i++)
		buf_addf(&other, "d%zu/", i);
	buf_addstr(&other, "side/g");
	buf_addstr(&deep, "f");
	write_ok(w, deep.ptr);
	write_ok(w, other.ptr);
	buf_setlen(&deep, deep.len - 1);
	buf_addstr(&deep, "h");
	write_ok(w, deep.ptr);

	/* A symlink beside a kept directory, and one deeper than the kept ones. */
	assert_int_equal(tree_writer_symlink(w, "a/b/up", "../../..", &err), 0);
	refuse(w, "a/b/up/escape", "lies beneath a symlink");
	buf_setlen(&other, other.len - strlen("side/g"));
	buf_addstr(&other, "up");
	assert_int_equal(tree_writer_symlink(w, other.ptr, "/", &err), 0);
	buf_addstr(&other, "/escape");
	refuse(w, other.ptr, "lies beneath a symlink");
	write_ok(w, "a/b/c/f10");
	tree_writer_close(w);

	for (i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		exists_in(tree, paths[i]);
	exists_in(tree, "a/b/c/f10");
	exists_in(tree, deep.ptr);
	buf_setlen(&deep, deep.len - 1);
	buf_addstr(&deep, "f");
	exists_in(tree, deep.ptr);
	outside = xstrfmt("%s/escape", root);
	assert_int_equal(lstat(outside, &st), -1);
	assert_int_equal(lstat("/escape", &st), -1);
	free(outside);

	/* Removal: a read-only directory's contents and a symlink to / (not followed). */
	outside = xstrfmt("%s/a/b", tree);
	assert_int_equal(chmod(outside, 0500), 0);
	free(outside);
	assert_int_equal(fs_remove_tree(tree, &err), 0);
	assert_int_equal(lstat(tree, &st), -1);
	assert_int_equal(stat("/etc/passwd", &st), 0);
	buf_release(&deep);
	buf_release(&other);
	unit_rmtree(root);
	free(root);
	free(tree);
}

/*
 * fs_remove_tree_threads: the top levels are split among threads. Trees
 * shaped as a slug is (one "app" directory, then a wide level), narrower than
 * the split, and deeper than the levels it opens, with read-only directories
 * and symlinks at every depth (never followed), all go entirely; a missing
 * path is not an error.
 */
static void threaded_removal(void **state)
{
	char *root = unit_tmpdir(), *tree = xstrfmt("%s/app-root", root), *p;
	struct tree_writer *w = NULL;
	struct error err = ERROR_INIT;
	struct buf path = BUF_INIT;
	struct stat st;
	unsigned shape, threads;
	size_t i, j;

	(void)state;
	for (shape = 0; shape < 3; shape++) {
		for (threads = 2; threads <= 5; threads += 3) {
			size_t wide = shape == 0 ? 40 : shape == 1 ? 3 : 1;

			assert_int_equal(tree_writer_open(&w, tree, 0, &err), 0);
			write_ok(w, "app/Procfile");
			assert_int_equal(tree_writer_symlink(w, "app/root", "/", &err), 0);
			assert_int_equal(tree_writer_mkdir(w, "app/empty", &err), 0);
			for (i = 0; i < wide; i++) {
				for (j = 0; j < 3; j++) {
					buf_reset(&path);
					buf_addf(&path, "app/p%zu/lib/d%zu/f.js", i, j);
					write_ok(w, path.ptr);
				}
				buf_reset(&path);
				buf_addf(&path, "app/p%zu/lib/up", i);
				assert_int_equal(tree_writer_symlink(w, path.ptr, "../../..", &err), 0);
				buf_reset(&path);
				buf_addf(&path, "app/p%zu/x", i);
				write_ok(w, path.ptr);
			}
			buf_reset(&path);
			buf_addstr(&path, "app/deep");
			for (i = 0; i < 12; i++)
				buf_addf(&path, "/l%zu", i);
			buf_addstr(&path, "/f");
			write_ok(w, path.ptr);
			tree_writer_close(w);
			/* Read-only directories at an opened level and inside a thread's subtree. */
			p = xstrfmt("%s/app/p0", tree);
			assert_int_equal(chmod(p, 0500), 0);
			free(p);
			p = xstrfmt("%s/app/deep/l0/l1/l2/l3/l4", tree);
			assert_int_equal(chmod(p, 0500), 0);
			free(p);

			assert_int_equal(fs_remove_tree_threads(tree, threads, &err), 0);
			assert_int_equal(lstat(tree, &st), -1);
			assert_int_equal(stat("/etc/passwd", &st), 0);
			assert_int_equal(lstat(root, &st), 0);
		}
	}
	assert_int_equal(fs_remove_tree_threads(tree, 2, &err), 0);
	buf_release(&path);
	unit_rmtree(root);
	free(root);
	free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_paths),
		cmocka_unit_test(modes_and_cap),
		cmocka_unit_test(directory_chain),
		cmocka_unit_test(threaded_removal),
	};

	return cmocka_run_group_tests_name("tree_writer", tests, NULL, NULL);
}
