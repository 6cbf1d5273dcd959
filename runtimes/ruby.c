/*
 * Ruby: Heroku's prebuilt binaries for the stack
 * (<base>/<stack>/<arch>/ruby-<version>.tgz, no top-level directory),
 * installed at ./app/vendor/ruby-<version> as heroku-buildpack-ruby does;
 * `bundle install` in deployment mode without the development and test
 * groups into vendor/bundle; assets:precompile for Rails when the task
 * exists. Heroku publishes no checksums for these binaries: a pin (an
 * inventory file, or --runtime-sha256) is checked when given, otherwise the
 * first digest seen is recorded and enforced (runtime_resolve() and
 * runtime_fetch()).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "child.h"
#include "depcache.h"
#include "detectors.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"
#include "regex.h"
#include "runtimes.h"
#include "sha256.h"
#include "url.h"
#include "xalloc.h"

#define OFFICIAL "https://heroku-buildpack-ruby.s3.dualstack.us-east-1.amazonaws.com"
#define EXACT_RE "^\\d+\\.\\d+\\.\\d+(?:\\.[a-z]+\\d*)?(?:-jruby-\\d+(?:\\.\\d+)*)?$"

static int ruby_resolve(const struct runtime_options *o, const char *requirement,
			struct resolved *out, struct error *err);
static int ruby_install(struct build_env *be, const struct resolved *r, const char *archive,
			struct error *err);
/*
 * The dependency cache key of vendor/bundle (depcache.h): everything the
 * installed bundle depends on, so that a restored bundle is what a clean
 * `bundle install` gives (the slug is the same bytes warm or cold). Gems with
 * native extensions are built for one Ruby (version and archive) on one
 * stack and architecture; the gems are what Gemfile and its lockfile say,
 * from the gem files in vendor/cache when the app ships them; Bundler's
 * settings and every config var are in the build environment. 1 usable, 0
 * not (why says), -1 on error.
 */
static int bundle_key(const struct build_env *be, const struct resolved *r, char key[65],
		      struct buf *desc, struct buf *why, struct error *err)
{
	static const char *const files[] = { "Gemfile", "Gemfile.lock", "gems.rb", "gems.locked",
					     ".bundle/config", NULL };
	/* This app's Bundler home is where a cache lives, not what is installed. */
	static const char *const skip[] = { "BUNDLE_USER_HOME", NULL };
	char *lockpath = path_join(be->app_dir, "Gemfile.lock"), *shipped = path_join(be->app_dir,
										      "vendor/bundle");
	char *cachedir = path_join(be->app_dir, "vendor/cache"), *build_dir = NULL;
	struct strvec gems = STRVEC_INIT;
	struct buf lock = BUF_INIT;
	struct depcache_key k;
	size_t i;
	int ret = -1;

