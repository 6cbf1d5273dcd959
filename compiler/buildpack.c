/*
 * Buildpack lists and references (contract in buildpack.h): where the list
 * comes from, what each REF is, and putting an external buildpack into the
 * build's work directory through the git, HTTP and extract modules.
 */
#include "buildpack.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "git.h"
#include "http.h"
#include "json.h"
#include "output.h"
#include "path.h"
#include "sha256.h"
#include "tree_writer.h"
#include "treecopy.h"
#include "url.h"
#include "xalloc.h"

/* The most a buildpack archive may expand to (Heroku's own are a few MB). */
#define BUILDPACK_MAX_UNPACKED ((uint64_t)512 << 20)
static const struct unpack_limits buildpack_limits = { BUILDPACK_MAX_UNPACKED,
							UNPACK_DEFAULT_MAX_ENTRIES };
#define BUILDPACKS_FILE_MAX (64 * 1024)
#define APP_JSON_MAX (1024 * 1024)

/* A bad --buildpack is a usage error (exit 2); a bad app file or config var is the input's. */
#define KIND(where) (strcmp((where), "--buildpack") ? ERROR_INPUT : ERROR_USAGE)

/* Built-in names: slugc's native step for the language. */
static const struct {
	const char *ref, *lang;
} natives[] = {
	{ "nodejs", "nodejs" }, { "heroku/nodejs", "nodejs" },
	{ "ruby", "ruby" },     { "heroku/ruby", "ruby" },
	{ "go", "go" },         { "heroku/go", "go" },
	{ "python", "python" }, { "heroku/python", "python" },
};

static void buildpack_release_one(struct buildpack *bp)
{
	free(bp->ref);
	free(bp->shown);
	free(bp->lang);
	free(bp->url);
	free(bp->fragment);
	free(bp->path);
	free(bp->name);
	free(bp->dir);
	free(bp->commit);
	free(bp->sha256);
	free(bp->description);
	buildpack_release_release(&bp->release);
}

