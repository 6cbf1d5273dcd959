#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "path.h"
#include "sha256.h"
#include "sig.h"
#include "strvec.h"
#include "url.h"
#include "walk.h"
#include "xalloc.h"

int cache_dir(const char *opt, const char *sub, char **out, struct error *err)
{
	const char *env = getenv("SLUGC_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	struct error mkerr = ERROR_INIT;
	char *dir;

	if (opt && *opt)
		dir = xstrdup(opt);
	else if (env && *env)
		dir = xstrdup(env);
	else if (xdg && *xdg)
		dir = xstrfmt("%s/slugc", xdg);
	else if (home && *home)
		dir = xstrfmt("%s/.cache/slugc", home);
	else
		return error_set(err, "no cache directory: set --cache-dir, SLUGC_CACHE_DIR or HOME");
	if (sub) {
		char *full = path_join(dir, sub);

		free(dir);
		dir = full;
	}
	if (fs_mkdir_p(dir, 0700, &mkerr) < 0) {
		free(dir);
		return error_setk(err, mkerr.kind, "cache directory: %s (choose another with "
				  "--cache-dir or SLUGC_CACHE_DIR)", mkerr.msg);
	}
	if (access(dir, W_OK) < 0) {
		error_errno(err, "cache directory '%s' is not writable (choose another with "
			    "--cache-dir or SLUGC_CACHE_DIR)", dir);
		free(dir);
		return -1;
	}
	*out = dir;
	return 0;
}

int cache_lock(struct cache_lock *l, const char *path, int exclusive, struct error *err)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0)
		return error_errno(err, "cannot open lock file '%s'", path);
	/* Poll rather than block, so an interrupt is noticed while another build holds the lock. */
	while (flock(l->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			error_errno(err, "cannot lock '%s'", path);
			cache_unlock(l);
			return -1;
		}
		if (sig_check(err) < 0) {
			cache_unlock(l);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

int cache_lock_share(struct cache_lock *l, struct error *err)
{
	if (flock(l->fd, LOCK_SH) < 0)
		return error_errno(err, "cannot downgrade a cache lock");
	return 0;
}

void cache_unlock(struct cache_lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void cache_key(const char *s, char out[65])
{
	struct sha256 sha = SHA256_INIT;
	unsigned char d[32];

	sha256_init(&sha);
	sha256_update(&sha, s, strlen(s));
	sha256_final(&sha, d);
	sha256_hex(d, out);
}

char *cache_blob_path(const char *cache, const char *hex)
{
	return xstrfmt("%s/blobs/sha256/%s", cache, hex);
}

int cache_blob_exists(const char *cache, const char *hex)
{
	char *p = cache_blob_path(cache, hex);
	int r = fs_exists(p);

	if (r)
		cache_touch(p);
	free(p);
	return r;
}

int cache_blob_put(const char *cache, const char *path, const char *hex, struct error *err)
{
	char *dir = xstrfmt("%s/blobs/sha256", cache), *dest = cache_blob_path(cache, hex);
	int ret = -1;

	if (fs_mkdir_p(dir, 0700, err) < 0)
		goto out;
	if (rename(path, dest) < 0) {
		error_errno(err, "cannot store '%s' in the cache", dest);
		goto out;
	}
	ret = 0;
out:
	free(dir);
	free(dest);
	return ret;
}

int cache_index_get(const char *cache, const char *key, long max_age, struct buf *out)
{
	char *p = xstrfmt("%s/index/%s", cache, key);
	struct error ignored = ERROR_INIT;
	struct stat st;
	int r = 0;

	if (stat(p, &st) == 0 && (max_age < 0 || time(NULL) - st.st_mtime <= max_age)) {
		buf_reset(out);
		r = buf_read_file(out, p, 64 * 1024 * 1024, &ignored) == 0;
	}
	free(p);
	return r;
}

int cache_index_put(const char *cache, const char *key, const char *text, size_t len,
		    struct error *err)
{
	char *dir = xstrfmt("%s/index", cache), *p = xstrfmt("%s/index/%s", cache, key);
	int r = fs_mkdir_p(dir, 0700, err) < 0 ? -1 : fs_write_file_atomic(p, text, len, err);

	free(dir);
	free(p);
	return r;
}

int cache_tofu_get(const char *cache, const char *url, char hex[65])
{
	struct buf b = BUF_INIT;
	struct error ignored = ERROR_INIT;
	char key[65], *p;
	int r = 0;

	cache_key(url, key);
	p = xstrfmt("%s/tofu/%s", cache, key);
	if (fs_exists(p) && buf_read_file(&b, p, 4096, &ignored) == 0) {
		buf_rtrim(&b);
		if (b.len == 64) {
			memcpy(hex, b.ptr, 65);
			r = 1;
		}
	}
	buf_release(&b);
	free(p);
	return r;
}

int cache_tofu_put(const char *cache, const char *url, const char *hex, struct error *err)
{
	struct cache_meta m = CACHE_META_INIT;
	char key[65], *dir = xstrfmt("%s/tofu", cache), *p;
	char *text = xstrfmt("%s\n", hex), *shown = url_strip_credentials(url);
	char *what = xstrfmt("sha256 recorded for %s", shown);
	int r;

	cache_key(url, key);
	p = xstrfmt("%s/%s", dir, key);
	r = fs_mkdir_p(dir, 0700, err) < 0 ? -1 : fs_write_file_atomic(p, text, strlen(text), err);
	m.description = what;
	m.url = shown;
	if (!r)
		r = cache_meta_put(p, &m, err);
	free(dir);
	free(p);
	free(text);
	free(shown);
	free(what);
	return r;
}

int cache_meta_put(const char *entry, const struct cache_meta *m, struct error *err)
{
	struct json *doc = json_new_object();
	char *url = m->url ? url_strip_credentials(m->url) : NULL, *p = xstrfmt("%s.json", entry);
	char *text;
	int r;

	json_add_str(doc, "description", m->description ? m->description : "");
	if (url)
		json_add_str(doc, "url", url);
	if (m->filename)
		json_add_str(doc, "filename", m->filename);
	if (m->runtime)
		json_add_str(doc, "runtime", m->runtime);
	if (m->version)
		json_add_str(doc, "version", m->version);
	if (m->imported)
		json_add_bool(doc, "imported", 1);
	text = json_print(doc, 0);
	r = fs_write_file_atomic(p, text, strlen(text), err);
	free(text);
	free(url);
	free(p);
	json_free(doc);
	return r;
}

int cache_meta_exists(const char *entry)
{
	char *p = xstrfmt("%s.json", entry);
	int r = fs_exists(p);

	free(p);
	return r;
}

/* The description document of an entry: its record.json (a directory that has one), else <entry>.json. */
static struct json *meta_load(const char *entry)
{
	struct error ignored = ERROR_INIT;
	char *p = xstrfmt("%s/record.json", entry);
	struct json *doc = NULL;

	if (!fs_exists(p)) {
		free(p);
		p = xstrfmt("%s.json", entry);
	}
	if (fs_exists(p))
		doc = json_load(p, 1024 * 1024, &ignored);
	if (doc && !json_is_object(doc)) {
		json_free(doc);
		doc = NULL;
	}
	free(p);
	return doc;
}

int cache_find_imported(const char *cache, const char *url, const char *filename, char hex[65])
{
	char *dir = xstrfmt("%s/blobs/sha256", cache);
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (url && cache_tofu_get(cache, url, hex) && cache_blob_exists(cache, hex)) {
		free(dir);
		return 1;
	}
	d = filename ? opendir(dir) : NULL;
	while (d && !found && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct json *doc;
		char *entry;
		const char *f;

		if (n != 64 + 5 || strcmp(de->d_name + 64, ".json"))
			continue;
		entry = xstrfmt("%s/%.64s", dir, de->d_name);
		doc = meta_load(entry);
		f = doc ? json_get_str(doc, "filename") : NULL;
		if (f && !strcmp(f, filename) && json_is_true(json_get(doc, "imported")) &&
		    fs_exists(entry)) {
			memcpy(hex, de->d_name, 64);
			hex[64] = '\0';
			cache_touch(entry);
			found = 1;
		}
		json_free(doc);
		free(entry);
	}
	if (d)
		closedir(d);
	free(dir);
	return found;
}

void cache_touch(const char *path)
{
	utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW);
}

struct du_ctx {
	unsigned long long bytes;
};

static int du_file(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct du_ctx *d = ctx;

	(void)err;
	if (S_ISREG(e->st->st_mode))
		d->bytes += (unsigned long long)e->st->st_blocks * 512;
	return WALK_CONTINUE;
}

/* Disk use of a file or tree. */
static unsigned long long disk_use(const char *path)
{
	struct du_ctx d = { 0 };
	struct error ignored = ERROR_INIT;
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return (unsigned long long)st.st_blocks * 512;
	walk_tree(path, du_file, NULL, &d, WALK_IGNORE_SIGNALS, &ignored);
	return d.bytes;
}

/* The kinds of entries, each a subdirectory whose children are the entries. */
static const char *const kinds[][2] = {
	{ "git", "git" }, { "blobs/sha256", "blob" }, { "index", "index" }, { "tofu", "tofu" },
	{ "toolchains", "toolchain" }, { "build", "build" }, { "deps", "deps" },
};

static int is_meta_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".json");
}

