/*
 * The runtime table and what all runtimes share: index documents, fetching
 * into the content-addressed cache, trust on first use.
 *
 * Invariants:
 *  1. A file enters blobs/sha256/ only under the name of its own digest,
 *     after that digest matched what the index, a pin or an earlier
 *     download says (runtime_fetch); a mismatch deletes it.
 *  2. One process downloads a given URL at a time (tmp/<url key>.lock);
 *     the others wait, then find it in the cache.
 *  3. toolchains/<hex>/ appears complete or not at all (unpacked beside it
 *     and renamed, under toolchains/<hex>.lock held exclusively); a build
 *     using it holds that lock shared until it ends, so no build unpacks or
 *     evicts that name meanwhile.
 *  4. A runtime a build ships is hard-linked from toolchains/<hex>/
 *     (runtime_link), so a build step writing into one of its files in
 *     place writes into the cache's. Each linked inode's (mode, owner, size,
 *     mtime) is recorded and checked after the build steps
 *     (runtime_links_check): a changed one evicts the entry, so the next
 *     build unpacks the archive afresh. The slug of the build that changed
 *     it holds the change, as it would with a copy.
 */
#include "runtimes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "child.h"
#include "detectors.h"
#include "error.h"
#include "fsutil.h"
#include "extract.h"
#include "http.h"
#include "json.h"
#include "output.h"
#include "path.h"
#include "regex.h"
#include "sha256.h"
#include "toml.h"
#include "treecopy.h"
#include "url.h"
#include "xalloc.h"

extern const struct runtime runtime_nodejs, runtime_go, runtime_ruby, runtime_python;

static const struct runtime *const runtimes[] = {
	&runtime_nodejs,
	&runtime_ruby,
	&runtime_python,
	&runtime_go,
	NULL,
};

const struct runtime *runtime_find(const char *name)
{
	size_t i;

	for (i = 0; runtimes[i]; i++)
		if (!strcmp(runtimes[i]->name, name))
			return runtimes[i];
	return NULL;
}

/* An inventory URL names url when equal, or (for a mirror) when it ends with "/" path. */
static int inventory_url_matches(const char *entry, const char *url, const char *path)
{
	size_t n = strlen(entry), m = path ? strlen(path) : 0;

	if (!strcmp(entry, url))
		return 1;
	return m && n > m && entry[n - m - 1] == '/' && !strcmp(entry + n - m, path);
}

