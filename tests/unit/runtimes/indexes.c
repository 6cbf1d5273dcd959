/*
 * Unit tests for the runtime index parsers (runtimes/nodejs.c, go.c,
 * runtimes.c), run against real upstream documents: excerpts of
 * nodejs.org/dist/index.json and go.dev/dl/?mode=json&include=all, a real
 * SHASUMS256.txt and Heroku's Node.js inventory (tests/fixtures/reference/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "runtimes.h"
#include "strvec.h"
#include "unit.h"
#include "xalloc.h"

#define REF SLUGC_FIXTURES "/reference/"

static void read_ref(struct buf *b, const char *name)
{
	struct error err = ERROR_INIT;
	char *path = xstrfmt(REF "%s", name);

	if (buf_read_file(b, path, 8 << 20, &err) < 0)
		fail_msg("%s", err.msg);
	free(path);
}

static void node_index_real(void **state)
{
	struct buf text = BUF_INIT;
	struct strvec v = STRVEC_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	read_ref(&text, "nodejs-dist-index.sample.json");
	assert_int_equal(nodejs_parse_index(text.ptr, text.len, "linux-x64", &v, &err), 0);
	/* 23 releases in the excerpt; every one of them shipped linux-x64. */
	assert_int_equal(v.nr, 23);
	assert_string_equal(v.v[0], "v14.1.0");
	assert_string_equal(v.v[22], "v0.12.17");
	strvec_clear(&v);
	/* No release has a linux-riscv64 build. */
	assert_int_equal(nodejs_parse_index(text.ptr, text.len, "linux-riscv64", &v, &err), 0);
	assert_int_equal(v.nr, 0);
	strvec_clear(&v);
	buf_release(&text);
}

static void node_index_malformed(void **state)
{
	static const char *const bad[] = { "", "{}", "[1,2", "\"v1.0.0\"", "null" };
	struct strvec v = STRVEC_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct error err = ERROR_INIT;

		assert_int_equal(nodejs_parse_index(bad[i], strlen(bad[i]), "linux-x64", &v, &err), -1);
		assert_non_null(strstr(err.msg, "Node.js index"));
		assert_int_equal(v.nr, 0);
	}
	/* Entries of the wrong shape are skipped, not fatal. */
	{
		const char *doc = "[{\"version\": 3}, {\"files\": [\"linux-x64\"]}, "
				  "{\"version\": \"v1.2.3\", \"files\": \"linux-x64\"}, "
				  "{\"version\": \"v1.2.4\", \"files\": [7, \"linux-x64\"]}]";
		struct error err = ERROR_INIT;

		assert_int_equal(nodejs_parse_index(doc, strlen(doc), "linux-x64", &v, &err), 0);
		assert_int_equal(v.nr, 1);
		assert_string_equal(v.v[0], "v1.2.4");
	}
	strvec_clear(&v);
}

static void node_shasums(void **state)
{
	struct buf text = BUF_INIT;
	struct error err = ERROR_INIT;
	char hex[65];

	(void)state;
	read_ref(&text, "nodejs-v14.20.1-SHASUMS256.txt");
	assert_int_equal(nodejs_parse_shasums(text.ptr, text.len, "node-v14.20.1-linux-x64.tar.gz",
					      hex, &err), 0);
	assert_string_equal(hex, "0aab09a55c11fbd1e6c40356809a86eaaf3330fc96e26f9443f82d46d8f8da5f");
	/* A file name that is a prefix of another line's is not that line. */
	assert_int_equal(nodejs_parse_shasums(text.ptr, text.len, "node-v14.20.1-linux-x64.tar",
					      hex, &err), -1);
	assert_string_equal(err.msg, "SHASUMS256.txt has no line for node-v14.20.1-linux-x64.tar");
	buf_release(&text);
}