/*
 * Leftovers: directories beside the entries that are not entries, each the
 * work of one build on one entry, under that entry's lock:
 *   deps/.new-<key>-XXXXXX          an entry being written (shared lock, depcache.c)
 *   deps/.evicted-<key>-XXXXXX      a damaged entry being removed (shared lock)
 *   toolchains/<hex>.tmp, <hex>.tmp.unpack-XXXXXX
 *                                   an archive being unpacked (exclusive lock, runtimes.c)
 *   toolchains/<hex>.evicted-<pid>  an evicted toolchain being removed (under the lock, or
 *                                   left when other builds held it)
 * The lock is <dir>/<key>.lock, taken before the directory is made and held
 * until it is renamed or removed; so when prune takes it exclusively, no
 * build is working on the directory (it died, or was killed), and it is
 * removed. They are never entries: ls and prune's age rules do not see them.
 */
static const struct {
	const char *dir;     /* the kind's directory */
	const char *prefix;  /* before the key */
	const char *suffix;  /* after the key: the rest of the name (exact), or how it starts */
	int exact;
	const char *what;    /* for `slugc cache ls` */
} leftover_forms[] = {
	{ "deps", ".new-", "-", 0, "an unfinished dependency cache entry" },
	{ "deps", ".evicted-", "-", 0, "an evicted dependency cache entry" },
	{ "toolchains", "", ".tmp", 1, "an unfinished unpack" },
	{ "toolchains", "", ".tmp.unpack-", 0, "an unfinished unpack" },
	{ "toolchains", "", ".evicted-", 0, "an evicted toolchain" },
	{ "git", "", ".git.tmp-", 0, "an unfinished mirror clone" },
};

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Whether `name` in the kind directory `dir` is a leftover: its form, and the key whose lock guards it. */
static int leftover_form(const char *dir, const char *name, char key[65])
{
	size_t i;

	for (i = 0; i < sizeof(leftover_forms) / sizeof(leftover_forms[0]); i++) {
		size_t n = strlen(leftover_forms[i].prefix);
		const char *k, *rest;

		if (strcmp(dir, leftover_forms[i].dir) || strncmp(name, leftover_forms[i].prefix, n))
			continue;
		k = name + n;
		if (strlen(k) < 64 || !is_hex64(k))
			continue;
		rest = k + 64;
		if (leftover_forms[i].exact ? strcmp(rest, leftover_forms[i].suffix)
					    : strncmp(rest, leftover_forms[i].suffix,
						      strlen(leftover_forms[i].suffix)))
			continue;
		memcpy(key, k, 64);
		key[64] = '\0';
		return (int)i;
	}
	return -1;
}

