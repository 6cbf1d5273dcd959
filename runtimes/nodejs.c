/*
 * Node.js: resolved against nodejs.org/dist's index.json with node-semver's
 * maxSatisfying and Heroku's LTS ceiling, verified against the release's
 * SHASUMS256.txt, installed at ./app/.heroku/node, and built the way
 * heroku-buildpack-nodejs builds: heroku-prebuild, install (dev
 * dependencies included), heroku-postbuild or build, prune dev
 * dependencies, heroku-cleanup.
 */
#include <ctype.h>
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
#include "json.h"
#include "output.h"
#include "path.h"
#include "runtimes.h"
#include "sha256.h"
#include "treecopy.h"
#include "url.h"
#include "xalloc.h"

#define OFFICIAL "https://nodejs.org/dist"
#define INDEX_MAX (32 * 1024 * 1024)
#define INDEX_TTL 3600

static int node_resolve(const struct runtime_options *o, const char *requirement,
			struct resolved *out, struct error *err);
static int node_install(struct build_env *be, const struct resolved *r, const char *archive,
			struct error *err);
static int node_build(struct build_env *be, const struct resolved *r, struct error *err);

const struct runtime runtime_nodejs = {
	"nodejs", "Node.js", node_resolve, node_install, node_build,
};

int nodejs_parse_index(const char *text, size_t len, const char *arch_token,
		       struct strvec *versions, struct error *err)
{
	struct json *doc = json_parse(text, len, "the Node.js index", err);
	const struct json *rel;
	int ret = -1;

	if (!doc)
		return -1;
	if (!json_is_array(doc)) {
		error_set(err, "the Node.js index is not a JSON array of releases");
		goto out;
	}
	for (rel = json_child(doc); rel; rel = json_next(rel)) {
		const char *v = json_get_str(rel, "version");
		const struct json *files = json_get(rel, "files"), *f;
		int has = 0;

		if (!v || !json_is_array(files))
			continue;
		for (f = json_child(files); f && !has; f = json_next(f))
			has = json_string(f) && !strcmp(json_string(f), arch_token);
		if (has)
			strvec_push(versions, v);
	}
	ret = 0;
out:
	json_free(doc);
	return ret;
}