static void node_shasums_variants(void **state)
{
	const char *a = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
	char *text, hex[65];
	struct error err = ERROR_INIT;

	(void)state;
	/* sha256sum's binary marker, old releases' "./" prefix, CRLF line ends. */
	text = xstrfmt("%s *./node.tar.gz\r\n", a);
	assert_int_equal(nodejs_parse_shasums(text, strlen(text), "node.tar.gz", hex, &err), 0);
	assert_string_equal(hex, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	free(text);
	/* 63 hex digits, or no separator: not a checksum line. */
	text = xstrfmt("%.63s  node.tar.gz\n%sxnode.tar.gz\n", a, a);
	assert_int_equal(nodejs_parse_shasums(text, strlen(text), "node.tar.gz", hex, &err), -1);
	free(text);
}

static void go_index_real(void **state)
{
	struct buf text = BUF_INIT;
	struct error err = ERROR_INIT;
	struct go_file *files;
	size_t nr, i;
	int saw_1137 = 0, saw_rc = 0;

	(void)state;
	read_ref(&text, "go-dl-index.sample.json");
	assert_int_equal(go_parse_index(text.ptr, text.len, "amd64", &files, &nr, &err), 0);
	assert_true(nr > 50);
	for (i = 0; i < nr; i++) {
		/* Only linux archives: no source, installer or other OS entries. */
		assert_non_null(strstr(files[i].filename, ".linux-amd64.tar.gz"));
		if (!strcmp(files[i].filename, "go1.13.7.linux-amd64.tar.gz")) {
			saw_1137 = 1;
			assert_string_equal(files[i].version, "go1.13.7");
			assert_true(files[i].stable);
			/* The same digest as heroku-buildpack-go's files.json. */
			assert_int_equal(strncmp(files[i].sha256, "b3dd4bd7", 8), 0);
		}
		if (!strcmp(files[i].version, "go1.14rc1")) {
			saw_rc = 1;
			assert_false(files[i].stable);
		}
	}
	assert_true(saw_1137);
	assert_true(saw_rc);
	go_files_release(files, nr);
	buf_release(&text);
}

static void go_index_hostile(void **state)
{
	const char *doc =
		"[{\"version\": \"go1.2.3\", \"stable\": true, \"files\": ["
		"{\"filename\": \"../../etc/passwd\", \"os\": \"linux\", \"arch\": \"amd64\", \"kind\": \"archive\", "
		"\"sha256\": \"0000000000000000000000000000000000000000000000000000000000000000\"},"
		"{\"filename\": \"..\", \"os\": \"linux\", \"arch\": \"amd64\", \"kind\": \"archive\", "
		"\"sha256\": \"0000000000000000000000000000000000000000000000000000000000000000\"},"
		"{\"filename\": \"go.tgz\", \"os\": \"linux\", \"arch\": \"amd64\", \"kind\": \"archive\", "
		"\"sha256\": \"zz00000000000000000000000000000000000000000000000000000000000000\"},"
		"{\"filename\": \"go1.2.3.linux-amd64.tar.gz\", \"os\": \"linux\", \"arch\": \"amd64\", "
		"\"kind\": \"archive\", \"sha256\": \"1111111111111111111111111111111111111111111111111111111111111111\"}]}]";
	struct error err = ERROR_INIT;
	struct go_file *files;
	size_t nr;

	(void)state;
	assert_int_equal(go_parse_index(doc, strlen(doc), "amd64", &files, &nr, &err), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(files[0].filename, "go1.2.3.linux-amd64.tar.gz");
	go_files_release(files, nr);
	assert_int_equal(go_parse_index("{\"a\":1}", 7, "amd64", &files, &nr, &err), -1);
	assert_string_equal(err.msg, "the Go release index is not a JSON array of releases");
}

static void inventory_real(void **state)
{
	struct buf text = BUF_INIT;
	struct error err = ERROR_INIT;
	char hex[65];

	(void)state;
	read_ref(&text, "heroku-buildpack-nodejs-inventory-node.toml");
	assert_int_equal(inventory_lookup("inventory.toml", text.ptr, text.len,
		"https://nodejs.org/download/release/v14.20.1/node-v14.20.1-linux-x64.tar.gz", NULL, hex,
		&err), 1);
	assert_string_equal(hex, "0aab09a55c11fbd1e6c40356809a86eaaf3330fc96e26f9443f82d46d8f8da5f");
	/* Through a mirror: the path below the mirror's base names the same artifact. */
	memset(hex, 0, sizeof(hex));
	assert_int_equal(inventory_lookup("inventory.toml", text.ptr, text.len,
		"http://mirror.internal/node/v14.20.1/node-v14.20.1-linux-x64.tar.gz",
		"v14.20.1/node-v14.20.1-linux-x64.tar.gz", hex, &err), 1);
	assert_string_equal(hex, "0aab09a55c11fbd1e6c40356809a86eaaf3330fc96e26f9443f82d46d8f8da5f");
	/* The last artifact in the file, the first, and one that is not there. */
	assert_int_equal(inventory_lookup("inventory.toml", text.ptr, text.len,
		"https://nodejs.org/download/release/v26.7.0/node-v26.7.0-linux-x64.tar.gz", NULL, hex,
		&err), 1);
	assert_string_equal(hex, "bd6b6c31e377bad9ad579bed72e5bc11f4c879ac9452ad51d30e646ea3d828df");
	assert_int_equal(inventory_lookup("inventory.toml", text.ptr, text.len,
		"https://nodejs.org/download/release/v99.0.0/node-v99.0.0-linux-x64.tar.gz",
		"v99.0.0/node-v99.0.0-linux-x64.tar.gz", hex, &err), 0);
	/* A path must match whole components: "4.20.1/..." is not "v14.20.1/...". */
	assert_int_equal(inventory_lookup("inventory.toml", text.ptr, text.len, "http://m/x",
		"4.20.1/node-v14.20.1-linux-x64.tar.gz", hex, &err), 0);
	buf_release(&text);
}

static void inventory_edges(void **state)
{
	const char *doc =
		"# comment\n"
		"[[artifacts]]\n"
		"url = \"https://x/a.tgz\"\n"
		"checksum = \"md5:0123\"\n"
		"\n"
		"[[artifacts]]\r\n"
		"  url=\"https://x/b.tgz\"   # trailing comment\r\n"
		"checksum = \"sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\"\r\n"
		"[[artifacts]]\n"
		"url = \"https://x/c.tgz\"\n"
		"checksum = \"sha256:not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-\"\n"
		"[[ artifacts ]]\n"
		"url = 'https://x/d.tgz'\n"
		"checksum = '''sha256:1111111111111111111111111111111111111111111111111111111111111111'''\n";
	const char *bad_tail = "[[artifacts]]\nurl = \"https://x/\\u0065.tgz\"\nchecksum.x = 1\n";
	const char *two = "[[artifacts]]\nurl = \"u\"\nchecksum = \"sha256:"
			  "1111111111111111111111111111111111111111111111111111111111111111\"\n"
			  "[[artifacts]]\nurl = \"u\"\nchecksum = \"sha256:"
			  "2222222222222222222222222222222222222222222222222222222222222222\"\n";
	struct error err = ERROR_INIT;
	char *bad = xstrfmt("%s%s", doc, bad_tail);
	char hex[65];

	(void)state;
	/* CRLF, spacing, comments and uppercase hex are fine; the pin is lowercased. */
	assert_int_equal(inventory_lookup("inv", doc, strlen(doc), "https://x/b.tgz", NULL, hex, &err), 1);
	assert_string_equal(hex, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	/* Literal and multi-line strings pin like basic ones. */
	assert_int_equal(inventory_lookup("inv", doc, strlen(doc), "https://x/d.tgz", NULL, hex, &err), 1);
	assert_string_equal(hex, "1111111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(inventory_lookup("inv", doc, strlen(doc), "https://x/z.tgz", NULL, hex, &err), 0);
	/* A matching artifact with a checksum slugc cannot check is an error, not "no pin". */
	assert_int_equal(inventory_lookup("inv", doc, strlen(doc), "https://x/a.tgz", NULL, hex, &err), -1);
	assert_string_equal(err.msg, "inv:2: the artifact for 'https://x/a.tgz' has checksum 'md5:0123', "
			    "which slugc cannot check; write it as sha256:<64 hex digits>");
	assert_int_equal(inventory_lookup("inv", doc, strlen(doc), "https://x/c.tgz", NULL, hex, &err), -1);
	/* Anything wrong anywhere in the file fails every lookup: a checksum that is a table. */
	assert_int_equal(inventory_lookup("inv", bad, strlen(bad), "https://x/b.tgz", NULL, hex, &err), -1);
	assert_string_equal(err.msg, "inv:17: 'checksum' of an artifact must be a string, not table");
	/* An empty file, one without [[artifacts]], an artifact without a url. */
	assert_int_equal(inventory_lookup("inv", "", 0, "https://x/b.tgz", NULL, hex, &err), -1);
	assert_string_equal(err.msg, "inv: no [[artifacts]] in this inventory; it pins nothing");
	assert_int_equal(inventory_lookup("inv", "artifacts = 1\n", 14, "u", NULL, hex, &err), -1);
	assert_string_equal(err.msg, "inv:1: 'artifacts' must be an array of tables ([[artifacts]]), "
			    "not integer");
	assert_int_equal(inventory_lookup("inv", "[[artifacts]]\nchecksum = \"x\"\n", 29, "", "", hex, &err), -1);
	assert_string_equal(err.msg, "inv:1: an artifact without a url; each needs a url and a checksum");
	/* The reported bug: a malformed header is refused, naming the line. */
	assert_int_equal(inventory_lookup("inv", "[[artifacts]\nurl = \"u\"\n", 23, "u", NULL, hex, &err), -1);
	assert_string_equal(err.msg, "inv:1: table header not closed with ']]'");
	/* Two artifacts for one URL must agree. */
	assert_int_equal(inventory_lookup("inv", two, strlen(two), "u", NULL, hex, &err), -1);
	assert_string_equal(err.msg, "inv:4: a second artifact for 'u' (the first is on line 1) has "
			    "another checksum");
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_index_real),
		cmocka_unit_test(node_index_malformed),
		cmocka_unit_test(node_shasums),
		cmocka_unit_test(node_shasums_variants),
		cmocka_unit_test(go_index_real),
		cmocka_unit_test(go_index_hostile),
		cmocka_unit_test(inventory_real),
		cmocka_unit_test(inventory_edges),
	};

	return cmocka_run_group_tests_name("runtimes/indexes", tests, NULL, NULL);
}
