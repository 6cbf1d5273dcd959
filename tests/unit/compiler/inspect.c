/* Unit tests for the slug verifier (compiler/inspect.c) on hand-made archives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "extract.h"
#include "inspect.h"
#include "pack.h"
#include "unit.h"
#include "xalloc.h"

struct ent {
	const char *path;
	char type;          /* f d l h p(ipe) */
	const char *target; /* symlink or hard link target */
	int uid;
	unsigned perm;
};

/* Build a tar.gz in memory from entries, the way another tool (or an attacker) might. */
static void *make_tgz(const struct ent *v, size_t *len)
{
	size_t cap = 1 << 20, used = 0;
	void *mem = xmalloc(cap);
	struct archive *a = archive_write_new();
	const struct ent *e;

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, mem, cap, &used), ARCHIVE_OK);
	for (e = v; e->path; e++) {
		struct archive_entry *ae = archive_entry_new();

		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_mtime(ae, 315532800, 0);
		archive_entry_set_uid(ae, e->uid);
		switch (e->type) {
		case 'd':
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, e->perm ? e->perm : 0755);
			break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_set_symlink(ae, e->target);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_hardlink(ae, e->target);
			break;
		case 'p':
			archive_entry_set_filetype(ae, AE_IFIFO);
			archive_entry_set_perm(ae, 0644);
			break;
		default:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, e->perm ? e->perm : 0644);
			archive_entry_set_size(ae, 3);
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e->type == 'f')
			assert_int_equal(archive_write_data(a, "hi\n", 3), 3);
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*len = used;
	return mem;
}

static int verify(const struct ent *v, struct inspect_result *res, struct error *err)
{
	struct reader *r = NULL;
	size_t len;
	void *mem = make_tgz(v, &len);
	int ret;

	assert_int_equal(reader_open_memory(&r, mem, len, "test.tgz", err), 0);
	ret = inspect_reader(r, res, err);
	reader_close(r);
	free(mem);
	return ret;
}

