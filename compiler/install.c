/*
 * The runtimes stage: for every detected language that needs one, resolve
 * its requirement to an exact artifact, fetch it verified into the cache,
 * and install it (runtimes/). It also prepares the environment the build
 * stage's steps run in.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "cache.h"
#include "child.h"
#include "envdir.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"
#include "url.h"
#include "xalloc.h"

/* The value of "lang=value" entries for lang (the last one wins), or NULL. */
static const char *lookup(const struct strvec *list, const char *lang)
{
	const char *found = NULL;
	size_t i, n = strlen(lang);

	for (i = 0; list && i < list->nr; i++)
		if (!strncmp(list->v[i], lang, n) && list->v[i][n] == '=')
			found = list->v[i] + n + 1;
	return found;
}

int build_runtime_options(const struct build_options *opt, const char *lang, const char *cache,
			  const struct strvec *config, struct runtime_options *o, struct error *err)
{
	const char *mirror = lookup(opt->mirrors, lang);
	const char *pin = lookup(opt->pins, lang);
	char env[64];
	size_t i;

	memset(o, 0, sizeof(*o));
	o->defaults = defaults_get(err);
	if (!o->defaults)
		return -1;
	if (!mirror) {
		snprintf(env, sizeof(env), "SLUGC_MIRROR_%s", lang);
		for (i = 0; env[i]; i++)
			env[i] = (char)toupper((unsigned char)env[i]);
		mirror = getenv(env);
		if (mirror && !*mirror)
			mirror = NULL;
	}
	if (mirror && strncmp(mirror, "http://", 7) && strncmp(mirror, "https://", 8) &&
	    strncmp(mirror, "file://", 7))
		return error_setk(err, ERROR_USAGE, "the %s mirror '%s' must be an http://, https:// "
				  "or file:// URL", lang, mirror);
	if (pin && (strlen(pin) != 64 || strspn(pin, "0123456789abcdef") != 64))
		return error_setk(err, ERROR_USAGE, "--runtime-sha256 %s=%s is not 64 lowercase hex "
				  "digits", lang, pin);
	if (mirror && url_is_url(mirror)) {
		struct url u = URL_INIT;
		struct error ignored = ERROR_INIT;

		/* Credentials in a mirror URL are secrets from here on (a token may be the user name). */
		if (url_parse(&u, mirror, &ignored) == 0) {
			out_add_secret(u.password);
			if (!u.password)
				out_add_secret(u.user);
		}
		url_release(&u);
	}
	o->cache = cache;
	o->mirror = mirror;
	o->offline = opt->offline;
	o->stack = opt->stack;
	o->config = config;
	o->pin = pin;
	o->inventory = opt->inventory;
	return 0;
}

/*
 * The environment every build step starts from. The host's network settings
 * pass through: its proxies and the CA trust that goes with them (a
 * TLS-intercepting proxy signs with a company CA that only these name), in
 * each tool's own spelling: OpenSSL, Node.js, curl, git, Python requests,
 * pip, npm.
 */