/*
 * The names in a kind's directory, sorted: its entries (not lock files,
 * dot names, descriptions <entry>.json or leftovers), or its leftovers.
 */
static void kind_names(const char *dir, const char *kind, int leftovers, struct strvec *out)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char key[65];

	while (d && (de = readdir(d))) {
		int left = leftover_form(kind, de->d_name, key) >= 0;

		if (leftovers ? left
			      : !left && de->d_name[0] != '.' && !strstr(de->d_name, ".lock") &&
					!is_meta_name(de->d_name))
			strvec_push(out, de->d_name);
	}
	if (d)
		closedir(d);
	strvec_sort(out);
}

typedef int (*entry_fn)(const char *kind, const char *path, const char *name,
			const struct stat *st, void *ctx, struct error *err);

static int each_entry(const char *cache, entry_fn fn, void *ctx, struct error *err)
{
	size_t k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char *dir = xstrfmt("%s/%s", cache, kinds[k][0]);
		struct strvec names = STRVEC_INIT;
		size_t i;

		kind_names(dir, kinds[k][0], 0, &names);
		for (i = 0; i < names.nr; i++) {
			char *p = xstrfmt("%s/%s", dir, names.v[i]);
			struct stat st;
			int r = lstat(p, &st) == 0 ? fn(kinds[k][1], p, names.v[i], &st, ctx, err) : 0;

			free(p);
			if (r < 0) {
				strvec_clear(&names);
				free(dir);
				return -1;
			}
		}
		strvec_clear(&names);
		free(dir);
	}
	return 0;
}

