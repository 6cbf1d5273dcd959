/* Unit tests for the registry client's parsers (compiler/registry.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "registry.h"

static const struct {
	const char *in, *host, *repo, *tag, *digest;
} refs[] = {
	{ "busybox", "registry-1.docker.io", "library/busybox", "latest", NULL },
	{ "heroku/heroku:24", "registry-1.docker.io", "heroku/heroku", "24", NULL },
	{ "docker.io/library/alpine:3.20", "registry-1.docker.io", "library/alpine", "3.20", NULL },
	{ "docker://ghcr.io/org/app:v1", "ghcr.io", "org/app", "v1", NULL },
	{ "127.0.0.1:5000/base:1", "127.0.0.1:5000", "base", "1", NULL },
	{ "localhost/a/b/c", "localhost", "a/b/c", "latest", NULL },
	{ "reg.example.com:8443/team/web", "reg.example.com:8443", "team/web", "latest", NULL },
	{ "reg.example.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  "reg.example.com", "web", NULL,
	  "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	{ "reg.example.com/web:v2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  "reg.example.com", "web", "v2",
	  "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
};

static const char *const bad_refs[] = {
	"", "docker://", "Busybox", "a b", "reg.example.com/", "reg.example.com//x", "/x",
	"x:", "x:bad/tag", "x@sha256:abc", "x@md5:0123",
	"x@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	"x:t@g",
};

static void parse_refs(void **state)
{
	struct image_ref r = IMAGE_REF_INIT;
	struct error err = ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		assert_int_equal(image_ref_parse(&r, refs[i].in, &err), 0);
		assert_string_equal(r.host, refs[i].host);
		assert_string_equal(r.repository, refs[i].repo);
		if (refs[i].tag)
			assert_string_equal(r.tag, refs[i].tag);
		else
			assert_null(r.tag);
		if (refs[i].digest)
			assert_string_equal(r.digest, refs[i].digest);
		else
			assert_null(r.digest);
		assert_string_equal(r.shown, refs[i].in);
		image_ref_release(&r);
	}
	for (i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++) {
		error_clear(&err);
		assert_int_equal(image_ref_parse(&r, bad_refs[i], &err), -1);
		assert_int_equal(err.kind, ERROR_USAGE);
		assert_non_null(strstr(err.msg, "is not an image reference"));
		assert_null(r.host);
	}
}

static void challenges(void **state)
{
	const char *c = " realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
			"scope=\"repository:library/busybox:pull,push repository:x:pull\",error=insufficient_scope";
	char *v;

	(void)state;
	v = registry_challenge_param(c, "realm");
	assert_string_equal(v, "https://auth.docker.io/token");
	free(v);
	v = registry_challenge_param(c, "SERVICE");
	assert_string_equal(v, "registry.docker.io");
	free(v);
	v = registry_challenge_param(c, "scope");
	assert_string_equal(v, "repository:library/busybox:pull,push repository:x:pull");
	free(v);
	v = registry_challenge_param(c, "error");
	assert_string_equal(v, "insufficient_scope");
	free(v);
	assert_null(registry_challenge_param(c, "missing"));
	/* A key inside a quoted value is not a parameter. */
	assert_null(registry_challenge_param("realm=\"x,service=y\"", "service"));
	assert_null(registry_challenge_param("realm=\"unterminated", "realm"));
	assert_null(registry_challenge_param("", "realm"));
	assert_null(registry_challenge_param("realm", "realm"));
	v = registry_challenge_param("realm=bare", "realm");
	assert_string_equal(v, "bare");
	free(v);
}

static void digests(void **state)
{
	char d[72];

	(void)state;
	registry_digest("", 0, d);
	assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_refs),
		cmocka_unit_test(challenges),
		cmocka_unit_test(digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