static int sha256_hex_valid(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

/* A string-valued key of an artifact, NULL when absent; another type is an error. */
static int artifact_str(const char *name, const struct toml_value *a, const char *key,
			const char **out, struct error *err)
{
	const struct toml_value *v = toml_get(a, key);

	*out = NULL;
	if (!v)
		return 0;
	if (v->type != TOML_STRING || strlen(v->str) != v->len)
		return error_set(err, "%s:%u: '%s' of an artifact must be a string, not %s", name, v->line,
				 key, v->type == TOML_STRING ? "one holding NUL" : toml_type_name(v->type));
	*out = v->str;
	return 0;
}

int inventory_lookup(const char *name, const char *text, size_t len, const char *url,
		     const char *path, char hex[65], struct error *err)
{
	struct toml_value *doc = NULL;
	const struct toml_value *arts;
	unsigned found_line = 0;
	size_t i, j;
	int ret = -1;

	if (toml_parse(&doc, name, text, len, err) < 0)
		return -1;
	arts = toml_get(doc, "artifacts");
	if (!arts) {
		error_set(err, "%s: no [[artifacts]] in this inventory; it pins nothing", name);
		goto out;
	}
	if (arts->type != TOML_ARRAY) {
		error_set(err, "%s:%u: 'artifacts' must be an array of tables ([[artifacts]]), not %s",
			  name, arts->line, toml_type_name(arts->type));
		goto out;
	}
	/* Every artifact is checked, not just up to the first match: the file is read whole or refused. */
	for (i = 0; i < arts->n; i++) {
		const struct toml_value *a = arts->items[i];
		const char *u, *sum;

		if (a->type != TOML_TABLE) {
			error_set(err, "%s:%u: an artifact must be a table, not %s", name, a->line,
				  toml_type_name(a->type));
			goto out;
		}
		if (artifact_str(name, a, "url", &u, err) < 0 ||
		    artifact_str(name, a, "checksum", &sum, err) < 0)
			goto out;
		if (!u || !sum) {
			error_set(err, "%s:%u: an artifact without %s; each needs a url and a checksum", name,
				  a->line, u ? "a checksum" : "a url");
			goto out;
		}
		if (!inventory_url_matches(u, url, path))
			continue;
		if (strncmp(sum, "sha256:", 7) || !sha256_hex_valid(sum + 7)) {
			error_set(err, "%s:%u: the artifact for '%s' has checksum '%.80s', which slugc cannot "
				  "check; write it as sha256:<64 hex digits>", name, a->line, u, sum);
			goto out;
		}
		if (found_line && strncasecmp(hex, sum + 7, 64)) {
			error_set(err, "%s:%u: a second artifact for '%s' (the first is on line %u) has "
				  "another checksum", name, a->line, u, found_line);
			goto out;
		}
		if (!found_line) {
			for (j = 0; j < 65; j++)
				hex[j] = (char)tolower((unsigned char)sum[7 + j]);
			found_line = a->line;
		}
	}
	ret = found_line ? 1 : 0;
out:
	toml_free(doc);
	return ret;
}

#define INVENTORY_MAX (4 * 1024 * 1024)

/*
 * The digest a pin gives for out->url: --runtime-sha256, else an inventory
 * entry for it (matched through the mirror by its path below the base URL).
 * NULL when nothing pins it. *by says which pin it was.
 */
static int pin_for(const struct runtime_options *o, const struct resolved *out, char hex[65],
		   char **by, struct error *err)
{
	struct buf text = BUF_INIT;
	const char *path = NULL;
	size_t n = o->mirror ? strlen(o->mirror) : 0;
	int r;

	if (o->pin) {
		memcpy(hex, o->pin, 65);
		*by = xstrdup("the pin given with --runtime-sha256");
		return 1;
	}
	if (!o->inventory)
		return 0;
	if (n && !strncmp(out->url, o->mirror, n) && out->url[n] == '/')
		path = out->url + n + 1;
	if (buf_read_file(&text, o->inventory, INVENTORY_MAX, err) < 0)
		return error_prefix(err, "%s", o->inventory_shown ? o->inventory_shown : "--inventory");
	/* The app's inventory is named as the app knows it; --inventory as given. */
	r = inventory_lookup(o->inventory_shown ? "inventory.toml" : o->inventory, text.ptr, text.len,
			     out->url, path, hex, err);
	buf_release(&text);
	if (r > 0)
		*by = xstrfmt("the pin in %s", o->inventory_shown ? o->inventory_shown : o->inventory);
	return r;
}

/*
 * Which digest the download must have: the published one, which a pin must
 * agree with; else the pin; else the one recorded on first use; else none
 * yet (runtime_fetch() records it).
 */
static int apply_pins(const struct runtime_options *o, struct resolved *out, struct error *err)
{
	char hex[65], *by = NULL;
	int r = pin_for(o, out, hex, &by, err);

	if (r < 0)
		return -1;
	if (r && out->sha256 && strcasecmp(out->sha256, hex)) {
		error_set(err, "%s says %s has sha256 %s, but %s says %s; one of them is wrong: "
			  "correct the pin", by, out->filename, hex, out->verified_by, out->sha256);
		free(by);
		return -1;
	}
	if (r && !out->sha256) {
		out->sha256 = xstrdup(hex);
		free(out->verified_by);
		out->verified_by = by;
		by = NULL;
	}
	free(by);
	if (!out->sha256) {
		free(out->verified_by);
		/* A digest recorded on an earlier download is what this build will insist on. */
		if (o->cache && cache_tofu_get(o->cache, out->url, hex)) {
			out->sha256 = xstrdup(hex);
			out->verified_by = xstrdup("the digest recorded on first use");
		} else {
			out->verified_by = xstrdup("trust on first use (no checksum is published for it)");
		}
	}
	return 0;
}

int runtime_resolve(const char *lang, const char *requirement, const struct runtime_options *o,
		    struct resolved *out, struct error *err)
{
	const struct runtime *rt = runtime_find(lang);
	struct runtime_options trimmed;
	char *base = NULL;
	size_t n = o->mirror ? strlen(o->mirror) : 0;
	int r;

	memset(out, 0, sizeof(*out));
	strvec_init(&out->notes);
	if (!rt)
		return error_setk(err, ERROR_USAGE, "no runtime called '%s' (nodejs, ruby, python, go)",
				  lang);
	/* "https://mirror/node/" names the same mirror as without the slash: no "//index.json". */
	if (n > 1 && o->mirror[n - 1] == '/') {
		while (n > 1 && o->mirror[n - 1] == '/')
			n--;
		base = xstrndup(o->mirror, n);
		trimmed = *o;
		trimmed.mirror = base;
		o = &trimmed;
	}
	out->runtime = rt;
	r = rt->resolve(o, requirement, out, err) < 0 || apply_pins(o, out, err) < 0 ? -1 : 0;
	/* A mirror URL may carry credentials: they are for downloading, never for showing. */
	if (!r && o->mirror)
		out->mirror = url_strip_credentials(o->mirror);
	free(base); /* o may point at trimmed, whose mirror is base: not used below */
	if (r < 0)
		return -1;
	out->shown_url = url_strip_credentials(out->url);
	if (out->verified_by && url_is_url(out->verified_by)) {
		char *shown = url_strip_credentials(out->verified_by);

		free(out->verified_by);
		out->verified_by = shown;
	}
	return 0;
}

struct json *resolved_json(const struct resolved *r)
{
	struct json *o = json_new_object();

	json_add_str(o, "name", r->runtime->name);
	json_add_str(o, "version", r->version);
	json_add_str(o, "url", r->shown_url);
	json_add_str(o, "sha256", r->sha256);
	json_add_str(o, "verified_by", r->verified_by);
	if (r->mirror)
		json_add_str(o, "mirror", r->mirror);
	return o;
}

void resolved_release(struct resolved *r)
{
	free(r->version);
	free(r->url);
	free(r->shown_url);
	free(r->filename);
	free(r->sha256);
	free(r->verified_by);
	free(r->mirror);
	strvec_clear(&r->notes);
	memset(r, 0, sizeof(*r));
}

int runtime_step(struct build_env *be, const char *const *argv, const char *what,
		 struct error *err)
{
	return runtime_step_output(be, argv, what, NULL, err);
}

int runtime_step_output(struct build_env *be, const char *const *argv, const char *what,
			struct buf *out, struct error *err)
{
	struct child c = CHILD_INIT;
	struct timespec t0;
	int r;

	if (out) {
		c.quiet = 1;
		c.capture = out;
	}
	strvec_pushv(&c.argv, argv);
	strvec_pushv(&c.env, (const char *const *)be->env.v);
	c.dir = be->app_dir;
	c.what = what;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = child_run(&c, err);
	/* -v: where a build's seconds went, step by step (stages are timed by build_run). */
	out_trace("step %s: %.3f s", what, out_seconds_since(&t0));
	child_release(&c);
	return r;
}

void runtime_path_prepend(struct strvec *env, const char *dir)
{
	const char *old = env_get(env, "PATH");
	char *path = xstrfmt("%s%s%s", dir, old ? ":" : "", old ? old : "");

	env_set(env, "PATH", path);
	free(path);
}

int runtime_hold_lock(struct build_env *be, int fd)
{
	if (be->nheld >= sizeof(be->held) / sizeof(be->held[0]))
		return -1;
	be->held[be->nheld++] = fd;
	return 0;
}

/*
 * What a cache entry holding r is (slugc cache ls), when it has no
 * description yet; `what` is "" for the archive, or ", unpacked". A
 * description is not worth failing a build for.
 */
static void describe(const char *entry, const struct resolved *r, const char *what)
{
	struct cache_meta m = CACHE_META_INIT;
	struct error ignored = ERROR_INIT;
	char *text;

	if (cache_meta_exists(entry))
		return;
	text = xstrfmt("%s %s%s (%s)", r->runtime->display, r->version, what, r->filename);
	m.description = text;
	m.url = r->shown_url ? r->shown_url : r->url;
	m.filename = r->filename;
	m.runtime = r->runtime->name;
	m.version = r->version;
	cache_meta_put(entry, &m, &ignored);
	free(text);
}

/*
 * runtime_unpacked()'s work; *held is the index in be->held of the shared
 * lock kept on the entry, or -1 when none could be kept.
 */
static int unpacked(struct build_env *be, const struct resolved *r, const char *archive, int strip,
		    char **dir, int *held, struct error *err)
{
	struct cache_lock lock = CACHE_LOCK_INIT;
	char *path = xstrfmt("%s/toolchains/%s", be->cache, r->sha256);
	char *lockpath = xstrfmt("%s.lock", path), *parent = xstrfmt("%s/toolchains", be->cache);
	char *tmp = NULL;
	int ret = -1;

	*held = -1;
	if (fs_mkdir_p(parent, 0700, err) < 0 || cache_lock(&lock, lockpath, 1, err) < 0)
		goto out;
	if (!fs_is_dir(path)) {
		struct error ignored = ERROR_INIT;

		out_info("Unpacking %s into the cache", r->filename);
		/* Beside the target and renamed: an interrupted unpack never looks complete. */
		tmp = xstrfmt("%s.tmp", path);
		fs_remove_tree(tmp, &ignored);
		if (extract_archive(archive, tmp, strip, be->limits, err) < 0) {
			fs_remove_tree(tmp, &ignored);
			error_prefix(err, "cannot unpack %s", r->shown_url);
			goto out;
		}
		if (rename(tmp, path) < 0) {
			error_errno(err, "cannot move the unpacked %s into '%s'", r->filename, path);
			fs_remove_tree(tmp, &ignored);
			goto out;
		}
	} else {
		cache_touch(path);
	}
	describe(path, r, ", unpacked");
	/* Keep a shared lock while the build uses it: `slugc cache prune` skips locked entries. */
	if (cache_lock_share(&lock, err) < 0)
		goto out;
	if (runtime_hold_lock(be, lock.fd) == 0) {
		*held = (int)be->nheld - 1;
		lock.fd = -1;
	}
	*dir = path;
	path = NULL;
	ret = 0;
out:
	cache_unlock(&lock);
	free(path);
	free(tmp);
	free(lockpath);
	free(parent);
	return ret;
}

int runtime_unpacked(struct build_env *be, const struct resolved *r, const char *archive,
		     int strip, char **dir, struct error *err)
{
	int held;

	return unpacked(be, r, archive, strip, dir, &held, err);
}

/* One file a build linked from a toolchain, and its inode's state when it was linked. */
struct linked_file {
	char *path;              /* relative to the toolchain (and to the app's copy) */
	dev_t dev;
	ino_t ino;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec mtime;
};

/* A toolchain a build linked into its app (be->linked, a list). */
struct linked_tree {
	char *toolchain;         /* <cache>/toolchains/<hex> */
	char *dest;              /* where it is in the app (absolute) */
	char *shown;             /* the same, relative to the app: ".heroku/node" */
	char *display;           /* "Node.js 20.11.1" */
	int held;                /* index in be->held of its shared lock, or -1 */
	struct linked_file *files;
	size_t nr, alloc;
	struct linked_tree *next;
};

static int record_link(void *ctx, const char *relpath, const struct stat *st, struct error *err)
{
	struct linked_tree *t = ctx;
	struct linked_file *f;

	(void)err;
	if (t->nr == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 1024;
		t->files = xrealloc(t->files, t->alloc * sizeof(*t->files));
	}
	f = &t->files[t->nr++];
	f->path = xstrdup(relpath);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->mode = st->st_mode;
	f->uid = st->st_uid;
	f->gid = st->st_gid;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	return 0;
}

static void linked_tree_free(struct linked_tree *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->files[i].path);
	free(t->files);
	free(t->toolchain);
	free(t->dest);
	free(t->shown);
	free(t->display);
	free(t);
}

