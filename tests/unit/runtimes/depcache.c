/*
 * Unit tests for the dependency cache (runtimes/depcache.c): the key's field
 * framing and environment rules, and a save/restore round trip that keeps
 * modes and symlinks and refuses a damaged entry.
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
#include "depcache.h"
#include "error.h"
#include "fsutil.h"
#include "runtimes.h"
#include "strvec.h"
#include "unit.h"
#include "xalloc.h"

static void key_of(char hex[65], const char *a, const char *b)
{
	struct depcache_key k;

	depcache_key_init(&k, "test");
	depcache_key_add_str(&k, "x", a);
	depcache_key_add_str(&k, "y", b);
	depcache_key_final(&k, hex);
}

static void key_fields_are_framed(void **state)
{
	char k1[65], k2[65], k3[65];

	(void)state;
	key_of(k1, "ab", "c");
	key_of(k2, "a", "bc");
	key_of(k3, "ab", "c");
	assert_string_not_equal(k1, k2);
	assert_string_equal(k1, k3);
}

static void env_key(char hex[65], const char *const *vars, const char *build_dir)
{
	static const char *const skip[] = { "SOURCE_VERSION", NULL };
	struct strvec env = STRVEC_INIT;
	struct depcache_key k;

	strvec_pushv(&env, vars);
	depcache_key_init(&k, "test");
	depcache_key_add_env(&k, &env, skip, build_dir);
	depcache_key_final(&k, hex);
	strvec_clear(&env);
}

static void key_env_rules(void **state)
{
	const char *a[] = { "NODE_ENV=production", "PATH=/tmp/b1/app/node_modules/.bin:/usr/bin",
			    "SOURCE_VERSION=abc", "TOKEN=s1", NULL };
	/* Another order, another build directory, another commit: the same key. */
	const char *b[] = { "TOKEN=s1", "SOURCE_VERSION=def", "NODE_ENV=production",
			    "PATH=/tmp/b2/app/node_modules/.bin:/usr/bin", NULL };
	/* Another config value: another key. */
	const char *c[] = { "NODE_ENV=production", "PATH=/tmp/b1/app/node_modules/.bin:/usr/bin",
			    "SOURCE_VERSION=abc", "TOKEN=s2", NULL };
	char ka[65], kb[65], kc[65];

	(void)state;
	env_key(ka, a, "/tmp/b1");
	env_key(kb, b, "/tmp/b2");
	env_key(kc, c, "/tmp/b1");
	assert_string_equal(ka, kb);
	assert_string_not_equal(ka, kc);
}

struct fixture {
	char *root, *cache, *app1, *app2;
	struct build_env be;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->root = unit_tmpdir();
	f->cache = xstrfmt("%s/cache", f->root);
	f->app1 = xstrfmt("%s/b1/app", f->root);
	f->app2 = xstrfmt("%s/b2/app", f->root);
	unit_mkdir(f->root, "cache");
	unit_write(f->app1, "node_modules/a/index.js", "exports.a = 1;\n", 0644);
	unit_write(f->app1, "node_modules/a/cli.js", "#!/usr/bin/env node\n", 0755);
	unit_mkdir(f->app1, "node_modules/.bin");
	unit_symlink(f->app1, "node_modules/.bin/a", "../a/cli.js");
	unit_mkdir(f->app2, "");
	strvec_init(&f->be.env);
	f->be.cache = f->cache;
}

static void fixture_release(struct fixture *f)
{
	size_t i;

	for (i = 0; i < f->be.nheld; i++)
		close(f->be.held[i]);
	strvec_clear(&f->be.env);
	unit_rmtree(f->root);
	free(f->root);
	free(f->cache);
	free(f->app1);
	free(f->app2);
}

static const char KEY[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void round_trip_and_damage(void **state)
{
	struct fixture f;
	struct error err = ERROR_INIT;
	struct buf why = BUF_INIT, target = BUF_INIT;
	struct stat st;
	char *p;
	int damaged = 0;

	(void)state;
	fixture_init(&f);
	f.be.app_dir = f.app1;
	assert_int_equal(depcache_save(&f.be, KEY, "node_modules", "a test entry", &err), 0);
	/* A second save of the same key keeps the first entry. */
	assert_int_equal(depcache_save(&f.be, KEY, "node_modules", "again", &err), 0);

	f.be.app_dir = f.app2;
	assert_int_equal(depcache_restore(&f.be, KEY, "node_modules", &why, &damaged, &err), 1);
	assert_int_equal(f.be.nheld, 1);
	p = xstrfmt("%s/node_modules/a/cli.js", f.app2);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	free(p);
	p = xstrfmt("%s/node_modules/.bin/a", f.app2);
	assert_int_equal(fs_readlinkat(AT_FDCWD, p, &target, p, &err), 0);
	assert_string_equal(target.ptr, "../a/cli.js");
	free(p);

	/* One byte changed in the entry: not restored, the copy and the entry removed. */
	p = xstrfmt("%s/deps/%s/tree/a/index.js", f.cache, KEY);
	unit_write(f.cache, p + strlen(f.cache) + 1, "exports.a = 2;\n", 0644);
	free(p);
	unit_rmtree(f.app2);
	unit_mkdir(f.app2, "");
	assert_int_equal(depcache_restore(&f.be, KEY, "node_modules", &why, &damaged, &err), 0);
	assert_int_equal(damaged, 1);
	assert_non_null(strstr(why.ptr, "'a/index.js' differs from the record"));
	p = xstrfmt("%s/node_modules", f.app2);
	assert_false(fs_exists(p));
	free(p);
	p = xstrfmt("%s/deps/%s", f.cache, KEY);
	assert_false(fs_exists(p));
	free(p);
	assert_int_equal(depcache_restore(&f.be, KEY, "node_modules", &why, &damaged, &err), 0);
	assert_int_equal(damaged, 0);

	buf_release(&why);
	buf_release(&target);
	fixture_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_fields_are_framed),
		cmocka_unit_test(key_env_rules),
		cmocka_unit_test(round_trip_and_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
