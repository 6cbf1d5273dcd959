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
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
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

/* bundle install, from vendor/cache alone when the app ships it (*ctx). */
static int bundle_install(struct build_env *be, void *ctx, struct error *err)
{
	const char *install[] = { "bundle", "install", NULL };
	const char *install_local[] = { "bundle", "install", "--local", NULL };
	int local = *(const int *)ctx;

	return runtime_step(be, local ? install_local : install,
			    local ? "bundle install --local" : "bundle install", err);
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
	int ret = -1, local;

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
	local = fs_is_dir(cache);
	step.usable = bundle_key(be, r, key, &desc, &why, err);
	if (step.usable < 0)
		goto out;
	step.key = key;
	step.why = why.ptr;
	step.description = desc.ptr;
	step.ctx = &local;
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
	free(user);
	free(lock);
	free(abi);
	free(profile);
	free(rubydir);
	buf_release(&why);
	buf_release(&desc);
	return ret;
}