	if (!fs_exists(lockpath)) {
		free(lockpath);
		lockpath = path_join(be->app_dir, "gems.locked");
	}
	if (!fs_exists(lockpath)) {
		buf_addstr(why, "no Gemfile.lock: without one the installed gems are not determined by "
			   "the app's files");
		ret = 0;
		goto out;
	}
	if (fs_exists(shipped) || fs_is_symlink(shipped)) {
		buf_addstr(why, "the app ships vendor/bundle");
		ret = 0;
		goto out;
	}
	if (!r->sha256) {
		buf_addstr(why, "the Ruby archive has no digest");
		ret = 0;
		goto out;
	}
	if (buf_read_file(&lock, lockpath, 64 * 1024 * 1024, err) < 0)
		goto out;
	/* A gem from a path in the app is the app's code, not a dependency. */
	if (!strncmp(lock.ptr, "PATH\n", 5) || strstr(lock.ptr, "\nPATH\n")) {
		buf_addstr(why, "the lockfile has a gem from a local path (PATH), part of the app's code");
		ret = 0;
		goto out;
	}
	depcache_key_init(&k, "ruby vendor/bundle");
	depcache_key_add_str(&k, "ruby version", r->version);
	depcache_key_add_str(&k, "ruby sha256", r->sha256);
	depcache_key_add_str(&k, "arch", runtime_go_arch());
	for (i = 0; files[i]; i++) {
		char *path = path_join(be->app_dir, files[i]);
		int r2 = depcache_key_add_file(&k, files[i], path, err);

		free(path);
		if (r2 < 0)
			goto fail;
	}
	/* The gem files `bundle install --local` installs from, by name and content. */
	if (fs_is_dir(cachedir)) {
		DIR *d = opendir(cachedir);
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.')
				strvec_push(&gems, de->d_name);
		if (d)
			closedir(d);
		strvec_sort(&gems);
		for (i = 0; i < gems.nr; i++) {
			char *path = path_join(cachedir, gems.v[i]);
			int r2 = fs_is_dir(path) ? (depcache_key_add_str(&k, "vendor/cache dir", gems.v[i]), 0)
						 : depcache_key_add_file(&k, gems.v[i], path, err);

			free(path);
			if (r2 < 0)
				goto fail;
		}
	}
	build_dir = xstrdup(be->app_dir);
	if (strrchr(build_dir, '/'))
		*strrchr(build_dir, '/') = '\0';
	/* STACK, Bundler's settings, RACK_ENV/RAILS_ENV and every config var (hashed only). */
	depcache_key_add_env(&k, &be->env, skip, build_dir);
	depcache_key_final(&k, key);
	buf_addf(desc, "Ruby %s vendor/bundle, %s", r->version, strrchr(lockpath, '/') + 1);
	ret = 1;
	goto out;
fail:
	sha256_release(&k.h);
out:
	strvec_clear(&gems);
	buf_release(&lock);
	free(lockpath);
	free(shipped);
	free(cachedir);
	free(build_dir);
	return ret;
}

static int ruby_build(struct build_env *be, const struct resolved *r, struct error *err);

const struct runtime runtime_ruby = {
	"ruby", "Ruby", ruby_resolve, ruby_install, ruby_build,
};

static int ruby_resolve(const struct runtime_options *o, const char *requirement,
			struct resolved *out, struct error *err)
{
	const char *base = o->mirror ? o->mirror : OFFICIAL;
	int r;

	if (!requirement)
		requirement = o->defaults->ruby_default;
	r = regex_match(regex_static(EXACT_RE, 0), requirement, strlen(requirement), NULL, err);
	if (r < 0)
		return -1;
	if (!r)
		return error_set(err, "Ruby '%s' is not an exact version; Heroku installs the exact one "
				 "Gemfile.lock records: run 'bundle lock' with ruby \"x.y.z\" in the Gemfile",
				 requirement);
	out->version = xstrdup(requirement);
	out->filename = xstrfmt("ruby-%s.tgz", requirement);
	/* heroku-22 had no arch directory; later stacks have amd64/ and arm64/. */
	if (!strcmp(o->stack, "heroku-22"))
		out->url = xstrfmt("%s/%s/%s", base, o->stack, out->filename);
	else
		out->url = xstrfmt("%s/%s/%s/%s", base, o->stack, runtime_go_arch(), out->filename);
	/* No checksum is published: runtime_resolve() applies a pin or trust on first use. */
	return 0;
}

static int ruby_install(struct build_env *be, const struct resolved *r, const char *archive,
			struct error *err)
{
	char *rel = xstrfmt("vendor/ruby-%s", r->version);
	char *vendor = path_join(be->app_dir, "vendor"), *dest = path_join(be->app_dir, rel);
	char *bin = path_join(dest, "bin");
	int ret = -1;

	out_info("Installing Ruby %s into %s", r->version, rel);
	if (fs_mkdir_p(vendor, 0755, err) < 0)
		goto out;
	if (fs_exists(dest)) {
		error_set(err, "the app already has %s; remove it from the source", rel);
		goto out;
	}
	/*
	 * Unpacked once into the cache and hard-linked, as Node.js is
	 * (runtime_link). Heroku's Ruby archives have no top-level directory.
	 */
	if (runtime_link(be, r, archive, 0, rel, err) < 0)
		goto out;
	runtime_path_prepend(&be->env, bin);
	ret = 0;
out:
	free(rel);
	free(vendor);
	free(dest);
	free(bin);
	return ret;
}

