/*
 * The buildpacks stage: with a buildpack list (buildpack.h), every step in
 * list order instead of the runtimes and build stages. A native step is
 * slugc's own runtime install and dependency step for a language; an
 * external one is a classic buildpack run as Heroku runs it
 * (docs/buildpacks.md):
 *
 *   bin/detect BUILD_DIR                    its first line names the app
 *   bin/compile BUILD_DIR CACHE_DIR ENV_DIR STACK, SOURCE_VERSION, BUILD_DIR,
 *                                           CACHE_DIR, ENV_DIR set; config
 *                                           vars only in ENV_DIR
 *   <buildpack>/export                      sourced: the next steps' env
 *   bin/release BUILD_DIR                   YAML, parsed in buildpack.c
 *
 * Invariants:
 *  1. Every step is a child process (child.h) in its own process group,
 *     with a clean environment: what the build environment sets (install.c),
 *     plus what earlier steps exported. Config vars are exported to native
 *     steps (as without a list) and never to external ones.
 *  2. `carried` is the environment the next step starts from; a native
 *     step's changes to it (PATH to its runtime, NODE_HOME, ...) are carried
 *     as an export file's would be.
 *  3. The steps together get --timeout seconds; each child's limit is what
 *     is left.
 *  4. An external buildpack runs from a private copy in the work directory,
 *     with a cache directory of its own per app
 *     (<app cache>/buildpacks/<key>), held under an exclusive lock while it
 *     compiles. Nothing outside BUILD_DIR is packed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "build.h"
#include "cache.h"
#include "child.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"
#include "url.h"
#include "xalloc.h"

#define EXPORT_MAX (1024 * 1024)

struct steps {
	struct build *b;
	struct strvec carried;
	char *env_dir;       /* ENV_DIR: one file per config var */
	struct timespec start;
};

/* Seconds left of --timeout; 0 when none is. */
static unsigned remaining(const struct steps *s)
{
	struct timespec now;
	long used;

	clock_gettime(CLOCK_MONOTONIC, &now);
	used = (long)(now.tv_sec - s->start.tv_sec);
	return used >= (long)s->b->opt.timeout ? 0 : (unsigned)((long)s->b->opt.timeout - used);
}

static int check_time(const struct steps *s, struct error *err)
{
	if (!remaining(s))
		return error_set(err, "the buildpacks did not finish within %u seconds (--timeout)",
				 s->b->opt.timeout);
	return 0;
}

/* ENV_DIR as Heroku hands it to bin/compile: NAME → value, 0600, in a private directory. */
static int write_env_dir(struct steps *s, struct error *err)
{
	size_t i;

	s->env_dir = path_join(s->b->work_dir, "env");
	if (fs_mkdir_p(s->env_dir, 0700, err) < 0)
		return -1;
	for (i = 0; i < s->b->config.nr; i++) {
		const char *v = s->b->config.v[i], *eq = strchr(v, '=');
		char *file = xstrfmt("%s/%.*s", s->env_dir, (int)(eq - v), v);
		int r = fs_write_file_atomic(file, eq + 1, strlen(eq + 1), err);

		free(file);
		if (r < 0)
			return -1;
	}
	return 0;
}

static const char *config_value(const struct build *b, const char *entry, size_t namelen)
{
	size_t i;

	for (i = 0; i < b->config.nr; i++)
		if (!strncmp(b->config.v[i], entry, namelen) && b->config.v[i][namelen] == '=')
			return b->config.v[i] + namelen + 1;
	return NULL;
}

/* A native step: slugc's runtime install and dependency step for the language. */
static int run_native(struct steps *s, struct buildpack *bp, struct error *err)
{
	struct build *b = s->b;
	struct strvec next = STRVEC_INIT;
	size_t i;

	out_step("%s app detected (slugc's %s step)", bp->description, bp->lang);
	strvec_clear(&b->be.env);
	strvec_pushv(&b->be.env, (const char *const *)s->carried.v);
	build_export_config(&b->config, &b->be.env);
	if (install_language(b, (size_t)bp->detection, err) < 0 ||
	    deps_language(b, (size_t)bp->detection, err) < 0)
		return -1;
	/* What it changed is carried on; config vars it left as they were go back out. */
	for (i = 0; i < b->be.env.nr; i++) {
		const char *e = b->be.env.v[i], *eq = strchr(e, '=');
		size_t n = (size_t)(eq - e);
		const char *cv = config_value(b, e, n);

		if (cv && !strcmp(cv, eq + 1)) {
			char *name = xstrndup(e, n);
			const char *old = env_get(&s->carried, name);

			if (old)
				strvec_pushf(&next, "%s=%s", name, old);
			free(name);
			continue;
		}
		strvec_push(&next, e);
	}
	strvec_clear(&s->carried);
	s->carried = next;
	return 0;
}

