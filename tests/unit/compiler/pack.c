/* Unit tests for the packer (compiler/pack.c, compiler/pgzip.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "extract.h"
#include "pack.h"
#include "sha256.h"
#include "unit.h"
#include "xalloc.h"

#define MTIME 1700000000

struct packed {
	char *dir;
	char *slug;
	struct pack_result res;
};

/* Pack dir into dir/../<name>.tgz; returns pack_tree's result. */
static int pack(const char *tree, const char *out, unsigned threads, uint64_t max_size,
		struct pack_result *res, struct error *err)
{
	struct pack_options o = { MTIME, 6, threads, max_size, 0, 0, 0 };
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	assert_true(fd >= 0);
	r = pack_tree(tree, fd, out, &o, res, err);
	close(fd);
	return r;
}

static char *read_all(struct reader *r)
{
	struct buf b = BUF_INIT;
	struct error err = ERROR_INIT;
	char chunk[4096];
	ssize_t n;

	while ((n = reader_read(r, chunk, sizeof(chunk), &err)) > 0)
		buf_add(&b, chunk, (size_t)n);
	assert_true(n == 0);
	return buf_detach(&b, NULL);
}

static void layout(void **state)
{
	char *root = unit_tmpdir();
	char *tree = xstrfmt("%s/tree", root);
	char *slug = xstrfmt("%s/slug.tgz", root);
	char *hl_a = xstrfmt("%s/hard-a", tree), *hl_b = xstrfmt("%s/hard-b", tree);
	struct error err = ERROR_INIT;
	struct pack_result res;
	struct reader *r = NULL;
	struct reader_entry e;
	struct buf prev = BUF_INIT;
	static const char *want[] = {
		"./app/", "./app/.profile.d/", "./app/.profile.d/x.sh", "./app/Procfile",
		"./app/a-b", "./app/a/", "./app/a/inner.txt", "./app/a0", "./app/abs-link",
		"./app/bin/", "./app/bin/run", "./app/empty/", "./app/hard-a", "./app/hard-b",
		"./app/lib/", "./app/lib/long-name", "./app/link-to-lib", "./app/sub/",
		"./app/sub/.gitkeep", NULL,
	};
	int i = 0;

	(void)state;
	unit_write(tree, "Procfile", "web: bin/run\n", 0600);
	unit_write(tree, "bin/run", "#!/bin/sh\necho run\n", 0700);
	unit_write(tree, "a-b", "dash\n", 0640);
	unit_write(tree, "a/inner.txt", "inner\n", 0644);
	unit_write(tree, "a0", "zero\n", 0644);
	unit_write(tree, "lib/long-name", "lib\n", 0444);
	unit_write(tree, ".profile.d/x.sh", "export X=1\n", 0644);
	unit_write(tree, ".git/config", "[core]\n", 0644);
	unit_write(tree, "sub/.git", "gitdir: ../.git/modules/sub\n", 0644);
	unit_write(tree, "sub/.gitkeep", "", 0644);
	unit_mkdir(tree, "empty");
	unit_write(tree, "hard-a", "shared bytes\n", 0644);
	assert_int_equal(link(hl_a, hl_b), 0);
	unit_symlink(tree, "link-to-lib", "lib");
	{
		char *abs = xstrfmt("%s/lib/long-name", tree);

		unit_symlink(tree, "abs-link", abs);
		free(abs);
	}

	assert_int_equal(pack(tree, slug, 2, 0, &res, &err), 0);
	assert_int_equal(res.files, 10);
	assert_int_equal(res.symlinks, 2);

	assert_int_equal(reader_open_file(&r, slug, &err), 0);
	while (reader_next(r, &e, &err) == 1) {
		assert_non_null(want[i]);
		assert_string_equal(e.path, want[i]);
		/* Bytewise order of full paths; directories first. */
		if (i)
			assert_true(strcmp(prev.ptr, e.path) < 0);
		buf_reset(&prev);
		buf_addstr(&prev, e.path);
		assert_int_equal(e.uid, 0);
		assert_int_equal(e.gid, 0);
		assert_true(!e.uname || !*e.uname);
		assert_true(!e.gname || !*e.gname);
		assert_int_equal(e.mtime, MTIME);
		assert_false(e.has_xattrs);
		if (e.type == ENTRY_DIR)
			assert_int_equal(e.perm, 0755);
		else if (e.type == ENTRY_SYMLINK)
			assert_int_equal(e.perm, 0777);
		else if (!strcmp(e.path, "./app/bin/run"))
			assert_int_equal(e.perm, 0755);
		else
			assert_int_equal(e.perm, 0644);
		if (!strcmp(e.path, "./app/link-to-lib"))
			assert_string_equal(e.link, "lib");
		if (!strcmp(e.path, "./app/abs-link"))
			assert_string_equal(e.link, "lib/long-name");
		if (!strcmp(e.path, "./app/hard-b")) {
			char *data;

			assert_int_equal(e.type, ENTRY_FILE); /* hard links become regular files */
			data = read_all(r);
			assert_string_equal(data, "shared bytes\n");
			free(data);
		}
		i++;
	}
	assert_null(want[i]);
	reader_close(r);

	buf_release(&prev);
	unit_rmtree(root);
	free(root);
	free(tree);
	free(slug);
	free(hl_a);
	free(hl_b);
}

