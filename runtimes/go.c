/*
 * Go: resolved against go.dev's JSON release index (sha256 per file), the
 * toolchain unpacked once into the cache and used at build time only (it is
 * not shipped in the slug), and the install spec built with
 * `go install -trimpath -buildvcs=false` into ./app/bin, which with the same
 * toolchain and sources gives the same binaries on any machine.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "child.h"
#include "detectors.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "json.h"
#include "output.h"
#include "path.h"
#include "runtimes.h"
#include "url.h"
#include "xalloc.h"

#define OFFICIAL_INDEX "https://go.dev/dl/?mode=json&include=all"
#define OFFICIAL_FILES "https://dl.google.com/go"
#define INDEX_MAX (64 * 1024 * 1024)
#define INDEX_TTL 3600

static int go_resolve(const struct runtime_options *o, const char *requirement,
		      struct resolved *out, struct error *err);
static int go_install(struct build_env *be, const struct resolved *r, const char *archive,
		      struct error *err);
static int go_build(struct build_env *be, const struct resolved *r, struct error *err);

const struct runtime runtime_go = {
	"go", "Go", go_resolve, go_install, go_build,
};

int go_parse_index(const char *text, size_t len, const char *arch, struct go_file **files,
		   size_t *nr, struct error *err)
{
	struct json *doc = json_parse(text, len, "the Go release index", err);
	const struct json *rel, *f;
	size_t alloc = 0;
	int ret = -1;

	*files = NULL;
	*nr = 0;
	if (!doc)
		return -1;
	if (!json_is_array(doc)) {
		error_set(err, "the Go release index is not a JSON array of releases");
		goto out;
	}
	for (rel = json_child(doc); rel; rel = json_next(rel)) {
		const char *version = json_get_str(rel, "version");

		if (!version)
			continue;
		for (f = json_child(json_get(rel, "files")); f; f = json_next(f)) {
			const char *os = json_get_str(f, "os"), *a = json_get_str(f, "arch");
			const char *kind = json_get_str(f, "kind"), *name = json_get_str(f, "filename");
			const char *sha = json_get_str(f, "sha256");

			/* The filename becomes part of a URL and of messages: a plain name only. */
			if (!os || !a || !kind || !name || !sha || strcmp(os, "linux") || strcmp(a, arch) ||
			    strcmp(kind, "archive") || !*name || name[0] == '.' || strchr(name, '/') ||
			    strchr(name, '\\') || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
				continue;
			ALLOC_GROW(*files, *nr + 1, alloc);
			(*files)[*nr].version = xstrdup(version);
			(*files)[*nr].filename = xstrdup(name);
			(*files)[*nr].sha256 = xstrdup(sha);
			(*files)[*nr].stable = json_is_true(json_get(rel, "stable"));
			(*nr)++;
		}
	}
	ret = 0;
out:
	json_free(doc);
	return ret;
}

void go_files_release(struct go_file *files, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(files[i].version);
		free(files[i].filename);
		free(files[i].sha256);
	}
	free(files);
}

/*
 * Go's versions: go1.21.5, go1.20 (the first release of a line before 1.21
 * had no ".0"), go1.22rc1, go1.14beta1. pre is 0 for a release, else
 * 1 + beta/rc number with rc above beta.
 */
struct gover {
	long major, minor, patch;
	int has_patch;
	long pre;
};

static int parse_gover(const char *s, struct gover *v)
{
	char *end;

	memset(v, 0, sizeof(*v));
	/* "1.22" is how people write it (and go.mod's go directive): the prefix is optional. */
	if (!strncmp(s, "go", 2))
		s += 2;
	if (!isdigit((unsigned char)*s))
		return -1;
	v->major = strtol(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	v->minor = strtol(end + 1, &end, 10);
	if (*end == '.') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		v->patch = strtol(end + 1, &end, 10);
		v->has_patch = 1;
	}
	if (!strncmp(end, "rc", 2))
		v->pre = 1000 + strtol(end + 2, &end, 10);
	else if (!strncmp(end, "beta", 4))
		v->pre = 1 + strtol(end + 4, &end, 10);
	return *end ? -1 : 0;
}

/* Order: a prerelease precedes its release. */
static int gover_cmp(const struct gover *a, const struct gover *b)
{
	long pa = a->pre ? a->pre : 1000000, pb = b->pre ? b->pre : 1000000;

	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return pa < pb ? -1 : pa > pb;
}

static int go_resolve_index(const struct runtime_options *o, const char *requirement,
			    struct resolved *out, struct error *err)
{
	char *index = o->mirror ? xstrfmt("%s/index.json", o->mirror) : xstrdup(OFFICIAL_INDEX);
	struct go_file *files = NULL;
	struct buf text = BUF_INIT;
	struct gover want, have, best_v, newest_v;
	size_t nr = 0, i;
	long best = -1, newest = -1;
	int ret = -1, line;