/* Run one program of a buildpack; quiet keeps its output for the caller (bin/detect). */
static int run_bin(struct steps *s, struct child *c, const struct strvec *env, int quiet,
		   struct error *err)
{
	if (check_time(s, err) < 0)
		return -1;
	strvec_pushv(&c->env, (const char *const *)env->v);
	c->dir = s->b->app_dir;
	c->quiet = quiet;
	c->timeout = remaining(s);
	if (child_run(c, err) == 0)
		return 0;
	if (err->kind != ERROR_INTERRUPTED && !remaining(s))
		error_set(err, "'%s' was stopped: the buildpacks did not finish within %u seconds "
			  "(--timeout)", c->what ? c->what : c->argv.v[0], s->b->opt.timeout);
	return -1;
}

static int detect(struct steps *s, struct buildpack *bp, struct error *err)
{
	struct child c = CHILD_INIT;
	char *prog = path_join(bp->dir, "bin/detect"), *what = NULL;
	int r, ret = -1;

	if (!fs_exists(prog)) {
		bp->description = xstrdup(bp->name);
		ret = 0;
		goto out;
	}
	what = xstrfmt("%s bin/detect", bp->name);
	strvec_push(&c.argv, prog);
	strvec_push(&c.argv, s->b->app_dir);
	c.what = what;
	r = run_bin(s, &c, &s->carried, 1, err);
	if (r < 0 && (err->kind == ERROR_INTERRUPTED || !c.status || strstr(err->msg, "--timeout")))
		goto out;
	if (r < 0) {
		/* Asked for explicitly, so it runs anyway (Heroku's detect picks; a list has picked). */
		out_warn("%s bin/detect does not recognise this app (exit status %d); it runs because "
			 "%s names it", bp->name, c.status, s->b->bps.origin);
		error_clear(err);
		bp->description = xstrdup(bp->name);
	} else {
		size_t n = strcspn(c.tail.ptr, "\n");

		bp->description = n ? xstrndup(c.tail.ptr, n) : xstrdup(bp->name);
	}
	ret = 0;
out:
	child_release(&c);
	free(prog);
	free(what);
	return ret;
}

static int compile(struct steps *s, struct buildpack *bp, struct error *err)
{
	struct build *b = s->b;
	struct cache_lock lock = CACHE_LOCK_INIT;
	struct strvec env = STRVEC_INIT;
	struct child c = CHILD_INIT;
	char key[65], *cache = NULL, *lockpath = NULL, *what = NULL;
	int ret = -1;

	/* One cache per app per buildpack: its URL without the ref, its directory, its name. */
	{
		char *id = bp->url ? url_strip_credentials(bp->url) : xstrdup(bp->path ? bp->path : bp->name);

		cache_key(id, key);
		free(id);
	}
	cache = xstrfmt("%s/buildpacks/%.16s", b->app_cache, key);
	lockpath = xstrfmt("%s.lock", cache);
	if (fs_mkdir_p(cache, 0700, err) < 0 || cache_lock(&lock, lockpath, 1, err) < 0)
		goto out;
	cache_touch(cache);
	strvec_pushv(&env, (const char *const *)s->carried.v);
	env_set(&env, "BUILD_DIR", b->app_dir);
	env_set(&env, "CACHE_DIR", cache);
	env_set(&env, "ENV_DIR", s->env_dir);
	what = xstrfmt("%s bin/compile", bp->name);
	strvec_pushf(&c.argv, "%s/bin/compile", bp->dir);
	strvec_push(&c.argv, b->app_dir);
	strvec_push(&c.argv, cache);
	strvec_push(&c.argv, s->env_dir);
	c.what = what;
	if (run_bin(s, &c, &env, 0, err) < 0) {
		error_prefix(err, "buildpack '%s' failed", bp->shown);
		goto out;
	}
	ret = 0;
out:
	cache_unlock(&lock);
	child_release(&c);
	strvec_clear(&env);
	free(cache);
	free(lockpath);
	free(what);
	return ret;
}