/* Each leftover of the cache, by kind, then by name: with the lock that guards it and what it is. */
typedef int (*leftover_fn)(const char *kind, const char *path, const char *name, const char *lock,
			   const char *what, const struct stat *st, void *ctx, struct error *err);

static int each_leftover(const char *cache, leftover_fn fn, void *ctx, struct error *err)
{
	size_t k;
	int ret = 0;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && !ret; k++) {
		char *dir = xstrfmt("%s/%s", cache, kinds[k][0]);
		struct strvec names = STRVEC_INIT;
		char key[65];
		size_t i;

		kind_names(dir, kinds[k][0], 1, &names);
		for (i = 0; i < names.nr && !ret; i++) {
			int f = leftover_form(kinds[k][0], names.v[i], key);
			char *p = xstrfmt("%s/%s", dir, names.v[i]);
			char *lock = xstrfmt("%s/%s.lock", dir, key);
			struct stat st;

			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				ret = fn(kinds[k][1], p, names.v[i], lock, leftover_forms[f].what, &st,
					 ctx, err);
			free(p);
			free(lock);
		}
		strvec_clear(&names);
		free(dir);
	}
	return ret;
}

/* Take an exclusive lock without waiting: 0 taken, -1 someone holds it. */
static int try_lock(const char *path, struct cache_lock *l)
{
	l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0)
		return -1;
	if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		cache_unlock(l);
		return -1;
	}
	return 0;
}

struct list_ctx {
	struct cache_item *v;
	size_t nr, alloc;
};

static int list_entry(const char *kind, const char *path, const char *name, const struct stat *st,
		      void *ctx, struct error *err)
{
	struct list_ctx *l = ctx;
	struct cache_item *it;
	struct json *doc = meta_load(path);
	const char *d = doc ? json_get_str(doc, "description") : NULL;
	const char *u = doc ? json_get_str(doc, "url") : NULL;

	(void)err;
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	it = &l->v[l->nr++];
	it->kind = kind;
	it->name = xstrdup(name);
	it->size = disk_use(path);
	it->mtime = (long long)st->st_mtime;
	/* A description holds no credentials; a URL from an older or foreign file is stripped anyway. */
	it->description = d && *d ? xstrdup(d) : NULL;
	it->url = u && *u ? url_strip_credentials(u) : NULL;
	json_free(doc);
	return 0;
}

int cache_list(const char *cache, struct cache_item **items, size_t *nr, struct error *err)
{
	struct list_ctx l = { NULL, 0, 0 };

	if (each_entry(cache, list_entry, &l, err) < 0) {
		cache_items_free(l.v, l.nr);
		return -1;
	}
	*items = l.v;
	*nr = l.nr;
	return 0;
}