	/* The GOVERSION config var overrides everything, as in heroku-buildpack-go. */
	if (runtime_config(o, "GOVERSION") && *runtime_config(o, "GOVERSION")) {
		requirement = runtime_config(o, "GOVERSION");
		strvec_pushf(&out->notes, "using the GOVERSION config var, %s (unset it to use "
			     "go.mod's version)", requirement);
	}
	if (!requirement)
		requirement = o->defaults->go_default;
	if (parse_gover(requirement, &want) < 0) {
		error_set(err, "'%s' is not a Go version (expected 1.22, go1.22 or go1.22.3)", requirement);
		goto out;
	}
	/* "go1.22" asks for the newest release of that line; Heroku's table maps it the same way. */
	line = !want.has_patch && !want.pre;
	if (runtime_index(o, index, INDEX_TTL, INDEX_MAX, &text, err) < 0 ||
	    go_parse_index(text.ptr, text.len, runtime_go_arch(), &files, &nr, err) < 0)
		goto out;
	for (i = 0; i < nr; i++) {
		if (parse_gover(files[i].version, &have) < 0)
			continue;
		if (files[i].stable && !have.pre && (newest < 0 || gover_cmp(&have, &newest_v) > 0)) {
			newest = (long)i;
			newest_v = have;
		}
		if (have.major != want.major || have.minor != want.minor)
			continue;
		if (line ? (!files[i].stable || have.pre) : gover_cmp(&have, &want) != 0)
			continue;
		if (best < 0 || gover_cmp(&have, &best_v) > 0) {
			best = (long)i;
			best_v = have;
		}
	}
	if (best < 0) {
		error_set(err, "no Go release matches '%s' for linux/%s in %s (the newest there is %s)",
			  requirement, runtime_go_arch(), index,
			  newest < 0 ? "none" : files[newest].version);
		goto out;
	}
	out->version = xstrdup(files[best].version);
	out->filename = xstrdup(files[best].filename);
	out->url = xstrfmt("%s/%s", o->mirror ? o->mirror : OFFICIAL_FILES, files[best].filename);
	out->sha256 = xstrdup(files[best].sha256);
	out->verified_by = xstrdup(index);
	ret = 0;
out:
	go_files_release(files, nr);
	buf_release(&text);
	free(index);
	return ret;
}

/*
 * --offline without the index in the cache: an exact release (go1.19.8)
 * resolves to the archive `slugc cache import` added for it; a line (1.22)
 * cannot, and the error says what to import. err holds why the index could
 * not be used.
 */
static int go_resolve_offline(const struct runtime_options *o, const char *requirement,
			      struct resolved *out, struct error *err)
{
	const struct runtime *rt = out->runtime;
	char *index = o->mirror ? xstrfmt("%s/index.json", o->mirror) : xstrdup(OFFICIAL_INDEX);
	char *shown = url_strip_credentials(index), *url = NULL;
	int have_index = runtime_index_cached(o, index), ret = -1;
	struct gover want;

	if (runtime_config(o, "GOVERSION") && *runtime_config(o, "GOVERSION"))
		requirement = runtime_config(o, "GOVERSION");
	if (!requirement)
		requirement = o->defaults->go_default;
	if (have_index || parse_gover(requirement, &want) < 0)
		goto out;
	if (!want.has_patch || want.pre) {
		error_set(err, "--offline, and the Go index '%s' is not in the cache: '%s' names a "
			  "line, which only the index resolves; ask for an exact release (go1.19.8) "
			  "and import its archive (go1.19.8.linux-%s.tar.gz) with 'slugc cache import "
			  "FILE', or build once with network access, or use a file:// mirror", shown,
			  requirement, runtime_go_arch());
		goto out;
	}
	resolved_release(out);
	out->runtime = rt;
	out->version = xstrfmt("go%ld.%ld.%ld", want.major, want.minor, want.patch);
	out->filename = xstrfmt("%s.linux-%s.tar.gz", out->version, runtime_go_arch());
	out->url = xstrfmt("%s/%s", o->mirror ? o->mirror : OFFICIAL_FILES, out->filename);
	if (!runtime_offline_imported(o, out)) {
		url = url_strip_credentials(out->url);
		error_set(err, "--offline, and neither the Go index '%s' nor an imported %s is in the "
			  "cache: import the archive with 'slugc cache import %s' (from %s), or build "
			  "once with network access", shown, out->filename, out->filename, url);
		goto out;
	}
	error_clear(err);
	ret = 0;
out:
	free(index);
	free(shown);
	free(url);
	return ret;
}

static int go_resolve(const struct runtime_options *o, const char *requirement,
		      struct resolved *out, struct error *err)
{
	if (go_resolve_index(o, requirement, out, err) == 0)
		return 0;
	if (!o->offline || err->kind == ERROR_INTERRUPTED)
		return -1;
	return go_resolve_offline(o, requirement, out, err);
}

/* The toolchain lives in the cache, unpacked once per archive digest, shared by every build. */
static int go_install(struct build_env *be, const struct resolved *r, const char *archive,
		      struct error *err)
{
	char *dir = NULL, *bin;

	if (runtime_unpacked(be, r, archive, 1, &dir, err) < 0)
		return -1;
	out_info("Using Go %s from the cache (build time only: not in the slug)", r->version);
	bin = xstrfmt("%s/bin", dir);
	runtime_path_prepend(&be->env, bin);
	free(bin);
	free(dir);
	return 0;
}