/* The environment after sourcing the buildpack's export file: the next steps start from it. */
static int source_export(struct steps *s, struct buildpack *bp, struct error *err)
{
	static const char *const dropped[] = { "PWD", "OLDPWD", "SHLVL", "_", "BUILD_DIR",
					       "CACHE_DIR", "ENV_DIR", NULL };
	struct child c = CHILD_INIT;
	struct strvec next = STRVEC_INIT;
	struct buf out = BUF_INIT;
	char *file = path_join(bp->dir, "export"), *dump = NULL, *what = NULL;
	const char *p, *end;
	int ret = -1;

	if (!fs_exists(file) || fs_is_dir(file)) {
		ret = 0;
		goto out;
	}
	dump = xstrfmt("%s.env", bp->dir);
	what = xstrfmt("%s export", bp->name);
	strvec_push(&c.argv, "bash");
	strvec_push(&c.argv, "-c");
	strvec_push(&c.argv, ". \"$1\" >&2 </dev/null && exec env -0 >\"$2\"");
	strvec_push(&c.argv, "export");
	strvec_push(&c.argv, file);
	strvec_push(&c.argv, dump);
	c.what = what;
	if (run_bin(s, &c, &s->carried, 0, err) < 0 ||
	    buf_read_file(&out, dump, EXPORT_MAX, err) < 0) {
		error_prefix(err, "buildpack '%s'", bp->shown);
		goto out;
	}
	for (p = out.ptr; p < out.ptr + out.len; p = end + 1) {
		const char *eq;
		size_t i;
		int drop = 0;

		end = memchr(p, '\0', (size_t)(out.ptr + out.len - p));
		if (!end)
			end = out.ptr + out.len;
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq || eq == p)
			continue;
		for (i = 0; dropped[i]; i++)
			if (strlen(dropped[i]) == (size_t)(eq - p) && !memcmp(dropped[i], p, (size_t)(eq - p)))
				drop = 1;
		if (!drop)
			strvec_pushf(&next, "%.*s", (int)(end - p), p);
	}
	strvec_clear(&s->carried);
	s->carried = next;
	strvec_init(&next);
	out_info("%s exported its environment to the next buildpacks", bp->name);
	ret = 0;
out:
	child_release(&c);
	strvec_clear(&next);
	buf_release(&out);
	free(file);
	free(dump);
	free(what);
	return ret;
}

static int release(struct steps *s, struct buildpack *bp, struct error *err)
{
	struct child c = CHILD_INIT;
	struct buf text = BUF_INIT;
	char *prog = path_join(bp->dir, "bin/release"), *out = NULL, *what = NULL, *shown = NULL;
	int ret = -1;

	if (!fs_exists(prog)) {
		ret = 0;
		goto out;
	}
	out = xstrfmt("%s.release", bp->dir);
	what = xstrfmt("%s bin/release", bp->name);
	/* Its stdout is the YAML; its stderr is shown like any step's. */
	strvec_push(&c.argv, "sh");
	strvec_push(&c.argv, "-c");
	strvec_push(&c.argv, "exec \"$0\" \"$1\" >\"$2\"");
	strvec_push(&c.argv, prog);
	strvec_push(&c.argv, s->b->app_dir);
	strvec_push(&c.argv, out);
	c.what = what;
	if (run_bin(s, &c, &s->carried, 0, err) < 0 ||
	    buf_read_file(&text, out, BUILDPACK_RELEASE_MAX, err) < 0) {
		error_prefix(err, "buildpack '%s'", bp->shown);
		goto out;
	}
	shown = xstrfmt("%s bin/release", bp->shown);
	if (buildpack_release_parse(text.ptr, text.len, shown, &bp->release, err) < 0)
		goto out;
	bp->released = 1;
	ret = 0;
out:
	child_release(&c);
	buf_release(&text);
	free(prog);
	free(out);
	free(what);
	free(shown);
	return ret;
}

static int run_external(struct steps *s, size_t i, struct buildpack *bp, struct error *err)
{
	char *dest = xstrfmt("%s/buildpacks/%zu", s->b->work_dir, i + 1);
	int ret = -1;

	out_step("Fetching buildpack %s", bp->shown);
	if (buildpack_fetch(bp, s->b->opt.cache_dir, dest, err) < 0 ||
	    detect(s, bp, err) < 0)
		goto out;
	out_step("%s app detected", bp->description);
	if (compile(s, bp, err) < 0 || source_export(s, bp, err) < 0 || release(s, bp, err) < 0)
		goto out;
	ret = 0;
out:
	free(dest);
	return ret;
}

int steps_run(struct build *b, struct error *err)
{
	struct steps s = { b, STRVEC_INIT, NULL, { 0, 0 } };
	char *dir = NULL;
	size_t i;
	int ret = -1;

	clock_gettime(CLOCK_MONOTONIC, &s.start);
	if (build_materialise(b, err) < 0 || install_prepare(b, 0, err) < 0)
		return -1;
	b->runtimes = xcalloc(b->detections.nr + 1, sizeof(*b->runtimes));
	strvec_pushv(&s.carried, (const char *const *)b->be.env.v);
	dir = path_join(b->work_dir, "buildpacks");
	if (fs_mkdir_p(dir, 0700, err) < 0 || write_env_dir(&s, err) < 0)
		goto out;
	for (i = 0; i < b->bps.nr; i++) {
		struct buildpack *bp = &b->bps.v[i];

		if (check_time(&s, err) < 0)
			goto out;
		if (bp->kind == BUILDPACK_NATIVE ? run_native(&s, bp, err) : run_external(&s, i, bp, err))
			goto out;
	}
	/* Heroku shows the last buildpack's description. */
	free(b->buildpack_description);
	b->buildpack_description = xstrdup(b->bps.v[b->bps.nr - 1].description);
	ret = 0;
out:
	strvec_clear(&s.carried);
	free(s.env_dir);
	free(dir);
	return ret;
}