/* vendor/bundle/ruby/<abi>, the directory Bundler installed into (e.g. "3.1.0"), or NULL. */
static char *bundle_abi(const char *app_dir)
{
	char *dir = path_join(app_dir, "vendor/bundle/ruby"), *abi = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && !abi)
				abi = xstrdup(de->d_name);
		closedir(d);
	}
	free(dir);
	return abi;
}

/* Whether `bundle exec rake -P` lists the task (as Heroku checks before running it). */
static int has_rake_task(struct build_env *be, const char *task)
{
	struct child c = CHILD_INIT;
	struct error ignored = ERROR_INIT;
	int r;

	strvec_push(&c.argv, "bundle");
	strvec_push(&c.argv, "exec");
	strvec_push(&c.argv, "rake");
	strvec_push(&c.argv, "-P");
	strvec_pushv(&c.env, (const char *const *)be->env.v);
	c.dir = be->app_dir;
	c.quiet = 1;
	r = child_run(&c, &ignored) == 0 && strstr(c.tail.ptr, task) != NULL;
	child_release(&c);
	return r;
}

/*
 * Bundler's downloads kept between builds (issue 18: a changed lockfile
 * fetches only the gems this app's cache does not have). Bundler installs a
 * gem from vendor/bundle/<engine>/<abi>/cache/<name>-<version>.gem and
 * downloads it only when that file is missing, so before `bundle install`
 * the .gem files of the lockfile's gems are copied there from
 * <app cache>/gem-downloads/<sha256 of the source URL>/, and after it the
 * files Bundler fetched are kept there. Invariants:
 *
 *  1. The installed bundle is what a cold install gives: a seeded file has
 *     the bytes Bundler would download (2), ends up in the bundle only when
 *     its gem was installed, where a cold install keeps the downloaded file
 *     too, and is removed otherwise (gems of groups not installed), with the
 *     cache directory when it was made for it alone.
 *  2. A gem file is the one its source serves for that name and version:
 *     the store is per source URL (credentials stripped before hashing, so
 *     none is in a path), a version on a gem source is immutable
 *     (rubygems.org never accepts a version twice), the file's sha256 is
 *     recorded beside it and checked while copying, and a CHECKSUMS entry in
 *     the lockfile (Bundler >= 2.5) must match too. A mismatch evicts the
 *     file and Bundler downloads it.
 *  3. Only Bundler's own downloads enter the store: not with vendor/cache
 *     (the app's gem files, which may be anything), nor when the app ships
 *     vendor/bundle or a .bundle/config (which may move the install).
 *  4. The store never makes a build fail: a copy that does not work is a
 *     download.
 */
struct gem_store {
	struct strvec files;  /* "rack-2.2.22.gem", from single-remote GEM sections */
	struct strvec dirs;   /* parallel: the store directory of its source */
	struct strvec sums;   /* "<file> <sha256>" from CHECKSUMS */
	char *cache;          /* <app>/vendor/bundle/<engine>/<abi>/cache */
	char *specs;          /* <app>/vendor/bundle/<engine>/<abi>/specifications */
	struct strvec seeded; /* files copied in */
	struct strvec made;   /* directories made for them, outermost first */
};
#define GEM_STORE_INIT { STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, NULL, NULL, STRVEC_INIT, STRVEC_INIT }

static void gem_store_release(struct gem_store *g)
{
	strvec_clear(&g->files);
	strvec_clear(&g->dirs);
	strvec_clear(&g->sums);
	free(g->cache);
	free(g->specs);
	strvec_clear(&g->seeded);
	strvec_clear(&g->made);
}