/* Whether p starts with n hex digits (p holds at least n bytes, not NUL-terminated). */
static int hex_prefix(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

int nodejs_parse_shasums(const char *text, size_t len, const char *filename, char hex[65],
			 struct error *err)
{
	const char *p = text, *end = text + len;

	/* "<64 hex>  <name>", or "<hex> *<name>" (binary marker), or "./<name>" in old releases. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *name;
		size_t n, i;

		if (e - p > 66 && hex_prefix(p, 64) && (p[64] == ' ' || p[64] == '\t')) {
			name = p + 64;
			while (name < e && (*name == ' ' || *name == '\t'))
				name++;
			if (name < e && *name == '*')
				name++;
			if (e - name >= 2 && name[0] == '.' && name[1] == '/')
				name += 2;
			n = (size_t)(e - name);
			while (n && (name[n - 1] == '\r' || name[n - 1] == ' '))
				n--;
			if (n == strlen(filename) && !memcmp(name, filename, n)) {
				for (i = 0; i < 64; i++)
					hex[i] = (char)((p[i] >= 'A' && p[i] <= 'F') ? p[i] + 32 : p[i]);
				hex[64] = '\0';
				return 0;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return error_set(err, "SHASUMS256.txt has no line for %s", filename);
}

static long major_of(const char *v)
{
	return strtol(v[0] == 'v' ? v + 1 : v, NULL, 10);
}

/* Whether the range also admits some version of the given major. */
static int admits_major(const struct semver_range *range, long major)
{
	struct semver v = SEMVER_INIT;
	struct error ignored = ERROR_INIT;
	char *s;
	int r = 0;

	if (major < 0)
		return 0;
	s = xstrfmt("%ld.0.0", major);
	if (semver_parse(&v, s, 0, &ignored) == 0)
		r = semver_range_test(range, &v);
	semver_release(&v);
	free(s);
	return r;
}

static int node_resolve_index(const struct runtime_options *o, const char *requirement,
			      struct resolved *out, struct error *err)
{
	const char *base = o->mirror ? o->mirror : OFFICIAL;
	const char *allow = runtime_config(o, "NODEJS_ALLOW_WIDE_RANGE");
	struct strvec versions = STRVEC_INIT, lts = STRVEC_INIT;
	struct semver_range *range = NULL;
	struct buf text = BUF_INIT;
	char *index = xstrfmt("%s/index.json", base), *sums = NULL, hex[65], token[32], *normal;
	long best, lts_best, lts_major = o->defaults->node_lts_major;
	const char *chosen;
	size_t i;
	int ret = -1;

	if (!allow)
		allow = getenv("NODEJS_ALLOW_WIDE_RANGE");
	/* The detector's reading of engines.node ("latest" is "*"): one rule for detect and resolve. */
	normal = nodejs_normalise_range(requirement ? requirement : o->defaults->node_default);
	requirement = normal;
	if (semver_range_parse(&range, requirement, err) < 0)
		goto out;
	snprintf(token, sizeof(token), "linux-%s", runtime_node_arch());
	if (runtime_index(o, index, INDEX_TTL, INDEX_MAX, &text, err) < 0 ||
	    nodejs_parse_index(text.ptr, text.len, token, &versions, err) < 0)
		goto out;
	best = semver_max_satisfying((const char *const *)versions.v, versions.nr, range);
	if (best < 0) {
		error_set(err, "no Node.js release matches '%s' in %s (the newest there is %s)",
			  requirement, index, versions.nr ? versions.v[0] : "none");
		goto out;
	}
	/*
	 * Heroku's LTS ceiling: a range that also matches the LTS line resolves to
	 * that line's newest release, not to a newer, non-LTS major.
	 */
	for (i = 0; i < versions.nr; i++)
		if (major_of(versions.v[i]) == lts_major)
			strvec_push(&lts, versions.v[i]);
	lts_best = semver_max_satisfying((const char *const *)lts.v, lts.nr, range);
	chosen = versions.v[best];
	if (lts_best >= 0 && major_of(chosen) > lts_major && !(allow && !strcmp(allow, "true"))) {
		strvec_pushf(&out->notes, "'%s' also matches Node.js %ld, the LTS line; using %s, not "
			     "%s (set NODEJS_ALLOW_WIDE_RANGE=true to allow newer)", requirement,
			     lts_major, lts.v[lts_best], chosen);
		chosen = lts.v[lts_best];
	}
	out->version = xstrdup(chosen + (chosen[0] == 'v'));
	if (admits_major(range, major_of(out->version) + 1) ||
	    admits_major(range, major_of(out->version) - 1))
		strvec_pushf(&out->notes, "'%s' is a wide range: a new Node.js release may change what "
			     "it resolves to; a line like '%ld.x' keeps builds predictable",
			     requirement, major_of(out->version));

	out->filename = xstrfmt("node-v%s-linux-%s.tar.gz", out->version, runtime_node_arch());
	out->url = xstrfmt("%s/v%s/%s", base, out->version, out->filename);
	sums = xstrfmt("%s/v%s/SHASUMS256.txt", base, out->version);
	/* A release's SHASUMS256.txt never changes: it is cached for good. */
	if (runtime_index(o, sums, -1, 1024 * 1024, &text, err) < 0 ||
	    nodejs_parse_shasums(text.ptr, text.len, out->filename, hex, err) < 0) {
		error_prefix(err, "%s", sums);
		goto out;
	}
	out->sha256 = xstrdup(hex);
	out->verified_by = xstrdup(sums);
	ret = 0;
out:
	free(normal);
	semver_range_free(range);
	strvec_clear(&versions);
	strvec_clear(&lts);
	buf_release(&text);
	free(index);
	free(sums);
	return ret;
}

/*
 * --offline without the index (or the release's SHASUMS256.txt) in the
 * cache: an exact version resolves to the archive `slugc cache import`
 * added for it; a range cannot be resolved, and the error says what to
 * import instead. err holds why the index could not be used.
 */
static int node_resolve_offline(const struct runtime_options *o, const char *requirement,
				struct resolved *out, struct error *err)
{
	const struct runtime *rt = out->runtime;
	const char *base = o->mirror ? o->mirror : OFFICIAL;
	char *normal = nodejs_normalise_range(requirement ? requirement : o->defaults->node_default);
	char *index = xstrfmt("%s/index.json", base), *shown = url_strip_credentials(index);
	struct semver v = SEMVER_INIT;
	struct error ignored = ERROR_INIT;
	struct buf version = BUF_INIT;
	int have_index = runtime_index_cached(o, index), ret = -1;

	if (semver_parse(&v, normal, 0, &ignored) < 0) {
		if (!have_index)
			error_set(err, "--offline, and the Node.js index '%s' is not in the cache: '%s' is "
				  "a range, which only the index resolves; ask for an exact version "
				  "(\"engines\": {\"node\": \"20.11.1\"}) and import its archive "
				  "(node-v20.11.1-linux-%s.tar.gz) with 'slugc cache import FILE', or "
				  "build once with network access, or use a file:// mirror", shown, normal,
				  runtime_node_arch());
		goto out;
	}
	semver_format(&v, &version);
	resolved_release(out);
	out->runtime = rt;
	out->version = buf_detach(&version, NULL);
	out->filename = xstrfmt("node-v%s-linux-%s.tar.gz", out->version, runtime_node_arch());
	out->url = xstrfmt("%s/v%s/%s", base, out->version, out->filename);
	if (!runtime_offline_imported(o, out)) {
		char *url = url_strip_credentials(out->url);

		if (!have_index)
			error_set(err, "--offline, and neither the Node.js index '%s' nor an imported "
				  "%s is in the cache: import the archive with 'slugc cache import %s' "
				  "(from %s), or build once with network access", shown, out->filename,
				  out->filename, url);
		free(url);
		goto out;
	}
	error_clear(err);
	ret = 0;
out:
	semver_release(&v);
	buf_release(&version);
	free(normal);
	free(index);
	free(shown);
	return ret;
}

static int node_resolve(const struct runtime_options *o, const char *requirement,
			struct resolved *out, struct error *err)
{
	if (node_resolve_index(o, requirement, out, err) == 0)
		return 0;
	if (!o->offline || err->kind == ERROR_INTERRUPTED)
		return -1;
	return node_resolve_offline(o, requirement, out, err);
}

static int node_install(struct build_env *be, const struct resolved *r, const char *archive,
			struct error *err)
{
	char *heroku = path_join(be->app_dir, ".heroku");
	char *dest = path_join(heroku, "node"), *bin = path_join(dest, "bin");
	int ret = -1;

	out_info("Installing Node.js %s into .heroku/node", r->version);
	if (fs_mkdir_p(heroku, 0755, err) < 0)
		goto out;
	if (fs_exists(dest)) {
		error_set(err, "the app already has .heroku/node; remove it from the source (or add it "
			  "to .slugignore)");
		goto out;
	}
	/*
	 * Unpacked once into the cache; each build hard-links it rather than
	 * copying 100 MB (runtime_link: a step that writes into a file of it in
	 * place is caught after the build and the cache entry evicted).
	 */
	if (runtime_link(be, r, archive, 1, ".heroku/node", err) < 0)
		goto out;
	runtime_path_prepend(&be->env, bin);
	env_set(&be->env, "NODE_HOME", dest);
	ret = 0;
out:
	free(heroku);
	free(dest);
	free(bin);
	return ret;
}

/* "<manager> run <script>", the way Heroku runs package.json scripts. */
static int run_script(struct build_env *be, const char *pm, const char *script, struct error *err)
{
	const char *npm[] = { "npm", "run", script, NULL };
	const char *other[] = { "corepack", pm, "run", script, NULL };
	char *what = xstrfmt("%s run %s", pm, script);
	int r;

	out_step("Running %s (%s)", script, what);
	r = runtime_step(be, strcmp(pm, "npm") ? other : npm, what, err);
	free(what);
	return r;
}

/* npm with no lockfile and a package.json that installs nothing: no npm process is worth running. */
static int npm_has_nothing_to_do(const struct build_env *be, const char *pm)
{
	return !strcmp(pm, "npm") && !detection_fact(be->detection, "lockfile") &&
	       !detection_fact(be->detection, "installs");
}

/* The root package's scripts that an install runs with the app's code (and heroku-prebuild, before it). */
static const char *const install_scripts[] = {
	"preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare", "prepublish",
	"heroku-prebuild", NULL,
};

/* Files of the app whose bytes go into the dependency cache key. */
static const char *const key_files[] = {
	"package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
	".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml", NULL,
};

/*
 * Build-environment variables left out of the key besides the host's
 * (depcache_key_add_env): where caches live, not what is installed
 * (docs/performance.md).
 */
static const char *const key_env_skip[] = {
	"npm_config_cache", "COREPACK_HOME", "YARN_CACHE_FOLDER", "YARN_GLOBAL_FOLDER",
	"npm_config_store_dir", "pnpm_config_store_dir", NULL,
};

/* A dependency spec that points into the app's own files ("file:../lib", "./lib", "link:x"). */
static int local_spec(const char *spec)
{
	static const char *const prefixes[] = { "file:", "link:", "portal:", "workspace:", "patch:",
						"./", "../", "/", "~/", NULL };
	size_t i;

	for (i = 0; spec && prefixes[i]; i++)
		if (!strncmp(spec, prefixes[i], strlen(prefixes[i])))
			return 1;
	return spec && (!strcmp(spec, ".") || !strcmp(spec, ".."));
}

/*
 * Whether node_modules may come from the dependency cache: 1 yes, 0 no with
 * the reason in why. Only when the install's output is fully determined by
 * the key: the lockfile pins every package, and nothing of the app's own code
 * runs or is linked during the install.
 */
static int node_cacheable(const struct build_env *be, const struct resolved *r, const char *pm,
			  const struct json *pkg, const char *lock, struct buf *why)
{
	static const char *const deps[] = { "dependencies", "devDependencies", "optionalDependencies",
					    "peerDependencies", NULL };
	const struct json *scripts = json_get(pkg, "scripts"), *d, *e;
	const char *lockfile = detection_fact(be->detection, "lockfile");
	char *shipped = path_join(be->app_dir, "node_modules");
	int ship = fs_exists(shipped) || fs_is_symlink(shipped);
	size_t i;

	free(shipped);
	if (be->no_depcache)
		return buf_addstr(why, "slugc verify installs from scratch"), 0;
	if (strcmp(pm, "npm"))
		return buf_addf(why, "%s installs are not cached yet", pm), 0;
	if (!lockfile)
		return buf_addstr(why, "no lockfile: without one the installed packages are not "
			   "determined by the app's files"), 0;
	if (ship)
		return buf_addstr(why, "the app ships node_modules"), 0;
	if (!r->sha256)
		return buf_addstr(why, "the Node.js archive has no digest"), 0;
	for (i = 0; scripts && json_is_object(scripts) && install_scripts[i]; i++)
		if (json_get(scripts, install_scripts[i]))
			return buf_addf(why, "package.json has a '%s' script, which runs with the app's "
					"code during the install", install_scripts[i]), 0;
	if (json_get(pkg, "workspaces"))
		return buf_addstr(why, "npm workspaces install the app's own packages"), 0;
	for (i = 0; deps[i]; i++) {
		d = json_get(pkg, deps[i]);
		for (e = d && json_is_object(d) ? json_child(d) : NULL; e; e = json_next(e))
			if (local_spec(json_string(e)))
				return buf_addf(why, "the dependency '%s' is a local path, part of the "
						"app's code", json_key(e)), 0;
	}
	/* npm records a local package as a link in the lockfile. */
	if (strstr(lock, "\"link\": true") || strstr(lock, "\"resolved\": \"file:"))
		return buf_addf(why, "%s links a local package, part of the app's code", lockfile), 0;
	return 1;
}

/* A name for `cache ls`: printable ASCII only, at most 60 bytes. */
static void add_shown_name(struct buf *b, const char *s)
{
	size_t n = 0;

	for (; s && *s && n < 60; s++, n++)
		buf_addch(b, (*s >= 0x20 && *s < 0x7f) ? *s : '?');
	if (!s || !n)
		buf_addstr(b, "(unnamed)");
}

/*
 * The dependency cache key of this app's node_modules and its description;
 * 1 when the cache may be used, 0 when not (why says), -1 on error.
 */
static int node_cache_key(const struct build_env *be, const struct resolved *r, const char *pm,
			  char key[65], struct buf *desc, struct buf *why, struct error *err)
{
	const char *lockfile = detection_fact(be->detection, "lockfile");
	char *path = path_join(be->app_dir, "package.json"), *lockpath = NULL, *build_dir = NULL;
	struct depcache_key k;
	struct json *pkg = NULL;
	struct buf lock = BUF_INIT;
	char hex[65];
	size_t i;
	int ret = -1;

	pkg = json_load(path, 16 * 1024 * 1024, err);
	if (!pkg)
		goto out;
	if (lockfile) {
		lockpath = path_join(be->app_dir, lockfile);
		if (buf_read_file(&lock, lockpath, 256 * 1024 * 1024, err) < 0)
			goto out;
	}
	if (!node_cacheable(be, r, pm, pkg, lock.ptr, why)) {
		ret = 0;
		goto out;
	}
	depcache_key_init(&k, "nodejs node_modules");
	depcache_key_add_str(&k, "package manager", pm);
	depcache_key_add_str(&k, "node version", r->version);
	/* npm ships with Node.js: the archive's digest names both. */
	depcache_key_add_str(&k, "node sha256", r->sha256);
	depcache_key_add_str(&k, "arch", runtime_node_arch());
	for (i = 0; key_files[i]; i++) {
		free(path);
		path = path_join(be->app_dir, key_files[i]);
		if (depcache_key_add_file(&k, key_files[i], path, err) < 0) {
			sha256_release(&k.h);
			goto out;
		}
	}
	/* NODE_ENV, STACK and every config var, by name and value (hashed only). */
	build_dir = xstrdup(be->app_dir);
	if (strrchr(build_dir, '/'))
		*strrchr(build_dir, '/') = '\0';
	depcache_key_add_env(&k, &be->env, key_env_skip, build_dir);
	depcache_key_final(&k, key);
	sha256_hex_of(lock.ptr, lock.len, hex);
	buf_addf(desc, "Node.js %s %s node_modules, %s sha256:%.12s, app ", r->version, pm, lockfile,
		 hex);
	add_shown_name(desc, json_get_str(pkg, "name"));
	ret = 1;
out:
	json_free(pkg);
	buf_release(&lock);
	free(path);
	free(lockpath);
	free(build_dir);
	return ret;
}

/* The install itself, as Heroku runs it. */
static int run_install(struct build_env *be, const char *pm, int berry, struct error *err)
{
	const char *lockfile = detection_fact(be->detection, "lockfile");

	if (!strcmp(pm, "npm")) {
		/* Dev dependencies too: build scripts need them; they are pruned afterwards. */
		const char *ci[] = { "npm", "ci", "--include=dev", NULL };
		const char *install[] = { "npm", "install", "--include=dev", NULL };

		out_info("Installing node modules%s%s%s", lockfile ? " (" : "", lockfile ? lockfile : "",
			 lockfile ? ")" : "");
		return runtime_step(be, lockfile ? ci : install, lockfile ? "npm ci" : "npm install", err);
	}
	if (!strcmp(pm, "yarn")) {
		const char *v1[] = { "corepack", "yarn", "install", "--production=false",
				     "--frozen-lockfile", "--ignore-engines", NULL };
		const char *v2[] = { "corepack", "yarn", "install", "--immutable", NULL };

		return runtime_step(be, berry ? v2 : v1, "yarn install", err);
	}
	{
		const char *pnpm[] = { "corepack", "pnpm", "install", "--prod=false",
				       "--frozen-lockfile", NULL };

		return runtime_step(be, pnpm, "pnpm install", err);
	}
}

struct node_install {
	const char *pm;
	int berry;
};

static int node_run_install(struct build_env *be, void *ctx, struct error *err)
{
	const struct node_install *ni = ctx;

	return run_install(be, ni->pm, ni->berry, err);
}

/*
 * Install node_modules: from the dependency cache when its key has an entry
 * (the tree exactly as the install left it, verified while copied), else by
 * the install, whose tree is then stored for the next build.
 */
static int install_dependencies(struct build_env *be, const struct resolved *r, const char *pm,
				int berry, struct error *err)
{
	struct node_install ni = { pm, berry };
	struct depcache_step step = { "node_modules", 0, "", NULL, NULL, node_run_install, &ni };
	struct buf why = BUF_INIT, desc = BUF_INIT;
	char key[65];
	int ret = -1;

	out_step("Installing dependencies");
	if (npm_has_nothing_to_do(be, pm)) {
		/* npm install would only write an empty lockfile: skip the process. */
		out_info("package.json lists no dependencies and no install scripts: nothing to install");
		return 0;
	}
	step.usable = node_cache_key(be, r, pm, key, &desc, &why, err);
	if (step.usable < 0)
		goto out;
	step.key = key;
	step.description = desc.ptr;
	step.why = why.ptr;
	ret = depcache_install(be, &step, err);
out:
	buf_release(&why);
	buf_release(&desc);
	return ret;
}

/* "8.15.6" → {8, 15, 6}; missing parts are 0. */
static void parse_triple(const char *v, long out[3])
{
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		out[i] = v ? strtol(v, &end, 10) : 0;
		v = v && *end == '.' ? end + 1 : NULL;
	}
}

/*
 * Heroku's pnpm prune: pnpm 8.15.6 and later prune with --ignore-scripts;
 * older ones run the app's lifecycle scripts while pruning, so an app that
 * has any is not pruned (with a warning).
 */
static int pnpm_prune(struct build_env *be, const long pnpm[3], const char *version,
		      struct error *err)
{
	const char *scripts[] = { "corepack", "pnpm", "prune", "--prod", "--ignore-scripts", NULL };
	int old = pnpm[0] < 8 || (pnpm[0] == 8 && (pnpm[1] < 15 || (pnpm[1] == 15 && pnpm[2] < 6)));

	if (old && detection_fact(be->detection, "lifecycle_scripts")) {
		out_warn("Pruning skipped due to presence of lifecycle scripts: pnpm %s runs "
			 "preinstall, install, postinstall and prepare while pruning; upgrade pnpm "
			 "to 8.15.6 or newer", version);
		return 0;
	}
	if (old)
		scripts[4] = NULL;
	return runtime_step(be, scripts, old ? "pnpm prune --prod" : "pnpm prune --prod --ignore-scripts",
			    err);
}

static int prune(struct build_env *be, const char *pm, int berry, const long pnpm[3],
		 const char *pnpm_version, struct error *err)
{
	const char *env = env_get(&be->env, "NODE_ENV");
	const char *skip = env_get(&be->env, "PNPM_SKIP_PRUNING");

	if (npm_has_nothing_to_do(be, pm))
		return 0; /* nothing was installed */
	out_step("Pruning devDependencies");
	/* Heroku's reasons and wording, in its order. */
	if (env && !strcmp(env, "test")) {
		out_info("Skipping because NODE_ENV is 'test'");
		return 0;
	}
	if (env && strcmp(env, "production")) {
		out_info("Skipping because NODE_ENV is not 'production'");
		return 0;
	}
	if (!strcmp(pm, "npm")) {
		const char *argv[] = { "npm", "prune", "--omit=dev", NULL };

		return runtime_step(be, argv, "npm prune --omit=dev", err);
	}
	if (!strcmp(pm, "yarn")) {
		const char *v1[] = { "corepack", "yarn", "install", "--production=true",
				     "--frozen-lockfile", "--ignore-engines", "--ignore-scripts",
				     "--prefer-offline", NULL };

		if (berry) {
			out_info("Skipping pruning: Yarn 2+ needs the workspace-tools plugin to prune");
			return 0;
		}
		return runtime_step(be, v1, "yarn install --production", err);
	}
	if (skip && !strcmp(skip, "true")) {
		out_info("Skipping because PNPM_SKIP_PRUNING is '%s'", skip);
		return 0;
	}
	return pnpm_prune(be, pnpm, pnpm_version, err);
}

/*
 * Heroku's WEB_CONCURRENCY.sh, rewritten: the dyno's memory (the cgroup
 * limit, bounded to the largest dyno) divided by WEB_MEMORY (512 MB, 2048 MB
 * above 16 GB), between 1 and 200 (beyond that, 1 with a warning), unless the
 * app sets WEB_CONCURRENCY itself.
 */
static const char web_concurrency[] =
	"# Written by slugc: WEB_CONCURRENCY from the dyno's memory, as heroku-buildpack-nodejs does.\n"
	"slugc_memory_mb() {\n"
	"  if [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then\n"
	"    echo $(( $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) / 1048576 ))\n"
	"  else\n"
	"    echo 512\n"
	"  fi\n"
	"}\n"
	"slugc_detected=$(slugc_memory_mb)\n"
	"if [ \"$slugc_detected\" -gt 129024 ]; then slugc_detected=129024; fi\n"
	"export MEMORY_AVAILABLE=${MEMORY_AVAILABLE-$slugc_detected}\n"
	"if [ \"$MEMORY_AVAILABLE\" -gt 16384 ]; then slugc_web=2048; else slugc_web=512; fi\n"
	"export WEB_MEMORY=${WEB_MEMORY-$slugc_web}\n"
	"if [ -z \"${WEB_CONCURRENCY}\" ]; then\n"
	"  slugc_n=$(( MEMORY_AVAILABLE / WEB_MEMORY ))\n"
	"  if [ \"$slugc_n\" -lt 1 ]; then\n"
	"    slugc_n=1\n"
	"  elif [ \"$slugc_n\" -gt 200 ]; then\n"
	"    slugc_n=1\n"
	"    echo \"Could not determine a reasonable value for WEB_CONCURRENCY; set it to 1. Please review whether this value is appropriate for your application.\"\n"
	"  fi\n"
	"  export WEB_CONCURRENCY=$slugc_n\n"
	"  export WEB_CONCURRENCY_SET_BY=\"heroku/nodejs\"\n"
	"fi\n"
	"if [ \"${LOG_CONCURRENCY-}\" = \"true\" ]; then\n"
	"  echo \"Detected $MEMORY_AVAILABLE MB available memory, $WEB_MEMORY MB limit per process (WEB_MEMORY)\"\n"
	"  echo \"Recommending WEB_CONCURRENCY=$WEB_CONCURRENCY\"\n"
	"fi\n"
	"unset slugc_detected slugc_web slugc_n\n"
	"unset -f slugc_memory_mb\n";

/* pnpm 11 checks node_modules against install-time paths before `pnpm run`: warn, do not reinstall. */
static const char pnpm_profile[] =
	"export pnpm_config_verify_deps_before_run=\"${pnpm_config_verify_deps_before_run:-warn}\"\n";

static const char profile[] =
	"# Written by slugc: Node.js on PATH at dyno boot, as heroku-buildpack-nodejs does.\n"
	"export PATH=\"$HOME/.heroku/node/bin:$HOME/.heroku/yarn/bin:$PATH:$HOME/bin:$HOME/node_modules/.bin\"\n"
	"export NODE_HOME=\"$HOME/.heroku/node\"\n"
	"export NODE_ENV=${NODE_ENV:-production}\n";

static int node_build(struct build_env *be, const struct resolved *r, struct error *err)
{
	const struct detection *d = be->detection;
	const char *pm = d->package_manager ? d->package_manager : "npm";
	const char *pmv = detection_fact(d, "package_manager_version");
	int berry = !strcmp(pm, "yarn") && pmv && strtol(pmv, NULL, 10) >= 2;
	char *bin = path_join(be->app_dir, "node_modules/.bin");
	char *npm_cache = path_join(be->app_cache, "npm");
	char *corepack = path_join(be->app_cache, "corepack");
	char *yarn_cache = path_join(be->app_cache, "yarn/cache");
	char *yarn_global = path_join(be->app_cache, "yarn/global");
	char *pnpm_store = path_join(be->app_cache, "pnpm-store");
	struct buf pnpm_version = BUF_INIT;
	long pnpm[3] = { 0, 0, 0 };
	int ret = -1;

	/* Heroku's build environment for Node.js, where the app's config does not say otherwise. */
	if (!env_get(&be->env, "NODE_ENV"))
		env_set(&be->env, "NODE_ENV", "production");
	env_set(&be->env, "npm_config_cache", npm_cache);
	env_set(&be->env, "npm_config_update_notifier", "false");
	env_set(&be->env, "npm_config_fund", "false");
	env_set(&be->env, "npm_config_audit", "false");
	env_set(&be->env, "COREPACK_HOME", corepack);
	/* yarn's and pnpm's download caches live in the app's build cache, like npm's. */
	env_set(&be->env, "YARN_CACHE_FOLDER", yarn_cache);
	env_set(&be->env, "YARN_GLOBAL_FOLDER", yarn_global);
	env_set(&be->env, "COREPACK_ENABLE_DOWNLOAD_PROMPT", "0");
	runtime_path_prepend(&be->env, bin);
	if (!strcmp(pm, "pnpm")) {
		const char *version[] = { "corepack", "pnpm", "--version", NULL };

		/* Its store is pnpm's setting only: npm warns about npm_config_* names it does not know. */
		if (runtime_step_output(be, version, "pnpm --version", &pnpm_version, err) < 0)
			goto out;
		buf_rtrim(&pnpm_version);
		parse_triple(pnpm_version.ptr, pnpm);
		out_info("Using pnpm %s", pnpm_version.ptr);
		/* pnpm 11 reads pnpm_config_*, older ones npm_config_* (Heroku sets the same). */
		env_set(&be->env, pnpm[0] >= 11 ? "pnpm_config_store_dir" : "npm_config_store_dir",
			pnpm_store);
	}

	if (detection_fact(d, "script.heroku-prebuild") && run_script(be, pm, "heroku-prebuild", err) < 0)
		goto out;
	if (install_dependencies(be, r, pm, berry, err) < 0)
		goto out;
	if (detection_fact(d, "script.heroku-postbuild")) {
		if (run_script(be, pm, "heroku-postbuild", err) < 0)
			goto out;
	} else if (detection_fact(d, "script.build") && run_script(be, pm, "build", err) < 0) {
		goto out;
	}
	if (prune(be, pm, berry, pnpm, pnpm_version.ptr, err) < 0)
		goto out;
	if (detection_fact(d, "script.heroku-cleanup") && run_script(be, pm, "heroku-cleanup", err) < 0)
		goto out;
	if (runtime_write_profile(be->app_dir, "nodejs.sh", profile, err) < 0 ||
	    runtime_write_profile(be->app_dir, "WEB_CONCURRENCY.sh", web_concurrency, err) < 0 ||
	    (!strcmp(pm, "pnpm") && pnpm[0] >= 11 &&
	     runtime_write_profile(be->app_dir, "pnpm.sh", pnpm_profile, err) < 0))
		goto out;
	ret = 0;
out:
	free(bin);
	free(npm_cache);
	free(corepack);
	free(yarn_cache);
	free(yarn_global);
	free(pnpm_store);
	buf_release(&pnpm_version);
	return ret;
}