void buildpack_list_release(struct buildpack_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		buildpack_release_one(&l->v[i]);
	free(l->v);
	free(l->origin);
	memset(l, 0, sizeof(*l));
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

/* The last path component of a URL or path, without .git/.tgz/.tar.gz. */
static char *short_name(const char *s)
{
	size_t n = strlen(s);
	const char *slash;

	while (n > 1 && s[n - 1] == '/')
		n--;
	slash = memrchr(s, '/', n);
	if (slash) {
		n -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	if (ends_with(s, n, ".git"))
		n -= 4;
	else if (ends_with(s, n, ".tar.gz"))
		n -= 7;
	else if (ends_with(s, n, ".tgz"))
		n -= 4;
	return n ? xstrndup(s, n) : xstrdup("buildpack");
}

int buildpack_parse_ref(struct buildpack *bp, const char *ref, int from_app, const char *where,
			struct error *err)
{
	const char *hash;
	char real[PATH_MAX];
	size_t i;

	memset(bp, 0, sizeof(*bp));
	bp->detection = -1;
	bp->ref = xstrdup(ref);
	bp->shown = url_strip_credentials(ref);
	for (i = 0; i < sizeof(natives) / sizeof(natives[0]); i++) {
		if (!strcmp(ref, natives[i].ref)) {
			bp->kind = BUILDPACK_NATIVE;
			bp->lang = xstrdup(natives[i].lang);
			bp->name = xstrdup(natives[i].lang);
			return 0;
		}
	}
	if (url_is_url(ref)) {
		hash = strchr(ref, '#');
		bp->url = hash ? xstrndup(ref, (size_t)(hash - ref)) : xstrdup(ref);
		bp->fragment = hash && hash[1] ? xstrdup(hash + 1) : NULL;
		bp->name = short_name(bp->url);
		if ((!strncmp(ref, "http://", 7) || !strncmp(ref, "https://", 8)) &&
		    (ends_with(bp->url, strlen(bp->url), ".tgz") ||
		     ends_with(bp->url, strlen(bp->url), ".tar.gz"))) {
			bp->kind = BUILDPACK_TGZ;
			if (bp->fragment && (strncmp(bp->fragment, "sha256=", 7) ||
					     strlen(bp->fragment) != 71 ||
					     strspn(bp->fragment + 7, "0123456789abcdef") != 64))
				return error_setk(err, KIND(where), "%s: the buildpack '%s' may only be "
						  "pinned with #sha256=<64 lowercase hex>", where,
						  bp->shown);
			return 0;
		}
		if (strncmp(ref, "http://", 7) && strncmp(ref, "https://", 8) &&
		    strncmp(ref, "git://", 6) && strncmp(ref, "file://", 7))
			return error_setk(err, KIND(where), "%s: the buildpack URL '%s' must be https://, "
					  "http://, git:// or file://", where, bp->shown);
		bp->kind = BUILDPACK_GIT;
		return 0;
	}
	if (!strncmp(ref, "heroku/", 7) || !strncmp(ref, "heroku-community/", 17))
		return error_setk(err, KIND(where), "%s: '%s' is not one of slugc's built-in buildpacks "
				  "(nodejs, ruby, go, python); give its URL instead, e.g. "
				  "https://buildpack-registry.s3.amazonaws.com/buildpacks/%s.tgz", where,
				  ref, ref);
	if (from_app)
		return error_setk(err, KIND(where), "%s: '%s' is not a URL or a built-in buildpack "
				  "name (an app's files may not name directories of the builder)",
				  where, ref);
	if (!realpath(ref, real) || !fs_is_dir(real))
		return error_setk(err, KIND(where), "%s: the buildpack '%s' is not a directory, a URL or "
				  "a built-in name (nodejs, ruby, go, python)", where, ref);
	bp->kind = BUILDPACK_DIR;
	bp->path = xstrdup(real);
	bp->name = short_name(real);
	return 0;
}

static struct buildpack *list_add(struct buildpack_list *l)
{
	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 4;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	memset(&l->v[l->nr], 0, sizeof(l->v[0]));
	return &l->v[l->nr++];
}

static int add_ref(struct buildpack_list *l, const char *ref, int from_app, const char *where,
		   struct error *err)
{
	struct buildpack *bp = list_add(l);

	if (buildpack_parse_ref(bp, ref, from_app, where, err) < 0)
		return -1;
	return 0;
}

/* .buildpacks: one REF a line; blank lines and '#' comments skipped, surrounding blanks trimmed. */
static int read_buildpacks_file(struct buildpack_list *l, const char *path, struct error *err)
{
	struct buf text = BUF_INIT;
	const char *p, *end;
	unsigned line = 0;
	int ret = -1;

	if (buf_read_file(&text, path, BUILDPACKS_FILE_MAX, err) < 0)
		return -1;
	for (p = text.ptr; p < text.ptr + text.len; p = end + 1) {
		const char *s, *e;
		char *ref, where[64];

		end = memchr(p, '\n', (size_t)(text.ptr + text.len - p));
		if (!end)
			end = text.ptr + text.len;
		line++;
		for (s = p; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = end; e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		if (s == e || *s == '#')
			continue;
		snprintf(where, sizeof(where), "'.buildpacks' line %u", line);
		if (memchr(s, '\0', (size_t)(e - s))) {
			error_set(err, "%s: a NUL byte", where);
			goto out;
		}
		ref = xstrndup(s, (size_t)(e - s));
		if (strchr(ref, '=') && !url_is_url(ref)) {
			error_setk(err, KIND(where), "%s: 'DIR=URL' lines (heroku-buildpack-subdir) are "
				   "not supported; use --app-dir", where);
			free(ref);
			goto out;
		}
		ret = add_ref(l, ref, 1, where, err);
		free(ref);
		if (ret < 0)
			goto out;
		ret = -1;
	}
	if (!l->nr) {
		error_setk(err, ERROR_INPUT, "'.buildpacks' names no buildpack; remove it or add one URL "
			   "a line");
		goto out;
	}
	ret = 0;
out:
	buf_release(&text);
	return ret;
}

/* app.json: {"buildpacks": [{"url": REF}, ...]}; 0 when it has no "buildpacks". */
static int read_app_json(struct buildpack_list *l, const char *path, struct error *err)
{
	struct error jerr = ERROR_INIT;
	struct json *doc = json_load(path, APP_JSON_MAX, &jerr);
	const struct json *list, *e;
	unsigned i = 0;
	int ret = -1;

	/* app.json serves other tools too (Heroku Button, review apps): a broken one is not ours. */
	if (!doc) {
		out_warn("app.json ignored: %s", jerr.msg);
		return 0;
	}
	list = json_get(doc, "buildpacks");
	if (!json_is_object(doc) || !list) {
		ret = 0;
		goto out;
	}
	if (!json_is_array(list)) {
		error_set(err, "'app.json': \"buildpacks\" must be a list of {\"url\": ...} objects");
		goto out;
	}
	for (e = json_child(list); e; e = json_next(e), i++) {
		const char *ref = json_get_str(e, "url");
		char where[64];

		snprintf(where, sizeof(where), "'app.json' buildpacks[%u]", i);
		if (!json_is_object(e) || !ref || !*ref) {
			error_set(err, "%s must be an object with a \"url\" string", where);
			goto out;
		}
		if (add_ref(l, ref, 1, where, err) < 0)
			goto out;
	}
	ret = l->nr ? 1 : 0;
out:
	json_free(doc);
	return ret;
}

int buildpack_list_read(struct buildpack_list *l, const struct strvec *cli,
			const struct strvec *config, const char *app_dir, struct error *err)
{
	char *path = NULL;
	const char *url = NULL;
	size_t i;
	int r, ret = -1;

	if (cli && cli->nr) {
		l->origin = xstrdup("--buildpack");
		for (i = 0; i < cli->nr; i++)
			if (add_ref(l, cli->v[i], 0, "--buildpack", err) < 0)
				return -1;
		return 1;
	}
	for (i = 0; config && i < config->nr; i++)
		if (!strncmp(config->v[i], "BUILDPACK_URL=", 14) && config->v[i][14])
			url = config->v[i] + 14;
	if (url) {
		l->origin = xstrdup("the BUILDPACK_URL config var");
		return add_ref(l, url, 0, "the BUILDPACK_URL config var", err) < 0 ? -1 : 1;
	}
	path = path_join(app_dir, ".buildpacks");
	if (fs_exists(path)) {
		if (fs_is_symlink(path) || fs_is_dir(path)) {
			error_set(err, "'.buildpacks' must be a regular file");
			goto out;
		}
		l->origin = xstrdup(".buildpacks");
		ret = read_buildpacks_file(l, path, err) < 0 ? -1 : 1;
		goto out;
	}
	free(path);
	path = path_join(app_dir, "app.json");
	if (fs_exists(path) && !fs_is_symlink(path) && !fs_is_dir(path)) {
		r = read_app_json(l, path, err);
		if (r > 0)
			l->origin = xstrdup("app.json");
		ret = r;
		goto out;
	}
	ret = 0;
out:
	free(path);
	return ret;
}

static int fetch_git(struct buildpack *bp, const char *cache_opt, const char *dest,
		     struct error *err)
{
	struct git_fetch_stats stats;
	struct git_commit_info c;
	struct gitrepo *repo = NULL;
	struct tree_writer *w = NULL;
	int resolved = 0, ret = -1;

	if (gitrepo_open_remote(&repo, bp->url, cache_opt, &stats, err) < 0)
		return error_prefix(err, "buildpack '%s'", bp->shown);
	if (gitrepo_resolve(repo, bp->fragment, &c, err) < 0) {
		error_prefix(err, "buildpack '%s'", bp->shown);
		goto out;
	}
	resolved = 1;
	bp->commit = xstrdup(c.sha);
	out_info("%s at %s%s%s", bp->name, c.sha, bp->fragment ? " from #" : "",
		 bp->fragment ? bp->fragment : "");
	gitrepo_set_cache_dir(repo, cache_opt);
	if (tree_writer_open(&w, dest, BUILDPACK_MAX_UNPACKED, err) < 0 ||
	    gitrepo_checkout(repo, NULL, w, err) < 0)
		goto out;
	ret = 0;
out:
	tree_writer_close(w);
	if (resolved)
		git_commit_info_release(&c);
	gitrepo_close(repo);
	return ret;
}

static int fetch_tgz(struct buildpack *bp, const char *dest, struct error *err)
{
	struct http_options o = HTTP_OPTIONS_INIT;
	unsigned char digest[32];
	char hex[SHA256_HEX_LEN + 1];
	char *archive = xstrfmt("%s.download", dest), *bin = NULL;
	int ret = -1;

	o.progress = 1;
	o.label = bp->name;
	if (http_download(bp->url, archive, &o, digest, NULL, err) < 0) {
		error_prefix(err, "buildpack '%s'", bp->shown);
		goto out;
	}
	sha256_hex(digest, hex);
	if (bp->fragment && strcmp(bp->fragment + 7, hex)) {
		error_set(err, "buildpack '%s': the archive's sha256 is %s, not the pinned %s; "
			  "check the URL or update the pin", bp->shown, hex, bp->fragment + 7);
		goto out;
	}
	bp->sha256 = xstrdup(hex);
	out_info("%s sha256 %s%s", bp->name, hex, bp->fragment ? " (pinned)" : "");
	/* Heroku's registry packs bin/ at the top; GitHub's tarballs put one directory first. */
	if (extract_archive(archive, dest, 0, &buildpack_limits, err) < 0) {
		error_prefix(err, "buildpack '%s'", bp->shown);
		goto out;
	}
	bin = path_join(dest, "bin");
	if (!fs_is_dir(bin)) {
		bp->dir = extract_top_dir(dest, err);
		if (!bp->dir)
			goto out;
	}
	ret = 0;
out:
	unlink(archive);
	free(archive);
	free(bin);
	return ret;
}

int buildpack_fetch(struct buildpack *bp, const char *cache_opt, const char *dest,
		    struct error *err)
{
	char *compile = NULL;
	int ret = -1;

	switch (bp->kind) {
	case BUILDPACK_DIR:
		out_info("%s from %s", bp->name, bp->path);
		if (tree_copy(bp->path, dest, TREE_COPY_SKIP_GIT, NULL, NULL, err) < 0)
			return error_prefix(err, "buildpack '%s'", bp->shown);
		break;
	case BUILDPACK_GIT:
		if (fetch_git(bp, cache_opt, dest, err) < 0)
			return -1;
		break;
	case BUILDPACK_TGZ:
		if (fetch_tgz(bp, dest, err) < 0)
			return -1;
		break;
	case BUILDPACK_NATIVE:
		return error_setk(err, ERROR_INTERNAL, "a native step has nothing to fetch");
	}
	if (!bp->dir)
		bp->dir = xstrdup(dest);
	compile = path_join(bp->dir, "bin/compile");
	if (!fs_exists(compile)) {
		error_set(err, "buildpack '%s' has no bin/compile: it is not a classic buildpack",
			  bp->shown);
		goto out;
	}
	ret = 0;
out:
	free(compile);
	return ret;
}