int runtime_link(struct build_env *be, const struct resolved *r, const char *archive, int strip,
		 const char *rel, struct error *err)
{
	struct linked_tree *t = xcalloc(1, sizeof(*t));
	struct error ignored = ERROR_INIT;

	t->dest = path_join(be->app_dir, rel);
	t->shown = xstrdup(rel);
	t->display = xstrfmt("%s %s", r->runtime ? r->runtime->display : "the runtime", r->version);
	if (unpacked(be, r, archive, strip, &t->toolchain, &t->held, err) < 0)
		goto fail;
	/*
	 * Linked, not copied: 6,000 files and 100 MB for Node.js cost a few
	 * thousand link() calls instead of writing the data again. The packer
	 * never looks at link counts or inode numbers (it writes every file's
	 * data, no tar hard-link entries), so the slug is the same bytes.
	 */
	if (tree_link(t->toolchain, t->dest, record_link, t, err) < 0) {
		fs_remove_tree(t->dest, &ignored);
		goto fail;
	}
	t->next = be->linked;
	be->linked = t;
	return 0;
fail:
	linked_tree_free(t);
	return -1;
}

/* Whether st is the inode f recorded, and whether that inode changed: 1 changed, 0 same, -1 not it. */
static int inode_changed(const struct linked_file *f, const struct stat *st)
{
	if (st->st_dev != f->dev || st->st_ino != f->ino)
		return -1;
	return st->st_mode != f->mode || st->st_uid != f->uid || st->st_gid != f->gid ||
	       st->st_size != f->size || st->st_mtim.tv_sec != f->mtime.tv_sec ||
	       st->st_mtim.tv_nsec != f->mtime.tv_nsec;
}