static int list_leftover(const char *kind, const char *path, const char *name, const char *lock,
			 const char *what, const struct stat *st, void *ctx, struct error *err)
{
	struct list_ctx *l = ctx;
	struct cache_lock probe = CACHE_LOCK_INIT;
	struct cache_item *it;
	int busy;

	(void)err;
	/* A look, not a claim: held for no longer than it takes to ask. */
	busy = fs_exists(lock) && try_lock(lock, &probe) < 0;
	cache_unlock(&probe);
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	it = &l->v[l->nr++];
	it->kind = kind;
	it->name = xstrdup(name);
	it->size = disk_use(path);
	it->mtime = (long long)st->st_mtime;
	it->description = xstrfmt("%s, %s", what, busy ? "in use by a running build"
					       : "abandoned (prune removes it)");
	it->url = NULL;
	return 0;
}

int cache_list_leftovers(const char *cache, struct cache_item **items, size_t *nr,
			 struct error *err)
{
	struct list_ctx l = { NULL, 0, 0 };

	if (each_leftover(cache, list_leftover, &l, err) < 0) {
		cache_items_free(l.v, l.nr);
		return -1;
	}
	*items = l.v;
	*nr = l.nr;
	return 0;
}

void cache_items_free(struct cache_item *items, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(items[i].name);
		free(items[i].description);
		free(items[i].url);
	}
	free(items);
}

struct prune_ctx {
	long max_age;
	int tofu;
	struct cache_pruned *out;
};

static int prune_entry(const char *kind, const char *path, const char *name, const struct stat *st,
		       void *ctx, struct error *err)
{
	struct prune_ctx *p = ctx;
	struct cache_lock lock = CACHE_LOCK_INIT;
	size_t n = strlen(path);
	char *lockpath;
	unsigned long long size;
	int r = 0;

	(void)name;
	if (!strcmp(kind, "tofu") ? !p->tofu
				  : p->max_age >= 0 && time(NULL) - st->st_mtime <= p->max_age)
		return 0;
	/* An entry a running build uses is locked (a mirror: <key>.lock beside <key>.git). */
	if (!strcmp(kind, "git") && n > 4)
		lockpath = xstrfmt("%.*s.lock", (int)(n - 4), path);
	else
		lockpath = xstrfmt("%s.lock", path);
	/* Only entries that builds lock have a lock file; do not create one for the others. */
	if (fs_exists(lockpath) && try_lock(lockpath, &lock) < 0) {
		free(lockpath);
		return 0;
	}
	size = disk_use(path);
	r = fs_remove_tree(path, err);
	if (!r) {
		char *meta = xstrfmt("%s.json", path);

		p->out->freed += size + disk_use(meta);
		p->out->entries++;
		unlink(meta);
		free(meta);
	}
	/* The lock file stays: unlinking it would let two builds lock different files. */
	cache_unlock(&lock);
	free(lockpath);
	return r;
}

/* A leftover nobody holds the lock of is abandoned: removed under that lock. */
static int prune_leftover(const char *kind, const char *path, const char *name, const char *lock,
			  const char *what, const struct stat *st, void *ctx, struct error *err)
{
	struct prune_ctx *p = ctx;
	struct cache_lock l = CACHE_LOCK_INIT;
	unsigned long long size;
	int r;

	(void)kind;
	(void)name;
	(void)what;
	(void)st;
	if (try_lock(lock, &l) < 0) {
		p->out->busy++;
		return 0;
	}
	size = disk_use(path);
	r = fs_remove_tree(path, err);
	if (!r) {
		p->out->freed += size;
		p->out->leftovers++;
	}
	cache_unlock(&l);
	return r;
}

int cache_prune(const char *cache, long max_age, int tofu, struct cache_pruned *out,
		struct error *err)
{
	struct prune_ctx p = { max_age, tofu, out };

	memset(out, 0, sizeof(*out));
	if (each_leftover(cache, prune_leftover, &p, err) < 0)
		return -1;
	return each_entry(cache, prune_entry, &p, err);
}