static void write_random(const char *dir, const char *rel, size_t size, unsigned seed)
{
	char *data = xmalloc(size + 1);
	size_t i;

	/* Half-compressible: repeated words with a pseudo-random sprinkle. */
	for (i = 0; i < size; i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = (i % 7 == 0) ? (char)('a' + (seed >> 16) % 26) : "slugs are tarballs "[i % 19];
	}
	data[size] = '\0';
	unit_write(dir, rel, data, 0644);
	free(data);
}

static void sha_of(const char *path, char out[SHA256_HEX_LEN + 1])
{
	struct error err = ERROR_INIT;

	assert_int_equal(sha256_file(path, out, NULL, &err), 0);
}

static void threads_do_not_change_bytes(void **state)
{
	char *root = unit_tmpdir();
	char *tree = xstrfmt("%s/tree", root);
	char *s1 = xstrfmt("%s/1.tgz", root), *s2 = xstrfmt("%s/2.tgz", root);
	char *s8 = xstrfmt("%s/8.tgz", root);
	char h1[SHA256_HEX_LEN + 1], h2[SHA256_HEX_LEN + 1], h8[SHA256_HEX_LEN + 1];
	char hex[SHA256_HEX_LEN + 1];
	struct error err = ERROR_INIT;
	struct pack_result r1, r2, r8;
	struct stat st;

	(void)state;
	/* Several 1 MiB blocks, and a block boundary inside a file. */
	write_random(tree, "big/a.bin", 3 * 1024 * 1024 + 12345, 1);
	write_random(tree, "big/b.bin", 2 * 1024 * 1024, 2);
	write_random(tree, "small.txt", 1000, 3);
	assert_int_equal(pack(tree, s1, 1, 0, &r1, &err), 0);
	assert_int_equal(pack(tree, s2, 2, 0, &r2, &err), 0);
	assert_int_equal(pack(tree, s8, 8, 0, &r8, &err), 0);
	sha_of(s1, h1);
	sha_of(s2, h2);
	sha_of(s8, h8);
	assert_string_equal(h1, h2);
	assert_string_equal(h1, h8);

	/* The digest computed while writing is the file's digest. */
	sha256_hex(r2.sha256, hex);
	assert_string_equal(hex, h2);
	assert_int_equal(stat(s2, &st), 0);
	assert_int_equal((uint64_t)st.st_size, r2.size);
	assert_true(r1.bytes == 5 * 1024 * 1024 + 12345 + 1000);

	unit_rmtree(root);
	free(root);
	free(tree);
	free(s1);
	free(s2);
	free(s8);
}

static void gzip_members_carry_no_name_or_time(void **state)
{
	char *root = unit_tmpdir();
	char *tree = xstrfmt("%s/tree", root);
	char *slug = xstrfmt("%s/slug.tgz", root);
	struct error err = ERROR_INIT;
	struct pack_result res;
	struct buf b = BUF_INIT;
	struct reader *r = NULL;
	struct reader_entry e;
	unsigned long long members = 0, entries = 0;
	size_t i;

	(void)state;
	write_random(tree, "data.bin", 2 * 1024 * 1024 + 5, 9);
	assert_int_equal(pack(tree, slug, 2, 0, &res, &err), 0);
	assert_int_equal(buf_read_file(&b, slug, 0, &err), 0);
	/* Every member starts with the magic, deflate, no flags (no FNAME), mtime 0. */
	for (i = 0; i + 10 <= b.len; i++) {
		const unsigned char *p = (const unsigned char *)b.ptr + i;

		if (i == 0)
			assert_true(p[0] == 0x1f && p[1] == 0x8b);
		if (p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 && p[3] == 0 && !p[4] && !p[5] &&
		    !p[6] && !p[7])
			members++;
	}
	assert_true(members >= 3); /* 2 MiB + tar framing: three 1 MiB blocks */
	/* ...and the members read back as one stream. */
	assert_int_equal(reader_open_file(&r, slug, &err), 0);
	while (reader_next(r, &e, &err) == 1)
		entries++;
	assert_int_equal(entries, 2);
	reader_close(r);
	buf_release(&b);
	unit_rmtree(root);
	free(root);
	free(tree);
	free(slug);
}