/*
 * Take the damaged entry out of the cache: renamed away (under our shared
 * lock nobody is unpacking that name, and the next build unpacks it
 * afresh), then removed if no other build holds the entry's lock; else it
 * is left, under its new name, to `slugc cache prune`.
 */
static void evict(struct build_env *be, struct linked_tree *t)
{
	char *away = xstrfmt("%s.evicted-%ld", t->toolchain, (long)getpid());
	char *lockpath = xstrfmt("%s.lock", t->toolchain);
	struct error ignored = ERROR_INIT;
	int fd;

	fs_remove_tree(away, &ignored);
	if (rename(t->toolchain, away) < 0) {
		out_warn("could not evict '%s' from the cache (%s): remove it by hand or run "
			 "'slugc cache prune --all'", t->toolchain, strerror(errno));
		goto out;
	}
	/* Our own shared lock would refuse us the exclusive one: the entry is no longer ours. */
	if (t->held >= 0) {
		close(be->held[t->held]);
		be->held[t->held] = -1;
		t->held = -1;
	}
	fd = open(lockpath, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		fs_remove_tree(away, &ignored);
	if (fd >= 0)
		close(fd);
out:
	free(away);
	free(lockpath);
}

void runtime_links_check(struct build_env *be)
{
	struct linked_tree *t;

	for (t = be->linked; t; t = t->next) {
		const struct linked_file *bad = NULL;
		int dirfd = open(t->toolchain, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int appfd = open(t->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int in_cache = 0;
		size_t i;

		for (i = 0; i < t->nr && !bad; i++) {
			const struct linked_file *f = &t->files[i];
			struct stat st;
			int r = -1;

			if (dirfd >= 0 && fstatat(dirfd, f->path, &st, AT_SYMLINK_NOFOLLOW) == 0)
				r = inode_changed(f, &st);
			in_cache = r >= 0;
			/* Evicted or replaced meanwhile: the app's link may still be that inode. */
			if (r < 0 && appfd >= 0 && fstatat(appfd, f->path, &st, AT_SYMLINK_NOFOLLOW) == 0)
				r = inode_changed(f, &st);
			if (r == 1)
				bad = f;
		}
		if (dirfd >= 0)
			close(dirfd);
		if (appfd >= 0)
			close(appfd);
		if (!bad)
			continue;
		out_warn("a build step changed %s/%s in place (written to or chmod-ed); it is a hard "
			 "link to %s in the cache, which %s: this slug holds the change. To change a "
			 "runtime file, write a new file and rename it over the old one", t->shown,
			 bad->path, t->display, in_cache ? "is now evicted and unpacked afresh by the "
			 "next build" : "another build already evicted");
		if (in_cache)
			evict(be, t);
	}
}

void runtime_links_release(struct build_env *be)
{
	while (be->linked) {
		struct linked_tree *t = be->linked;

		be->linked = t->next;
		linked_tree_free(t);
	}
}

int runtime_write_profile(const char *app_dir, const char *name, const char *text, struct error *err)
{
	char *dir = path_join(app_dir, ".profile.d"), *file = xstrfmt("%s/%s", dir, name);
	int r = fs_mkdir_p(dir, 0755, err) < 0 ? -1 : fs_write_file_atomic(file, text, strlen(text), err);

	free(dir);
	free(file);
	return r;
}

const char *runtime_config(const struct runtime_options *o, const char *name)
{
	size_t i, n = strlen(name);

	if (!o->config)
		return NULL;
	for (i = 0; i < o->config->nr; i++)
		if (!strncmp(o->config->v[i], name, n) && o->config->v[i][n] == '=')
			return o->config->v[i] + n + 1;
	return NULL;
}

static const char *machine(void)
{
	static struct utsname u;

	if (!u.machine[0] && uname(&u) < 0)
		return "x86_64";
	return u.machine;
}

const char *runtime_node_arch(void)
{
	return !strcmp(machine(), "aarch64") ? "arm64" : "x64";
}

const char *runtime_go_arch(void)
{
	return !strcmp(machine(), "aarch64") ? "arm64" : "amd64";
}

/* Downloads may use file:// only when the mirror itself is a file:// URL. */
static void http_opts(const struct runtime_options *o, const char *label, struct http_options *ho)
{
	struct http_options def = HTTP_OPTIONS_INIT;

	*ho = def;
	ho->allow_file = o->mirror && !strncmp(o->mirror, "file://", 7);
	ho->progress = 1;
	ho->label = label;
}

int runtime_index(const struct runtime_options *o, const char *url, long ttl, size_t max,
		  struct buf *out, struct error *err)
{
	struct http_options ho;
	struct error ferr = ERROR_INIT;
	char key[65];

	cache_key(url, key);
	if (cache_index_get(o->cache, key, o->offline ? -1 : ttl, out))
		return 0;
	/* A file:// mirror is on this machine: reading it is not network access. */
	if (o->offline && strncmp(url, "file://", 7))
		return error_set(err, "--offline, and there is no cached copy of '%s'; run once with "
				 "network access, or use a file:// mirror", url);
	http_opts(o, NULL, &ho);
	ho.progress = 0;
	/*
	 * http_get() appends: the caller's buffer may still hold the previous
	 * document (index.json before SHASUMS256.txt), and what is cached must
	 * be exactly the bytes fetched.
	 */
	buf_reset(out);
	if (http_get(url, max, &ho, out, &ferr) < 0) {
		/* A stale copy beats no build: the archive digests it lists are still checked. */
		if (cache_index_get(o->cache, key, -1, out)) {
			out_warn("%s; using the cached copy", ferr.msg);
			return 0;
		}
		*err = ferr;
		return -1;
	}
	if (cache_index_put(o->cache, key, out->ptr, out->len, err) < 0)
		return -1;
	{
		struct cache_meta m = CACHE_META_INIT;
		struct error ignored = ERROR_INIT;
		char *entry = xstrfmt("%s/index/%s", o->cache, key);
		char *shown = url_strip_credentials(url), *what = xstrfmt("index document %s", shown);

		m.description = what;
		m.url = shown;
		if (!cache_meta_exists(entry))
			cache_meta_put(entry, &m, &ignored);
		free(entry);
		free(shown);
		free(what);
	}
	return 0;
}

int runtime_index_cached(const struct runtime_options *o, const char *url)
{
	struct buf b = BUF_INIT;
	char key[65];
	int r;

	if (!strncmp(url, "file://", 7))
		return 1;
	cache_key(url, key);
	r = cache_index_get(o->cache, key, -1, &b);
	buf_release(&b);
	return r;
}

int runtime_offline_imported(const struct runtime_options *o, struct resolved *r)
{
	char hex[65];

	if (!cache_find_imported(o->cache, r->url, r->filename, hex))
		return 0;
	r->sha256 = xstrdup(hex);
	r->verified_by = xstrdup("the digest of the archive imported with slugc cache import "
				 "(offline, without the index)");
	strvec_pushf(&r->notes, "--offline and no %s index in the cache: using the imported %s "
		     "(sha256 %s) as it is", r->runtime->display, r->filename, hex);
	return 1;
}

static int hex_equal(const char *a, const char *b)
{
	return a && b && !strcasecmp(a, b);
}

/* Download r->url into the cache's tmp/, verify it and store it (invariant 1). */
static int download(const struct runtime_options *o, struct resolved *r, const char *key,
		    char **archive, struct error *err)
{
	struct http_options ho;
	unsigned char digest[32];
	uint64_t size;
	char got[SHA256_HEX_LEN + 1], first[SHA256_HEX_LEN + 1];
	char *part = xstrfmt("%s/tmp/%s.part", o->cache, key), *blob = NULL;
	int have_first = 0, first_use = 0, ret = -1;

	http_opts(o, r->filename, &ho);
	out_info("Downloading %s", r->shown_url);
	if (http_download(r->url, part, &ho, digest, &size, err) < 0)
		goto out;
	sha256_hex(digest, got);
	if (r->sha256 && !hex_equal(r->sha256, got)) {
		unlink(part);
		error_set(err, "the download of '%s' has sha256 %s, but %s says %s; deleted it (%s)",
			  r->shown_url, got, r->verified_by, r->sha256,
			  strcmp(r->verified_by, "the digest recorded on first use")
				  ? "a corrupt mirror, or a changed file"
				  : "nobody publishes a checksum for it: if the change is legitimate, "
				    "forget the record with 'slugc cache prune --tofu'");
		goto out;
	}
	if (!r->sha256) {
		/* Trust on first use: the first digest seen for this URL is the one every later download must have. */
		have_first = cache_tofu_get(o->cache, r->url, first);
		if (have_first && !hex_equal(first, got)) {
			unlink(part);
			error_set(err, "the download of '%s' has sha256 %s, but its first download had %s; "
				  "refusing it (nobody publishes a checksum for it: if the change is "
				  "legitimate, remove the record with 'slugc cache prune --tofu')",
				  r->shown_url, got, first);
			goto out;
		}
		first_use = !have_first;
		if (first_use && cache_tofu_put(o->cache, r->url, got, err) < 0)
			goto out;
		r->sha256 = xstrdup(got);
		free(r->verified_by);
		r->verified_by = xstrdup(have_first ? "the digest recorded on first use"
					 : "trust on first use: first download, digest recorded");
	}
	if (cache_blob_put(o->cache, part, got, err) < 0)
		goto out;
	blob = cache_blob_path(o->cache, got);
	describe(blob, r, "");
	if (first_use)
		out_info("Recorded sha256 %s (trust on first use: no checksum is published for it; "
			 "every later download must match)", got);
	else
		out_info("Verified sha256 %s (%s)", got, r->verified_by);
	*archive = blob;
	blob = NULL;
	ret = 0;
out:
	free(part);
	free(blob);
	return ret;
}

/* 1 and *archive set when the artifact is already in the cache. */
static int cached(const struct runtime_options *o, struct resolved *r, char **archive)
{
	char hex[65];

	/* Without a published digest, the one recorded on first use names the cached copy. */
	if (!r->sha256 && cache_tofu_get(o->cache, r->url, hex)) {
		r->sha256 = xstrdup(hex);
		free(r->verified_by);
		r->verified_by = xstrdup("the digest recorded on first use");
	}
	if (!r->sha256 || !cache_blob_exists(o->cache, r->sha256))
		return 0;
	out_info("Using %s from the cache", r->filename);
	*archive = cache_blob_path(o->cache, r->sha256);
	describe(*archive, r, "");
	return 1;
}

/* "Node.js X is not on the mirror M", with the ways to put it there. */
static int not_on_mirror(const struct runtime_options *o, const struct resolved *r, const char *why,
			 struct error *err)
{
	char *base = o->mirror ? url_strip_credentials(o->mirror) : NULL;

	error_set(err, "%s %s is not on %s%s%s (%s: %s): add %s to the mirror, or for --offline "
		  "builds download it elsewhere and run 'slugc cache import %s --url %s%s%s'",
		  r->runtime->display, r->version, base ? "the mirror '" : "the official download site",
		  base ? base : "", base ? "'" : "", r->shown_url ? r->shown_url : r->url, why,
		  r->filename, r->filename, r->shown_url ? r->shown_url : r->url,
		  r->sha256 ? " --sha256 " : "", r->sha256 ? r->sha256 : "");
	free(base);
	return -1;
}

int runtime_check_available(const struct runtime_options *o, const struct resolved *r,
			    struct error *err)
{
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct http_options ho;
	struct url u = URL_INIT;
	char *why = NULL;
	int ret = -1;

	if (o->offline || (r->sha256 && o->cache && cache_blob_exists(o->cache, r->sha256)))
		return 0;
	if (!strncmp(r->url, "file://", 7)) {
		if (url_parse(&u, r->url, err) < 0)
			goto out;
		if (!fs_exists(u.path)) {
			not_on_mirror(o, r, "no such file", err);
			goto out;
		}
		ret = 0;
		goto out;
	}
	http_opts(o, NULL, &ho);
	ho.progress = 0;
	rq.method = "HEAD";
	rq.url = r->url;
	rq.idempotent = 1;
	if (http_request(&rq, &rs, &ho, err) < 0)
		goto out;
	if (rs.status >= 200 && rs.status < 300) {
		ret = 0;
		goto out;
	}
	why = xstrfmt("HTTP %ld", rs.status);
	not_on_mirror(o, r, why, err);
out:
	free(why);
	url_release(&u);
	http_response_release(&rs);
	return ret;
}

int runtime_fetch(const struct runtime_options *o, struct resolved *r, char **archive,
		  struct error *err)
{
	struct cache_lock lock = CACHE_LOCK_INIT;
	char key[65], *tmp = NULL, *lockpath = NULL;
	int ret = -1;

	*archive = NULL;
	if (cached(o, r, archive))
		return 0;
	if (o->offline && strncmp(r->url, "file://", 7))
		return error_set(err, "--offline, and %s %s is not in the cache: import %s%s%s%s with "
				 "'slugc cache import FILE', or build once with network access",
				 r->runtime->display, r->version, r->filename,
				 r->sha256 ? " (sha256 " : "", r->sha256 ? r->sha256 : "",
				 r->sha256 ? ")" : "");
	cache_key(r->url, key);
	tmp = xstrfmt("%s/tmp", o->cache);
	lockpath = xstrfmt("%s/%s.lock", tmp, key);
	if (fs_mkdir_p(tmp, 0700, err) < 0 || cache_lock(&lock, lockpath, 1, err) < 0)
		goto out;
	/* Another build may have fetched it while we waited (invariant 2). */
	if (cached(o, r, archive)) {
		ret = 0;
		goto out;
	}
	ret = download(o, r, key, archive, err);
	if (ret < 0 && err->kind != ERROR_INTERRUPTED) {
		/* A missing file is the usual reason: say which, and how to add it. */
		struct error why = ERROR_INIT;

		if (runtime_check_available(o, r, &why) < 0 && strstr(why.msg, "is not on ")) {
			error_clear(err);
			*err = why;
		} else {
			error_clear(&why);
		}
	}
out:
	cache_unlock(&lock);
	free(tmp);
	free(lockpath);
	return ret;
}