static void expect_rejected(const struct ent *v, const char *needle)
{
	struct inspect_result res;
	struct error err = ERROR_INIT;

	assert_int_equal(verify(v, &res, &err), -1);
	assert_int_equal(err.kind, ERROR_INPUT);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void valid_normalized(void **state)
{
	static const struct ent v[] = {
		{ "./app/", 'd', NULL, 0, 0 },
		{ "./app/Procfile", 'f', NULL, 0, 0 },
		{ "./app/bin/", 'd', NULL, 0, 0 },
		{ "./app/bin/x", 'f', NULL, 0, 0755 },
		{ "./app/cur", 'l', "bin", 0, 0 },
		{ "./app/lnk", 'l', "/app/bin/x", 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	struct inspect_result res;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(v, &res, &err), 0);
	assert_int_equal(res.entries, 6);
	assert_int_equal(res.files, 2);
	assert_int_equal(res.dirs, 2);
	assert_int_equal(res.symlinks, 2);
	assert_int_equal(res.bytes, 6);
	assert_true(res.normalized);
}

static void valid_not_normalized(void **state)
{
	static const struct ent unsorted[] = {
		{ "./app/", 'd', NULL, 0, 0 },
		{ "./app/b", 'f', NULL, 0, 0 },
		{ "./app/a", 'f', NULL, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent owned[] = {
		{ "./app/", 'd', NULL, 0, 0 },
		{ "./app/a", 'f', NULL, 1000, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	struct inspect_result res;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(unsorted, &res, &err), 0);
	assert_false(res.normalized);
	assert_non_null(strstr(res.why_not, "'./app/a' is out of bytewise order"));
	assert_int_equal(verify(owned, &res, &err), 0);
	assert_false(res.normalized);
	assert_non_null(strstr(res.why_not, "non-zero uid"));
}

static void hostile(void **state)
{
	static const struct ent outside[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./etc/passwd", 'f', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent no_dot[] = {
		{ "app/x", 'f', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent dotdot[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/../../x", 'f', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent absolute[] = {
		{ "/etc/cron.d/x", 'f', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent link_out[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/x", 'l', "../../etc/passwd", 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent link_abs[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/x", 'l', "/etc/passwd", 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent link_chain[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/a", 'l', "b/..", 0, 0 },
		{ "./app/b", 'l', "c/d", 0, 0 }, { "./app/c/", 'd', NULL, 0, 0 },
		{ "./app/z", 'l', "a/../..", 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent link_loop[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/a", 'l', "b", 0, 0 },
		{ "./app/b", 'l', "a", 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent beneath[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/etc", 'l', "sub", 0, 0 },
		{ "./app/sub/", 'd', NULL, 0, 0 }, { "./app/etc/passwd", 'f', NULL, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent hardlink_out[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/x", 'h', "/etc/shadow", 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent fifo[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/p", 'p', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent app_link[] = {
		{ "./app", 'l', "/", 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};

	(void)state;
	expect_rejected(outside, "slug entry './etc/passwd' is outside './app/'");
	expect_rejected(no_dot, "slug entry 'app/x' is outside './app/'");
	expect_rejected(dotdot, "slug entry './app/../../x' has a '..' component");
	expect_rejected(absolute, "has an absolute path");
	expect_rejected(link_out, "slug entry './app/x' is a symlink to '../../etc/passwd', which points outside './app/'");
	expect_rejected(link_abs, "'./app/x' is a symlink to '/etc/passwd'");
	expect_rejected(link_chain, "slug entry './app/z' is a symlink to 'a/../..'");
	expect_rejected(link_loop, "is part of a symlink loop");
	expect_rejected(beneath, "slug entry './app/etc/passwd' lies beneath the symlink './app/etc'");
	expect_rejected(hardlink_out, "is a hard link to '/etc/shadow', outside './app/'");
	expect_rejected(fifo, "slug entry './app/p' is a FIFO");
	expect_rejected(app_link, "replaces the app directory with a symlink");
}

/* Names an extractor would trip over are refused by the verifier itself (one verdict with run). */
static void names(void **state)
{
	static const struct ent dup[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/a", 'f', NULL, 0, 0 },
		{ "./app/a", 'f', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent implied[] = {
		{ "./app/x/y", 'f', NULL, 0, 0 }, { "./app/x", 'f', NULL, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent under_file[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/x", 'f', NULL, 0, 0 },
		{ "./app/x/y", 'f', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	static const struct ent git[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/.Git/config", 'f', NULL, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent hard_missing[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/x", 'h', "./app/nope", 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	static const struct ent implied_ok[] = {
		{ "./app/a/b", 'f', NULL, 0, 0 }, { "./app/a/", 'd', NULL, 0, 0 },
		{ "./app/c", 'h', "./app/a/b", 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	struct inspect_result res;
	struct error err = ERROR_INIT;

	(void)state;
	expect_rejected(dup, "slug entry './app/a' appears twice in the slug");
	expect_rejected(implied, "slug entry './app/x' is a file, but an earlier entry lies beneath it");
	expect_rejected(under_file, "slug entry './app/x/y' lies beneath './app/x', which is a file");
	expect_rejected(git, "slug entry './app/.Git/config' is or lies inside a '.git' directory");
	expect_rejected(hard_missing, "is a hard link to './app/nope', which is not a file earlier");
	assert_int_equal(verify(implied_ok, &res, &err), 0);
}

/* A header that announces more than the cap is refused before its data is read. */
static void caps(void **state)
{
	static const struct ent v[] = {
		{ "./app/", 'd', NULL, 0, 0 }, { "./app/a", 'f', NULL, 0, 0 },
		{ "./app/b", 'f', NULL, 0, 0 }, { NULL, 0, NULL, 0, 0 },
	};
	struct unpack_limits bytes = { 5, 0 }, entries = { 0, 2 }, enough = { 6, 3 };
	struct inspect_result res;
	struct error err = ERROR_INIT;
	struct reader *r = NULL;
	size_t len;
	void *mem = make_tgz(v, &len);

	(void)state;
	assert_int_equal(reader_open_memory(&r, mem, len, "t.tgz", &err), 0);
	reader_set_limits(r, &bytes);
	assert_int_equal(inspect_reader(r, &res, &err), -1);
	assert_string_equal(err.msg, "'t.tgz' expands to more than 5 B (at entry './app/b'); refusing "
			    "it before unpacking more (--max-unpacked raises the cap)");
	reader_close(r);
	assert_int_equal(reader_open_memory(&r, mem, len, "t.tgz", &err), 0);
	reader_set_limits(r, &entries);
	assert_int_equal(inspect_reader(r, &res, &err), -1);
	assert_non_null(strstr(err.msg, "has more than 2 entries (at entry './app/b')"));
	reader_close(r);
	assert_int_equal(reader_open_memory(&r, mem, len, "t.tgz", &err), 0);
	reader_set_limits(r, &enough);
	assert_int_equal(inspect_reader(r, &res, &err), 0);
	assert_int_equal(res.bytes, 6);
	assert_int_equal(res.entries, 3);
	reader_close(r);
	free(mem);
}

static void garbage(void **state)
{
	static const char junk[] = "\x1f\x8b\x08\x00this is not deflate data at all";
	struct inspect_result res;
	struct error err = ERROR_INIT;
	struct reader *r = NULL;

	(void)state;
	if (reader_open_memory(&r, junk, sizeof(junk) - 1, "junk.tgz", &err) == 0) {
		assert_int_equal(inspect_reader(r, &res, &err), -1);
		reader_close(r);
	}
	assert_non_null(strstr(err.msg, "'junk.tgz' is not a valid tar.gz archive"));
}

static void packed_slug_is_normalized(void **state)
{
	char *root = unit_tmpdir();
	char *tree = xstrfmt("%s/tree", root);
	char *slug = xstrfmt("%s/slug.tgz", root);
	struct pack_options o = { 315532800, 6, 2, 0, 0, 0, 0 };
	struct unpack_limits limits = UNPACK_LIMITS_INIT;
	struct pack_result pr;
	struct inspect_result res;
	struct error err = ERROR_INIT;
	char hex[SHA256_HEX_LEN + 1];
	int fd;

	(void)state;
	unit_write(tree, "Procfile", "web: node web.js\n", 0644);
	unit_write(tree, "lib/a.js", "1\n", 0644);
	unit_symlink(tree, "current", "lib");
	fd = open(slug, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pack_tree(tree, fd, slug, &o, &pr, &err), 0);
	close(fd);
	assert_int_equal(inspect_slug(slug, &limits, &res, &err), 0);
	assert_true(res.normalized);
	assert_int_equal(res.mtime, 315532800);
	assert_int_equal(res.files, 2);
	assert_int_equal(res.size, pr.size);
	sha256_hex(pr.sha256, hex);
	assert_string_equal(res.sha256, hex);
	unit_rmtree(root);
	free(root);
	free(tree);
	free(slug);
}

/* The whole of a file, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	p = xmalloc((size_t)st.st_size + 1);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	p[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	close(fd);
	return p;
}

/*
 * slug_unpack with 1 to 4 writer threads gives the packed tree back whole:
 * many groups (shared out among writers), a file large enough to go in
 * chunks, an executable, a symlink; a slug with a hard link to a file of
 * another group is written after its target.
 */
static void unpack_with_writers(void **state)
{
	static const struct ent linked[] = {
		{ "./app/", 'd', NULL, 0, 0 },
		{ "./app/a/", 'd', NULL, 0, 0 },
		{ "./app/a/x/", 'd', NULL, 0, 0 },
		{ "./app/a/x/f", 'f', NULL, 0, 0 },
		{ "./app/b/", 'd', NULL, 0, 0 },
		{ "./app/b/y/", 'd', NULL, 0, 0 },
		{ "./app/b/y/h", 'h', "./app/a/x/f", 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	char *root = unit_tmpdir(), *tree = xstrfmt("%s/tree", root);
	char *slug = xstrfmt("%s/slug.tgz", root), *big = xmalloc(300001), *out, *p, *q;
	struct pack_options o = { 315532800, 6, 2, 0, 0, 0, 0 };
	struct unpack_limits limits = UNPACK_LIMITS_INIT;
	struct pack_result pr;
	struct inspect_result res;
	struct error err = ERROR_INIT;
	struct stat st;
	unsigned writers;
	size_t i, len, mlen;
	void *mem;
	int fd;

	(void)state;
	for (i = 0; i < 300000; i++)
		big[i] = (char)('a' + i % 23);
	big[300000] = '\0';
	for (i = 0; i < 40; i++) {
		p = xstrfmt("g%02zu/sub/f%zu.js", i, i);
		q = xstrfmt("%zu\n", i);
		unit_write(tree, p, q, 0644);
		free(p);
		free(q);
	}
	unit_write(tree, "g07/big.bin", big, 0644);
	unit_write(tree, "bin/run", "#!/bin/sh\n", 0755);
	unit_symlink(tree, "current", "g01");
	fd = open(slug, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pack_tree(tree, fd, slug, &o, &pr, &err), 0);
	close(fd);

	for (writers = 1; writers <= 4; writers++) {
		out = xstrfmt("%s/out%u", root, writers);
		assert_int_equal(slug_unpack(slug, out, &limits, writers, &res, &err), 0);
		assert_int_equal(res.files, 42);
		for (i = 0; i < 40; i++) {
			p = xstrfmt("%s/app/g%02zu/sub/f%zu.js", out, i, i);
			q = slurp(p, &len);
			assert_non_null(q);
			assert_int_equal(strtoul(q, NULL, 10), i);
			free(p);
			free(q);
		}
		p = xstrfmt("%s/app/g07/big.bin", out);
		q = slurp(p, &len);
		assert_int_equal(len, 300000);
		assert_memory_equal(q, big, len);
		free(p);
		free(q);
		p = xstrfmt("%s/app/bin/run", out);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0755);
		free(p);
		p = xstrfmt("%s/app/current", out);
		assert_int_equal(lstat(p, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		free(p);
		free(out);
	}

	mem = make_tgz(linked, &mlen);
	fd = open(slug, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, mem, mlen), (ssize_t)mlen);
	close(fd);
	free(mem);
	for (writers = 1; writers <= 3; writers += 2) {
		struct stat a, b;

		out = xstrfmt("%s/linked%u", root, writers);
		assert_int_equal(slug_unpack(slug, out, &limits, writers, &res, &err), 0);
		p = xstrfmt("%s/app/a/x/f", out);
		q = xstrfmt("%s/app/b/y/h", out);
		assert_int_equal(stat(p, &a), 0);
		assert_int_equal(stat(q, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
		free(p);
		free(q);
		free(out);
	}
	unit_rmtree(root);
	free(root);
	free(tree);
	free(slug);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_normalized),
		cmocka_unit_test(valid_not_normalized),
		cmocka_unit_test(hostile),
		cmocka_unit_test(names),
		cmocka_unit_test(caps),
		cmocka_unit_test(garbage),
		cmocka_unit_test(packed_slug_is_normalized),
		cmocka_unit_test(unpack_with_writers),
	};

	return cmocka_run_group_tests_name("inspect", tests, NULL, NULL);
}