static const char profile[] =
	"# Written by slugc: the app's Go binaries on PATH at dyno boot, as heroku-buildpack-go does.\n"
	"export PATH=\"$PATH:$HOME/bin\"\n";

/*
 * The packages to install, Heroku's way: GO_INSTALL_PACKAGE_SPEC, else the
 * go.mod directive, else every main package `go list` finds in the module,
 * else ".".
 */
static int install_spec(struct build_env *be, int vendored, struct buf *spec, struct error *err)
{
	const char *list[] = { "go", "list", "-find", "-tags", "heroku", "-f",
			       "{{ if eq .Name \"main\" }} {{.ImportPath}} {{ end }}", "./...", NULL, NULL };
	const char *over = env_get(&be->env, "GO_INSTALL_PACKAGE_SPEC"), *p;
	struct buf out = BUF_INIT;

	if (over && *over) {
		out_info("Using the GO_INSTALL_PACKAGE_SPEC config var: %s", over);
		buf_addstr(spec, over);
		return 0;
	}
	if (!detection_fact(be->detection, "install_default")) {
		buf_addstr(spec, detection_fact(be->detection, "install"));
		return 0;
	}
	if (vendored) {
		list[7] = "-mod=vendor";
		list[8] = "./...";
	}
	out_step("Determining packages to install");
	if (runtime_step_output(be, list, "go list (main packages)", &out, err) < 0) {
		buf_release(&out);
		return -1;
	}
	/* stderr comes along ("go: downloading ..."): keep the package paths only. */
	for (p = out.ptr; *p;) {
		size_t n = strcspn(p, "\n");

		if (strncmp(p, "go: ", 4)) {
			const char *q = p, *e = p + n;

			while (q < e) {
				size_t t;

				q += strspn(q, " \t");
				t = strcspn(q, " \t\n");
				if (t) {
					if (spec->len)
						buf_addch(spec, ' ');
					buf_add(spec, q, t);
				}
				q += t;
			}
		}
		p += n;
		p += *p == '\n';
	}
	buf_release(&out);
	if (!spec->len) {
		out_warn("No main packages found in module %s; installing '.'",
			 detection_fact(be->detection, "module"));
		buf_addstr(spec, ".");
	} else {
		out_info("Detected main packages: %s", spec->ptr);
	}
	return 0;
}

static int go_build(struct build_env *be, const struct resolved *r, struct error *err)
{
	struct buf specbuf = BUF_INIT;
	const char *spec;
	struct strvec argv = STRVEC_INIT;
	char *gobin = path_join(be->app_dir, "bin"), *gopath = path_join(be->app_cache, "go");
	char *modcache = path_join(be->app_cache, "go/pkg/mod");
	/*
	 * Go keys its own caches by content: a module by path@version (checked
	 * against go.sum), a build action by the toolchain's identity, flags,
	 * environment and inputs, so neither needs a key of ours across Go
	 * versions. What Go does not hash is the system's C headers and
	 * libraries a cgo package compiles against: the build cache is kept per
	 * stack and architecture.
	 */
	const char *stack = env_get(&be->env, "STACK");
	char *gocache = xstrfmt("%s/go-build-%s-%s", be->app_cache, stack ? stack : "none",
				runtime_go_arch());
	char *vendor = path_join(be->app_dir, "vendor/modules.txt"), *what = NULL;
	const char *p;
	int ret = -1;

	(void)r;
	env_set(&be->env, "GOBIN", gobin);
	env_set(&be->env, "GOPATH", gopath);
	env_set(&be->env, "GOMODCACHE", modcache);
	env_set(&be->env, "GOCACHE", gocache);
	/* Never let the go command fetch another toolchain behind our back. */
	env_set(&be->env, "GOTOOLCHAIN", "local");
	env_set(&be->env, "GO111MODULE", "on");

	strvec_push(&argv, "go");
	strvec_push(&argv, "install");
	strvec_push(&argv, "-trimpath");
	strvec_push(&argv, "-buildvcs=false");
	strvec_push(&argv, "-tags");
	strvec_push(&argv, "heroku");
	if (fs_exists(vendor))
		strvec_push(&argv, "-mod=vendor");
	if (install_spec(be, fs_exists(vendor), &specbuf, err) < 0)
		goto out;
	spec = specbuf.ptr;
	for (p = spec; *p;) {
		size_t n = strcspn(p, " \t\n");

		if (n) {
			char *pkg = xstrndup(p, n);

			strvec_push(&argv, pkg);
			free(pkg);
		}
		p += n;
		p += strspn(p, " \t\n");
	}
	what = xstrfmt("go install %s", spec);
	out_step("Running: %s", what);
	if (runtime_step(be, (const char *const *)argv.v, what, err) < 0)
		goto out;
	ret = runtime_write_profile(be->app_dir, "go.sh", profile, err);
out:
	strvec_clear(&argv);
	free(gobin);
	free(gopath);
	free(modcache);
	free(gocache);
	free(vendor);
	free(what);
	buf_release(&specbuf);
	return ret;
}