static void expect_failure(const char *tree, const char *slug, const char *needle)
{
	struct error err = ERROR_INIT;
	struct pack_result res;

	assert_int_equal(pack(tree, slug, 1, 0, &res, &err), -1);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void refusals(void **state)
{
	char *root = unit_tmpdir();
	char *tree = xstrfmt("%s/tree", root);
	char *slug = xstrfmt("%s/slug.tgz", root);
	char *fifo = xstrfmt("%s/pipe", tree);

	(void)state;
	unit_write(tree, "Procfile", "web: x\n", 0644);
	unit_symlink(tree, "lib/evil", "/etc/passwd");
	expect_failure(tree, slug, "symlink 'lib/evil' points outside the app ('/etc/passwd')");
	unit_rmtree(tree);

	unit_symlink(tree, "up", "../../..");
	expect_failure(tree, slug, "symlink 'up' points outside the app ('../../..')");
	unit_rmtree(tree);

	unit_symlink(tree, "loop/a", "b");
	unit_symlink(tree, "loop/b", "a");
	expect_failure(tree, slug, "symlink 'loop/a' is part of a symlink loop");
	unit_rmtree(tree);

	unit_mkdir(tree, ".");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	expect_failure(tree, slug, "'pipe' is a FIFO; a slug may hold only files, directories and symlinks");

	unit_rmtree(root);
	free(root);
	free(tree);
	free(slug);
	free(fifo);
}

static void size_limit(void **state)
{
	char *root = unit_tmpdir();
	char *tree = xstrfmt("%s/tree", root);
	char *slug = xstrfmt("%s/slug.tgz", root);
	struct error err = ERROR_INIT;
	struct pack_result res;
	char *largest = NULL;

	(void)state;
	write_random(tree, "assets/big.bin", 3 * 1024 * 1024, 4);
	write_random(tree, "lib/small.bin", 100 * 1024, 5);
	assert_int_equal(pack(tree, slug, 2, 512 * 1024, &res, &err), -1);
	assert_true(res.over_limit);
	assert_non_null(strstr(err.msg, "larger than the 512.0 KB limit"));

	assert_int_equal(pack_largest_dirs(tree, 3, &largest, &err), 0);
	assert_string_equal(largest, "assets/ (3.0 MB), lib/ (100.0 KB)");
	free(largest);
	unit_rmtree(root);
	free(root);
	free(tree);
	free(slug);
}

static void long_and_odd_names(void **state)
{
	char *root = unit_tmpdir();
	char *tree = xstrfmt("%s/tree", root);
	char *slug = xstrfmt("%s/slug.tgz", root);
	struct buf longdir = BUF_INIT, longname = BUF_INIT, want = BUF_INIT;
	struct error err = ERROR_INIT;
	struct pack_result res;
	struct reader *r = NULL;
	struct reader_entry e;
	int found_long = 0, found_odd = 0, found_newline = 0, i;

	(void)state;
	/* A 300-byte path through 3 directories and a 200-byte name. */
	for (i = 0; i < 3; i++) {
		buf_addf(&longdir, "%s%s", i ? "/" : "", "d123456789d123456789d123456789d123456789");
	}
	for (i = 0; i < 200; i++)
		buf_addch(&longname, 'n');
	buf_addf(&want, "./app/%s/%s", longdir.ptr, longname.ptr);
	{
		char *rel = xstrfmt("%s/%s", longdir.ptr, longname.ptr);

		unit_write(tree, rel, "deep\n", 0644);
		free(rel);
	}
	unit_write(tree, "caf\xc3\xa9.txt", "utf8\n", 0644);
	unit_write(tree, "bad\xff.txt", "latin1\n", 0644);
	unit_write(tree, "new\nline", "nl\n", 0644);

	assert_int_equal(pack(tree, slug, 1, 0, &res, &err), 0);
	assert_int_equal(reader_open_file(&r, slug, &err), 0);
	while (reader_next(r, &e, &err) == 1) {
		if (!strcmp(e.path, want.ptr))
			found_long = 1;
		if (!strcmp(e.path, "./app/bad\xff.txt"))
			found_odd = 1;
		if (!strcmp(e.path, "./app/new\nline"))
			found_newline = 1;
	}
	reader_close(r);
	assert_true(found_long);
	assert_true(found_odd);
	assert_true(found_newline);
	buf_release(&longdir);
	buf_release(&longname);
	buf_release(&want);
	unit_rmtree(root);
	free(root);
	free(tree);
	free(slug);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout),
		cmocka_unit_test(threads_do_not_change_bytes),
		cmocka_unit_test(gzip_members_carry_no_name_or_time),
		cmocka_unit_test(refusals),
		cmocka_unit_test(size_limit),
		cmocka_unit_test(long_and_odd_names),
	};

	return cmocka_run_group_tests_name("pack", tests, NULL, NULL);
}