/* A gem name or version as a file name part: [A-Za-z0-9._-]+, not starting with '.'. */
static int gem_word(const char *s, size_t n)
{
	size_t i;

	if (!n || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * "name (version)" at line (after the indent) as "name-version.gem" (the
 * version includes the platform, "1.16.0-x86_64-linux", as the file name
 * does), with *rest after the ")"; NULL when the line is anything else.
 */
static char *gem_file_of(const char *line, size_t n, const char **rest)
{
	const char *sp = memchr(line, ' ', n), *close;

	if (!sp || (size_t)(sp - line) + 2 > n || sp[1] != '(')
		return NULL;
	close = memchr(sp, ')', n - (size_t)(sp - line));
	if (!close || !gem_word(line, (size_t)(sp - line)) ||
	    !gem_word(sp + 2, (size_t)(close - sp - 2)))
		return NULL;
	*rest = close + 1;
	return xstrfmt("%.*s-%.*s.gem", (int)(sp - line), line, (int)(close - sp - 2), sp + 2);
}

/*
 * The lockfile's gems from gem sources: the specs of each GEM section with
 * exactly one remote (with several, Bundler may take a gem from any), and
 * the sha256 entries of CHECKSUMS. Lines it does not understand are left
 * out: a gem left out is downloaded, as without the store.
 */
static void gem_store_read_lock(struct gem_store *g, const char *store, const char *text)
{
	const char *p = text;
	char section[16] = "", *dir = NULL;
	int remotes = 0, in_specs = 0;

	while (*p) {
		const char *nl = strchr(p, '\n'), *rest;
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *file;

		if (n && p[n - 1] == '\r')
			n--;
		if (n && p[0] != ' ') {
			snprintf(section, sizeof(section), "%.*s", (int)(n < 15 ? n : 15), p);
			free(dir);
			dir = NULL;
			remotes = in_specs = 0;
		} else if (!strcmp(section, "GEM") && n > 10 && !strncmp(p, "  remote: ", 10)) {
			char *url = xstrfmt("%.*s", (int)(n - 10), p + 10), *bare = url_strip_credentials(url);
			char key[65];

			cache_key(bare, key);
			free(dir);
			dir = path_join(store, key);
			remotes++;
			free(url);
			free(bare);
		} else if (!strcmp(section, "GEM") && n == 8 && !strncmp(p, "  specs:", 8)) {
			in_specs = 1;
		} else if (!strcmp(section, "GEM") && in_specs && remotes == 1 && n > 4 &&
			   !strncmp(p, "    ", 4) && p[4] != ' ' &&
			   (file = gem_file_of(p + 4, n - 4, &rest))) {
			if ((size_t)(rest - p) == n) {
				strvec_push(&g->files, file);
				strvec_push(&g->dirs, dir);
			}
			free(file);
		} else if (!strcmp(section, "CHECKSUMS") && n > 2 && !strncmp(p, "  ", 2) &&
			   (file = gem_file_of(p + 2, n - 2, &rest))) {
			const char *sha = strstr(rest, " sha256=");

			if (sha && (size_t)(sha - p) + 8 + 64 <= n)
				strvec_pushf(&g->sums, "%s %.64s", file, sha + 8);
			free(file);
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	free(dir);
}

/* The lockfile's sha256 of a gem file, or NULL. */
static const char *gem_store_lock_sum(const struct gem_store *g, const char *file)
{
	size_t i, n = strlen(file);

	for (i = 0; i < g->sums.nr; i++)
		if (!strncmp(g->sums.v[i], file, n) && g->sums.v[i][n] == ' ')
			return g->sums.v[i] + n + 1;
	return NULL;
}

/* Bundler's gem directory (vendor/bundle/ruby/3.1.0), asked of the Ruby just installed. */
static int gem_store_paths(struct build_env *be, struct gem_store *g, struct error *err)
{
	struct child c = CHILD_INIT;
	struct buf out = BUF_INIT;
	char *base = NULL, *slash;
	int ret = -1;

	strvec_pushv(&c.argv, (const char *const[]){ "ruby", "-e",
		"print RUBY_ENGINE, '/', RbConfig::CONFIG['ruby_version']", NULL });
	strvec_pushv(&c.env, (const char *const *)be->env.v);
	c.dir = be->app_dir;
	c.quiet = 1;
	c.capture = &out;
	c.what = "ruby (Bundler's gem directory)";
	if (child_run(&c, err) < 0)
		goto out;
	buf_rtrim(&out);
	slash = strchr(out.ptr, '/');
	if (!slash || !gem_word(out.ptr, (size_t)(slash - out.ptr)) ||
	    !gem_word(slash + 1, strlen(slash + 1))) {
		error_set(err, "ruby printed '%.80s' for its engine and ABI version", out.ptr);
		goto out;
	}
	base = xstrfmt("%s/vendor/bundle/%s", be->app_dir, out.ptr);
	g->cache = path_join(base, "cache");
	g->specs = path_join(base, "specifications");
	ret = 0;
out:
	child_release(&c);
	buf_release(&out);
	free(base);
	return ret;
}

/*
 * Copy src to dst (created; umask mode, as Bundler's download) while
 * hashing it; 1 when its sha256 is `want`, 0 when not (dst removed), -1 on
 * an error (dst removed).
 */
static int gem_copy_checked(const char *src, const char *dst, const char *want, struct error *err)
{
	char buf[65536], hex[65];
	unsigned char digest[32];
	struct sha256 h;
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out = -1, ret = -1;
	ssize_t n = 0;

	sha256_init(&h);
	if (in < 0) {
		error_set(err, "cannot open '%s': %s", src, strerror(errno));
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (out < 0) {
		error_set(err, "cannot create '%s': %s", dst, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (fs_write_all(out, buf, (size_t)n, dst, err) < 0)
			goto out;
		else
			sha256_update(&h, buf, (size_t)n);
	if (n < 0) {
		error_set(err, "cannot read '%s': %s", src, strerror(errno));
		goto out;
	}
	n = close(out);
	out = -1;
	if (n < 0) {
		error_set(err, "cannot write '%s': %s", dst, strerror(errno));
		unlink(dst);
		goto out;
	}
	sha256_final(&h, digest);
	sha256_hex(digest, hex);
	ret = !strcmp(hex, want);
	if (!ret)
		unlink(dst);
out:
	if (ret < 0)
		sha256_release(&h);
	if (out >= 0) {
		close(out);
		unlink(dst);
	}
	if (in >= 0)
		close(in);
	return ret;
}

/* Remove a stored gem file and its digest. */
static void gem_store_evict(const char *stored)
{
	char *sum = xstrfmt("%s.sha256", stored);

	unlink(stored);
	unlink(sum);
	free(sum);
}

/* mkdir -p g->cache, remembering the directories made (for gem_store_finish). */
static int gem_store_mkdir(struct build_env *be, struct gem_store *g, struct error *err)
{
	const char *p = g->cache + strlen(be->app_dir);

	for (;;) {
		const char *slash = strchr(p + 1, '/');
		char *dir = xstrndup(g->cache, slash ? (size_t)(slash - g->cache) : strlen(g->cache));

		if (mkdir(dir, 0777) == 0) {
			strvec_push(&g->made, dir);
		} else if (errno != EEXIST) {
			error_set(err, "cannot create '%s': %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
		if (!slash)
			return 0;
		p = slash;
	}
}

/* Before bundle install: copy in the stored files of the lockfile's gems. */
static void gem_store_seed(struct build_env *be, struct gem_store *g)
{
	struct error err = ERROR_INIT;
	size_t i, seeded = 0, bad = 0;

	for (i = 0; i < g->files.nr; i++) {
		char *stored = path_join(g->dirs.v[i], g->files.v[i]), *sumpath = xstrfmt("%s.sha256", stored);
		char *dst = NULL;
		const char *lock_sum = gem_store_lock_sum(g, g->files.v[i]);
		struct buf sum = BUF_INIT;
		int r;

		if (!fs_exists(stored))
			goto next;
		if (buf_read_prefix(&sum, sumpath, 80) < 0) {
			/* A file kept without its digest (an interrupted keep): never used. */
			gem_store_evict(stored);
			goto next;
		}
		buf_rtrim(&sum);
		if (sum.len != 64 || (lock_sum && strcmp(lock_sum, sum.ptr))) {
			/* Not what was stored, or not what the lockfile now says: download it. */
			out_warn("the cached download of %s does not match %s: removed it; Bundler downloads it",
				 g->files.v[i], sum.len != 64 ? "its recorded digest" : "the lockfile's CHECKSUMS");
			gem_store_evict(stored);
			bad++;
			goto next;
		}
		if (!g->made.nr && !fs_is_dir(g->cache) && gem_store_mkdir(be, g, &err) < 0)
			goto fail;
		dst = path_join(g->cache, g->files.v[i]);
		r = gem_copy_checked(stored, dst, sum.ptr, &err);
		if (r < 0)
			goto fail;
		if (!r) {
			out_warn("the cached download of %s was damaged (its sha256 changed): removed it; "
				 "Bundler downloads it", g->files.v[i]);
			gem_store_evict(stored);
			bad++;
		} else {
			strvec_push(&g->seeded, g->files.v[i]);
			seeded++;
		}
		goto next;
fail:
		out_trace("gem downloads: cannot copy %s: %s", g->files.v[i], err.msg);
		error_clear(&err);
next:
		free(stored);
		free(sumpath);
		free(dst);
		buf_release(&sum);
	}
	if (seeded)
		out_info("Reusing %zu of %zu gem downloads from the build cache (sha256 verified)", seeded,
			 g->files.nr);
	out_trace("gem downloads: %zu of the lockfile's %zu gem files from the build cache, %zu damaged",
		  seeded, g->files.nr, bad);
}

/* Keep one gem file Bundler fetched: hashed while copied beside its target, renamed in. */
static int gem_store_keep(const char *src, const char *dir, const char *file, const char *lock_sum,
			  struct error *err)
{
	char *stored = path_join(dir, file), *tmp = NULL, *sumpath = xstrfmt("%s.sha256", stored);
	char hex[65];
	unsigned long long size;
	int ret = -1, r;

	if (sha256_file(src, hex, &size, err) < 0)
		goto out;
	/* Bundler >= 2.5 refused a file that does not match; keep none that does not. */
	if (lock_sum && strcmp(lock_sum, hex)) {
		ret = 0;
		goto out;
	}
	if (fs_mkdir_p(dir, 0700, err) < 0)
		goto out;
	tmp = xstrfmt("%s.tmp.%ld", stored, (long)getpid());
	unlink(tmp);
	r = gem_copy_checked(src, tmp, hex, err);
	if (r <= 0) {
		if (!r)
			error_set(err, "'%s' changed while it was copied", src);
		goto out;
	}
	/* The digest first: a reader finding the file finds its digest (a stale one evicts it). */
	if (fs_write_file_atomic(sumpath, hex, 64, err) < 0)
		goto out;
	if (rename(tmp, stored) < 0) {
		error_set(err, "cannot rename '%s' to '%s': %s", tmp, stored, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(stored);
	free(sumpath);
	return ret;
}

/*
 * After a successful bundle install: remove the seeded files of gems not
 * installed and the directories made for nothing (invariant 1), then keep
 * what Bundler fetched.
 */
static void gem_store_finish(struct gem_store *g)
{
	struct error err = ERROR_INIT;
	size_t i, kept = 0, dropped = 0;

	for (i = 0; i < g->seeded.nr; i++) {
		const char *file = g->seeded.v[i];
		char *spec = xstrfmt("%s/%.*s.gemspec", g->specs, (int)(strlen(file) - 4), file);

		if (!fs_exists(spec)) {
			char *dst = path_join(g->cache, file);

			unlink(dst);
			free(dst);
			dropped++;
		}
		free(spec);
	}
	/*
	 * Bundler makes vendor/bundle/<engine>/<abi> on every install, the
	 * cache directory only for a download: only that one goes when empty.
	 */
	if (g->made.nr && !strcmp(g->made.v[g->made.nr - 1], g->cache))
		rmdir(g->cache);
	for (i = 0; i < g->files.nr; i++) {
		char *src = path_join(g->cache, g->files.v[i]), *stored = path_join(g->dirs.v[i], g->files.v[i]);

		if (strvec_find(&g->seeded, g->files.v[i]) < 0 && fs_exists(src) && !fs_exists(stored)) {
			if (gem_store_keep(src, g->dirs.v[i], g->files.v[i],
					   gem_store_lock_sum(g, g->files.v[i]), &err) < 0) {
				out_trace("gem downloads: cannot keep %s: %s", g->files.v[i], err.msg);
				error_clear(&err);
			} else {
				kept++;
			}
		}
		free(src);
		free(stored);
	}
	out_trace("gem downloads: kept %zu new gem files; %zu reused ones were of gems not installed",
		  kept, dropped);
}

/*
 * Whether this install may use the store (invariant 3), and if so the
 * lockfile's gems and Bundler's directories; 0 not used (*why says why),
 * 1 used.
 */
static int gem_store_open(struct build_env *be, struct gem_store *g, const char **why)
{
	static const char *const locks[] = { "Gemfile.lock", "gems.locked", NULL };
	struct error err = ERROR_INIT;
	struct buf lock = BUF_INIT;
	char *store = path_join(be->app_cache, "gem-downloads"), *path = NULL;
	size_t i;
	int ret = 0;

	*why = NULL;
	for (i = 0; locks[i] && !path; i++) {
		path = path_join(be->app_dir, locks[i]);
		if (!fs_exists(path)) {
			free(path);
			path = NULL;
		}
	}
	if (!path)
		*why = "no lockfile";
	else if (buf_read_file(&lock, path, 64 * 1024 * 1024, &err) < 0)
		*why = "the lockfile cannot be read";
	if (!*why) {
		gem_store_read_lock(g, store, lock.ptr);
		if (!g->files.nr)
			*why = "no gems from a gem source in the lockfile";
		else if (gem_store_paths(be, g, &err) < 0)
			*why = "Bundler's gem directory is unknown";
	}
	if (*why) {
		if (err.msg[0])
			out_trace("gem downloads: %s", err.msg);
		error_clear(&err);
		goto out;
	}
	ret = 1;
out:
	buf_release(&lock);
	free(store);
	free(path);
	return ret;
}

/* What bundle_install() is given. */
struct bundle_ctx {
	int local;            /* install from vendor/cache alone */
	const char *no_store; /* why the gem downloads are not kept, or NULL */
};

/* bundle install (from vendor/cache alone when the app ships it), with the gem downloads kept. */
static int bundle_install(struct build_env *be, void *ctx, struct error *err)
{
	const char *install[] = { "bundle", "install", NULL };
	const char *install_local[] = { "bundle", "install", "--local", NULL };
	const struct bundle_ctx *bc = ctx;
	struct gem_store g = GEM_STORE_INIT;
	const char *why = bc->no_store;
	int ret, store = 0;

	if (!why)
		store = gem_store_open(be, &g, &why);
	if (store)
		gem_store_seed(be, &g);
	else
		out_trace("gem downloads: not kept (%s)", why);
	ret = runtime_step(be, bc->local ? install_local : install,
			   bc->local ? "bundle install --local" : "bundle install", err);
	if (ret == 0 && store)
		gem_store_finish(&g);
	gem_store_release(&g);
	return ret;
}

static int ruby_build(struct build_env *be, const struct resolved *r, struct error *err)
{
	const struct detection *d = be->detection;
	const char *precompile[] = { "bundle", "exec", "rake", "assets:precompile", NULL };
	char *cache = path_join(be->app_dir, "vendor/cache"), *user = path_join(be->app_cache, "bundler");
	char *lock = path_join(be->app_dir, "Gemfile.lock"), *abi = NULL, *profile = NULL;
	char *rubydir = xstrfmt("vendor/ruby-%s", r->version), key[65];
	struct depcache_step step = { "vendor/bundle", 0, "", NULL, NULL, bundle_install, NULL };
	struct buf why = BUF_INIT, desc = BUF_INIT;
	struct bundle_ctx bc = { 0, NULL };
	char *shipped = path_join(be->app_dir, "vendor/bundle");
	char *app_config = path_join(be->app_dir, ".bundle/config");
	int ret = -1;

	/* heroku-buildpack-ruby's Bundler settings. */
	env_set(&be->env, "BUNDLE_PATH", "vendor/bundle");
	env_set(&be->env, "BUNDLE_BIN", "vendor/bundle/bin");
	env_set(&be->env, "BUNDLE_WITHOUT", "development:test");
	env_set(&be->env, "BUNDLE_USER_HOME", user);
	/*
	 * Four jobs, three retries, as Heroku's `bundle install --jobs=4
	 * --retry=3`, but as settings: Bundler writes flags it is given into the
	 * app's .bundle/config, which would then be part of the install's output.
	 */
	if (!env_get(&be->env, "BUNDLE_JOBS"))
		env_set(&be->env, "BUNDLE_JOBS", "4");
	if (!env_get(&be->env, "BUNDLE_RETRY"))
		env_set(&be->env, "BUNDLE_RETRY", "3");
	/* Build servers often run as root; the warning tells the user nothing here. */
	env_set(&be->env, "BUNDLE_SILENCE_ROOT_WARNING", "1");
	/* As Heroku: gems the app no longer uses are removed from the bundle. */
	env_set(&be->env, "BUNDLE_CLEAN", "1");
	if (fs_exists(lock))
		env_set(&be->env, "BUNDLE_DEPLOYMENT", "1");
	if (!env_get(&be->env, "RACK_ENV"))
		env_set(&be->env, "RACK_ENV", "production");
	if (!env_get(&be->env, "RAILS_ENV"))
		env_set(&be->env, "RAILS_ENV", "production");

	/* Gems vendored in vendor/cache install without network access. */
	bc.local = fs_is_dir(cache);
	/* What would make Bundler's downloads not only its own, or install elsewhere (gem_store). */
	if (bc.local)
		bc.no_store = "the app ships vendor/cache";
	else if (fs_exists(shipped) || fs_is_symlink(shipped))
		bc.no_store = "the app ships vendor/bundle";
	else if (fs_exists(app_config) || env_get(&be->env, "BUNDLE_APP_CONFIG"))
		bc.no_store = "the app has its own Bundler config";
	step.usable = bundle_key(be, r, key, &desc, &why, err);
	if (step.usable < 0)
		goto out;
	step.key = key;
	step.why = why.ptr;
	step.description = desc.ptr;
	step.ctx = &bc;
	out_step("Installing dependencies using bundler");
	if (depcache_install(be, &step, err) < 0)
		goto out;
	if (d->framework && !strcmp(d->framework, "Rails") && has_rake_task(be, "assets:precompile")) {
		out_step("Preparing app for Rails asset pipeline");
		if (runtime_step(be, precompile, "rake assets:precompile", err) < 0)
			goto out;
	}

	abi = bundle_abi(be->app_dir);
	profile = xstrfmt(
		"# Written by slugc: Ruby and the bundle at dyno boot, as heroku-buildpack-ruby does.\n"
		"export LANG=${LANG:-en_US.UTF-8}\n"
		"export RACK_ENV=${RACK_ENV:-production}\n"
		"export RAILS_ENV=${RAILS_ENV:-production}\n"
		"export RAILS_SERVE_STATIC_FILES=${RAILS_SERVE_STATIC_FILES:-enabled}\n"
		"export RAILS_LOG_TO_STDOUT=${RAILS_LOG_TO_STDOUT:-enabled}\n"
		"export BUNDLE_PATH=vendor/bundle BUNDLE_BIN=vendor/bundle/bin BUNDLE_WITHOUT=development:test%s\n"
		"%s%s%s"
		"export PATH=\"$HOME/bin:$HOME/vendor/bundle/bin:%s%s%s$HOME/%s/bin:$PATH\"\n",
		fs_exists(lock) ? " BUNDLE_DEPLOYMENT=1" : "",
		abi ? "export GEM_PATH=\"$HOME/vendor/bundle/ruby/" : "", abi ? abi : "",
		abi ? ":$GEM_PATH\"\n" : "",
		abi ? "$HOME/vendor/bundle/ruby/" : "", abi ? abi : "", abi ? "/bin:" : "", rubydir);
	ret = runtime_write_profile(be->app_dir, "ruby.sh", profile, err);
out:
	free(cache);
	free(shipped);
	free(app_config);
	free(user);
	free(lock);
	free(abi);
	free(profile);
	free(rubydir);
	buf_release(&why);
	buf_release(&desc);
	return ret;
}