static void base_env(struct build *b)
{
	static const char *const passed[] = {
		"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
		"SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE",
		"GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE", "PIP_CERT", "npm_config_cafile",
		"NPM_CONFIG_CAFILE", NULL,
	};
	char epoch[32];
	size_t i;

	env_set(&b->be.env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_set(&b->be.env, "HOME", b->home);
	env_set(&b->be.env, "LANG", "C.UTF-8");
	env_set(&b->be.env, "STACK", b->opt.stack);
	snprintf(epoch, sizeof(epoch), "%lld", (long long)b->source_date_epoch);
	/* Tools that honour it (gzip, many bundlers) then build reproducibly, too. */
	env_set(&b->be.env, "SOURCE_DATE_EPOCH", epoch);
	if (b->commit)
		env_set(&b->be.env, "SOURCE_VERSION", b->commit);
	for (i = 0; passed[i]; i++)
		if (getenv(passed[i]))
			env_set(&b->be.env, passed[i], getenv(passed[i]));
}

void build_export_config(const struct strvec *config, struct strvec *env)
{
	size_t i;

	/* The app's config vars come last: they may override the defaults. */
	for (i = 0; i < config->nr; i++) {
		char *eq = strchr(config->v[i], '=');
		char *name = xstrndup(config->v[i], (size_t)(eq - config->v[i]));

		env_set(env, name, eq + 1);
		free(name);
	}
}

int build_load_config(struct build *b, struct error *err)
{
	size_t i;

	if (b->config_loaded)
		return 0;
	b->config_loaded = 1;
	if (b->opt.env_dir && envdir_load(b->opt.env_dir, &b->config, err) < 0)
		return -1;
	/* --env NAME=VALUE comes after --env-dir's files and wins over them. */
	for (i = 0; b->opt.env && i < b->opt.env->nr; i++)
		envdir_merge(&b->config, b->opt.env->v[i]);
	return 0;
}

static int needs_runtime(const struct build *b)
{
	size_t i;

	for (i = 0; i < b->detections.nr; i++)
		if (strcmp(b->detections.v[i].detector->name, "procfile"))
			return 1;
	return 0;
}

int install_prepare(struct build *b, int export_config, struct error *err)
{
	struct cache_lock lock = CACHE_LOCK_INIT;
	char key[65], *who, *tmp = NULL, *lockpath = NULL;
	int ret = -1;

	if (cache_dir(b->opt.cache_dir, NULL, &b->cache, err) < 0)
		return -1;
	if (build_load_config(b, err) < 0)
		return -1;
	/* Heroku keeps a build cache per app: here an app is its source and app directory. */
	who = xstrfmt("%s\n%s", b->source_url ? b->source_url : "", b->app_subdir ? b->app_subdir : "");
	cache_key(who, key);
	free(who);
	b->app_cache = xstrfmt("%s/build/%.16s", b->cache, key);
	b->home = path_join(b->work_dir, "home");
	tmp = path_join(b->work_dir, "tmp");
	if (fs_mkdir_p(b->app_cache, 0700, err) < 0 || fs_mkdir_p(b->home, 0700, err) < 0 ||
	    fs_mkdir_p(tmp, 0700, err) < 0)
		goto out;
	cache_touch(b->app_cache);
	if (!cache_meta_exists(b->app_cache)) {
		/* What it is for slugc cache ls; source_url has no credentials. */
		struct cache_meta m = CACHE_META_INIT;
		struct error ignored = ERROR_INIT;
		char *what = xstrfmt("build cache of %s%s%s%s", b->source_url ? b->source_url : "an app",
				     b->app_subdir ? " (--app-dir " : "",
				     b->app_subdir ? b->app_subdir : "", b->app_subdir ? ")" : "");

		m.description = what;
		m.url = b->source_url;
		cache_meta_put(b->app_cache, &m, &ignored);
		free(what);
	}
	/* Held shared until the build ends: `slugc cache prune` skips an app cache in use. */
	lockpath = xstrfmt("%s.lock", b->app_cache);
	if (cache_lock(&lock, lockpath, 0, err) < 0)
		goto out;
	if (runtime_hold_lock(&b->be, lock.fd) < 0) {
		cache_unlock(&lock);
		error_setk(err, ERROR_INTERNAL, "too many cache locks held by one build");
		goto out;
	}
	base_env(b);
	env_set(&b->be.env, "TMPDIR", tmp);
	if (export_config)
		build_export_config(&b->config, &b->be.env);
	b->be.app_dir = b->app_dir;
	b->be.home = b->home;
	b->be.cache = b->cache;
	b->be.app_cache = b->app_cache;
	b->be.limits = &b->opt.limits;
	ret = 0;
out:
	free(lockpath);
	free(tmp);
	return ret;
}

/* Whether the app uses language lang (a runtime row name). */
static int uses(const struct build *b, const char *lang, size_t n)
{
	size_t i;

	for (i = 0; i < b->detections.nr; i++)
		if (strlen(b->detections.v[i].detector->name) == n &&
		    !strncmp(b->detections.v[i].detector->name, lang, n))
			return 1;
	return 0;
}

/*
 * A pin or an inventory the app never consults is a mistake in the command
 * line (a pin meant for another app, a typo'd language): say so before any
 * runtime work, rather than build unpinned.
 */
static int check_pins_apply(const struct build *b, struct error *err)
{
	size_t i, n;

	for (i = 0; b->opt.pins && i < b->opt.pins->nr; i++) {
		n = strcspn(b->opt.pins->v[i], "=");
		if (!uses(b, b->opt.pins->v[i], n))
			return error_setk(err, ERROR_USAGE, "--runtime-sha256 %.*s=...: the app does not "
					  "use %.*s; drop the option", (int)n, b->opt.pins->v[i], (int)n,
					  b->opt.pins->v[i]);
	}
	if (b->opt.inventory && !needs_runtime(b))
		return error_setk(err, ERROR_USAGE, "--inventory '%s': the app installs no runtime; "
				  "drop the option", b->opt.inventory);
	return 0;
}

/* Without --inventory, an inventory.toml committed with the app pins its runtimes. */
static char *app_inventory(const struct build *b)
{
	char *inventory;

	if (b->opt.inventory)
		return NULL;
	inventory = path_join(b->app_dir, "inventory.toml");
	/* Only a regular file of the app: a symlink could point anywhere on the builder. */
	if (!fs_exists(inventory) || fs_is_symlink(inventory) || fs_is_dir(inventory)) {
		free(inventory);
		return NULL;
	}
	return inventory;
}

int install_language(struct build *b, size_t i, struct error *err)
{
	const struct detection *d = &b->detections.v[i];
	struct resolved *r = &b->runtimes[i];
	struct runtime_options o;
	char *archive = NULL, *inventory = NULL;
	size_t j;
	int ret = -1;

	if (!strcmp(d->detector->name, "procfile"))
		return 0;
	if (build_runtime_options(&b->opt, d->detector->name, b->cache, &b->config, &o, err) < 0)
		return -1;
	inventory = app_inventory(b);
	if (inventory) {
		o.inventory = inventory;
		o.inventory_shown = "the app's inventory.toml";
	}
	out_step("Installing %s %s", d->detector->display, detect_shown_requirement(d));
	if (runtime_resolve(d->detector->name, d->requirement, &o, r, err) < 0)
		goto out;
	for (j = 0; j < r->notes.nr; j++)
		out_warn("%s", r->notes.v[j]);
	if (strcmp(d->requirement, r->version))
		out_info("Resolved %s to %s", d->requirement, r->version);
	if (runtime_fetch(&o, r, &archive, err) < 0)
		goto out;
	b->be.detection = d;
	ret = r->runtime->install(&b->be, r, archive, err);
out:
	free(archive);
	free(inventory);
	return ret;
}

int install_run(struct build *b, struct error *err)
{
	size_t i;

	if (check_pins_apply(b, err) < 0)
		return -1;
	if (!needs_runtime(b))
		return 0;
	if (build_materialise(b, err) < 0 || install_prepare(b, 1, err) < 0)
		return -1;
	b->runtimes = xcalloc(b->detections.nr, sizeof(*b->runtimes));
	for (i = 0; i < b->detections.nr; i++)
		if (install_language(b, i, err) < 0)
			return -1;
	return 0;
}
