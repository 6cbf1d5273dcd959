/*
 * The dependency cache (depcache.h): deps/<key>/ in the cache directory.
 *
 * Invariants:
 *  1. An entry appears only by rename of a complete directory (tree/,
 *     tree.txt, record.json) written under a dot name beside it
 *     (.new-<key>-XXXXXX); a reader never sees half an entry, and `cache ls`
 *     and `prune` never take a partial one for an entry.
 *  2. A restored tree is the recorded one, entry by entry: each file's bytes
 *     are hashed as they are copied and every line of tree.txt (whose own
 *     digest is in record.json) must match, in walk order, with nothing
 *     missing and nothing extra. Anything else removes the restored copy and
 *     the entry: a damaged entry never reaches a slug.
 *  3. A build that restored an entry holds a shared lock on deps/<key>.lock
 *     until it ends; prune takes that lock exclusively without waiting, so
 *     an entry in use is never removed. A second build that stored the same
 *     key finds the name taken and drops its copy.
 *  4. The leftovers, .new-<key>-* being written and .evicted-<key>-* being
 *     removed, are made and removed under a shared lock on deps/<key>.lock
 *     taken before they exist: prune removes one when it can take that lock
 *     exclusively (its build died: a crash, kill -9), never one a live
 *     build is working on (cache.c).
 */
#include "depcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "output.h"
#include "path.h"
#include "runtimes.h"
#include "strvec.h"
#include "treecopy.h"
#include "walk.h"
#include "xalloc.h"

#define KEY_FILE_MAX (64 * 1024 * 1024)
#define RECORD_MAX (1024 * 1024)
#define LISTING_MAX (1024 * 1024 * 1024)

void depcache_key_init(struct depcache_key *k, const char *kind)
{
	char v[16];

	sha256_init(&k->h);
	snprintf(v, sizeof(v), "%d", DEPCACHE_FORMAT);
	depcache_key_add_str(k, "format", v);
	depcache_key_add_str(k, "kind", kind);
}

void depcache_key_add(struct depcache_key *k, const char *label, const void *data, size_t len)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "%zu:", strlen(label));

	/* "<label length>:<label><data length>:<data>": no two sequences of fields hash alike. */
	sha256_update(&k->h, head, (size_t)n);
	sha256_update(&k->h, label, strlen(label));
	n = snprintf(head, sizeof(head), "%zu:", len);
	sha256_update(&k->h, head, (size_t)n);
	sha256_update(&k->h, data, len);
}

void depcache_key_add_str(struct depcache_key *k, const char *label, const char *s)
{
	depcache_key_add(k, label, s ? s : "(none)", strlen(s ? s : "(none)"));
}

int depcache_key_add_file(struct depcache_key *k, const char *label, const char *path,
			  struct error *err)
{
	struct buf text = BUF_INIT;
	char *l;

	if (!fs_exists(path) && !fs_is_symlink(path)) {
		l = xstrfmt("absent %s", label);
		depcache_key_add_str(k, l, "");
		free(l);
		return 0;
	}
	if (buf_read_file(&text, path, KEY_FILE_MAX, err) < 0)
		return -1;
	l = xstrfmt("file %s", label);
	depcache_key_add(k, l, text.ptr, text.len);
	free(l);
	buf_release(&text);
	return 0;
}

/*
 * Never in a key: the host's network settings (how packages are reached, not
 * which) and what changes with every commit (an install must not depend on it).
 */
static const char *const host_env[] = {
	"SOURCE_VERSION", "SOURCE_DATE_EPOCH",
	"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO",
	"REQUESTS_CA_BUNDLE", "PIP_CERT", "npm_config_cafile", "NPM_CONFIG_CAFILE", NULL,
};

static int listed(const char *const *list, const char *name, size_t n)
{
	size_t j;

	for (j = 0; list && list[j]; j++)
		if (strlen(list[j]) == n && !strncmp(list[j], name, n))
			return 1;
	return 0;
}

void depcache_key_add_env(struct depcache_key *k, const struct strvec *env,
			  const char *const *skip, const char *build_dir)
{
	struct strvec sorted = STRVEC_INIT;
	size_t i, bn = build_dir ? strlen(build_dir) : 0;

	for (i = 0; i < env->nr; i++) {
		const char *e = env->v[i];
		size_t n = strcspn(e, "=");
		struct buf v = BUF_INIT;
		const char *p;

		if (listed(host_env, e, n) || listed(skip, e, n))
			continue;
		/* The build directory is new on every build: its name is no input. */
		for (p = e; *p;) {
			if (bn && !strncmp(p, build_dir, bn)) {
				buf_addstr(&v, "<build>");
				p += bn;
			} else {
				buf_addch(&v, *p++);
			}
		}
		strvec_push(&sorted, v.ptr);
		buf_release(&v);
	}
	strvec_sort(&sorted);
	for (i = 0; i < sorted.nr; i++)
		depcache_key_add_str(k, "env", sorted.v[i]);
	strvec_clear(&sorted);
}

void depcache_key_final(struct depcache_key *k, char hex[65])
{
	unsigned char d[32];

	sha256_final(&k->h, d);
	sha256_hex(d, hex);
}

/* Paths and symlink targets in tree.txt: bytes below 0x21, '%' and 0x7f as %XX. */
static void add_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c == '%' || c == 0x7f)
			buf_addf(b, "%%%02X", c);
		else
			buf_addch(b, c);
	}
}

struct listed {
	struct strvec *lines;        /* saving: every entry's line is added here */
	const struct strvec *expect; /* restoring: the recorded lines, matched in order */
	size_t next;
	int mismatch;                /* the tree differs from its record (err says how) */
	struct buf line;
	uint64_t entries, bytes;
};

/* The line for an entry is built; compare it with the record or keep it. */
static int check_line(struct listed *c, const char *path, struct error *err)
{
	const char *want;
	size_t i;

	if (c->lines) {
		strvec_push(c->lines, c->line.ptr);
		return 0;
	}
	want = c->next < c->expect->nr ? c->expect->v[c->next] : NULL;
	if (want && !strcmp(want, c->line.ptr)) {
		c->next++;
		return 0;
	}
	c->mismatch = 1;
	/* Same path: changed. A later recorded line with this path: entries before it are missing. */
	if (want) {
		const char *wp = strrchr(want, ' ');
		struct buf esc = BUF_INIT;

		add_escaped(&esc, path);
		if (wp && !strcmp(wp + 1, esc.ptr)) {
			buf_release(&esc);
			return error_set(err, "'%s' differs from the record", path);
		}
		for (i = c->next + 1; i < c->expect->nr; i++) {
			const char *p = strrchr(c->expect->v[i], ' ');

			if (p && !strcmp(p + 1, esc.ptr)) {
				buf_release(&esc);
				return error_set(err, "'%s' is missing", wp ? wp + 1 : want);
			}
		}
		buf_release(&esc);
	}
	return error_set(err, "'%s' is not in the record (an extra entry)", path);
}

/* tree_copy_each()'s hook: each entry as copied (a file's bytes hashed as they were written). */
static int list_entry(void *ctx, const struct tree_copied *t, struct error *err)
{
	struct listed *c = ctx;
	mode_t m = t->st->st_mode;

	c->entries++;
	buf_reset(&c->line);
	if (S_ISDIR(m)) {
		buf_addf(&c->line, "d %04o ", (unsigned)(m & 0777));
	} else if (S_ISLNK(m)) {
		buf_addstr(&c->line, "l ");
		add_escaped(&c->line, t->target);
		buf_addch(&c->line, ' ');
	} else {
		c->bytes += t->size;
		buf_addf(&c->line, "f %04o %llu %s ", (unsigned)(m & 0777),
			 (unsigned long long)t->size, t->sha256);
	}
	add_escaped(&c->line, t->path);
	return check_line(c, t->path, err);
}

/*
 * Copy src to dst (which must not exist), making or checking the listing
 * (exactly one of lines and expect is given). *mismatch is set when the
 * tree differs from expect.
 */
static int tree_copy_listed(const char *src, const char *dst, struct strvec *lines,
			    const struct strvec *expect, int *mismatch, uint64_t *entries,
			    uint64_t *bytes, struct error *err)
{
	struct listed c = { lines, expect, 0, 0, BUF_INIT, 0, 0 };
	int ret = -1;

	*mismatch = 0;
	if (tree_copy_each(src, dst, TREE_COPY_PRESERVE | TREE_COPY_SHA256, list_entry, &c,
			   err) < 0)
		goto out;
	if (expect && c.next < expect->nr) {
		const char *p = strrchr(expect->v[c.next], ' ');

		c.mismatch = 1;
		error_set(err, "'%s' is missing", p ? p + 1 : expect->v[c.next]);
		goto out;
	}
	*entries = c.entries;
	*bytes = c.bytes;
	ret = 0;
out:
	*mismatch = c.mismatch;
	buf_release(&c.line);
	return ret;
}

static char *entry_path(const struct build_env *be, const char *key)
{
	return xstrfmt("%s/deps/%s", be->cache, key);
}

/*
 * Move an entry out of the way (by rename: a reader never sees it half
 * removed) and delete it. The caller holds deps/<key>.lock (invariant 4).
 */
static void evict(const struct build_env *be, const char *key, const char *entry)
{
	struct error ignored = ERROR_INIT;
	char *tmpl = xstrfmt("%s/deps/.evicted-%s-XXXXXX", be->cache, key);

	if (mkdtemp(tmpl) && rename(entry, tmpl) == 0)
		fs_remove_tree(tmpl, &ignored);
	else
		fs_remove_tree(entry, &ignored);
	rmdir(tmpl);
	error_clear(&ignored);
	free(tmpl);
}

/* Split a listing into its lines (each ends in '\n'). */
static void split_lines(const char *text, size_t len, struct strvec *out)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *l;

		if (!nl)
			nl = end;
		l = xstrndup(p, (size_t)(nl - p));
		strvec_push(out, l);
		free(l);
		p = nl + 1;
	}
}

/* Read the record and listing of an entry; 0 and the lines, or -1 with why in err. */
static int read_record(const char *entry, const char *key, struct strvec *lines, struct error *err)
{
	char *rec = xstrfmt("%s/record.json", entry), *list = xstrfmt("%s/tree.txt", entry);
	struct buf text = BUF_INIT;
	struct json *doc = NULL;
	const char *want, *k;
	int64_t format = 0;
	char hex[65];
	int ret = -1;

	doc = json_load(rec, RECORD_MAX, err);
	if (!doc)
		goto out;
	want = json_get_str(doc, "tree_sha256");
	k = json_get_str(doc, "key");
	if (json_get_int(doc, "format", &format) < 0 || format != DEPCACHE_FORMAT || !want || !k ||
	    strcmp(k, key)) {
		error_set(err, "record.json is not a format %d record of this key", DEPCACHE_FORMAT);
		goto out;
	}
	if (buf_read_file(&text, list, LISTING_MAX, err) < 0)
		goto out;
	sha256_hex_of(text.ptr, text.len, hex);
	if (strcmp(hex, want)) {
		error_set(err, "tree.txt has sha256 %s, but record.json says %s", hex, want);
		goto out;
	}
	split_lines(text.ptr, text.len, lines);
	ret = 0;
out:
	json_free(doc);
	buf_release(&text);
	free(rec);
	free(list);
	return ret;
}

int depcache_restore(struct build_env *be, const char *key, const char *dir, struct buf *why,
		     int *damaged, struct error *err)
{
	struct cache_lock lock = CACHE_LOCK_INIT;
	struct strvec lines = STRVEC_INIT;
	struct error e = ERROR_INIT, ignored = ERROR_INIT;
	char *entry = entry_path(be, key), *lockpath = xstrfmt("%s.lock", entry);
	char *parent = xstrfmt("%s/deps", be->cache), *tree = xstrfmt("%s/tree", entry);
	char *dst = path_join(be->app_dir, dir);
	uint64_t entries = 0, bytes = 0;
	int mismatch = 0, ret = -1;

	*damaged = 0;
	buf_reset(why);
	if (fs_mkdir_p(parent, 0700, err) < 0 || cache_lock(&lock, lockpath, 0, err) < 0) {
		if (err->kind == ERROR_INTERRUPTED)
			goto out;
		/* A cache we cannot lock is a cache we do not use: the build goes on. */
		buf_addf(why, "the cache is not usable: %s", err->msg);
		error_clear(err);
		ret = 0;
		goto out;
	}
	if (!fs_is_dir(entry)) {
		buf_addstr(why, "no entry for this key yet");
		ret = 0;
		goto out;
	}
	if (read_record(entry, key, &lines, &e) < 0 ||
	    tree_copy_listed(tree, dst, NULL, &lines, &mismatch, &entries, &bytes, &e) < 0) {
		fs_remove_tree(dst, &ignored);
		error_clear(&ignored);
		if (e.kind == ERROR_INTERRUPTED) {
			*err = e;
			goto out;
		}
		buf_addstr(why, e.msg);
		error_clear(&e);
		*damaged = 1;
		/* Removed by rename: builds restoring meanwhile see it whole, or fail and reinstall. */
		evict(be, key, entry);
		ret = 0;
		goto out;
	}
	cache_touch(entry);
	buf_addf(why, "%llu entries, ", (unsigned long long)entries);
	buf_add_size(why, bytes);
	/* Held until the build ends: `slugc cache prune` skips an entry in use (invariant 3). */
	if (runtime_hold_lock(be, lock.fd) == 0)
		lock.fd = -1;
	ret = 1;
out:
	cache_unlock(&lock);
	strvec_clear(&lines);
	error_clear(&e);
	free(entry);
	free(lockpath);
	free(parent);
	free(tree);
	free(dst);
	return ret;
}

int depcache_save(struct build_env *be, const char *key, const char *dir, const char *description,
		  struct error *err)
{
	struct cache_lock lock = CACHE_LOCK_INIT;
	struct strvec lines = STRVEC_INIT;
	struct buf listing = BUF_INIT;
	struct json *rec = json_new_object();
	struct error ignored = ERROR_INIT;
	char *entry = entry_path(be, key), *parent = xstrfmt("%s/deps", be->cache);
	char *lockpath = xstrfmt("%s.lock", entry);
	char *src = path_join(be->app_dir, dir), *tmp = NULL, *tree = NULL, *file = NULL;
	char *text = NULL, hex[65];
	uint64_t entries = 0, bytes = 0;
	int mismatch, ret = -1;
	size_t i;

	/* Shared: builds storing the same key do not wait for each other (invariant 4). */
	if (fs_mkdir_p(parent, 0700, err) < 0 || cache_lock(&lock, lockpath, 0, err) < 0)
		goto out;
	/* A dot name: a crash leaves nothing that looks like an entry. */
	tmp = xstrfmt("%s/.new-%s-XXXXXX", parent, key);
	if (!mkdtemp(tmp)) {
		error_errno(err, "cannot create a directory in '%s'", parent);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	tree = path_join(tmp, "tree");
	if (tree_copy_listed(src, tree, &lines, NULL, &mismatch, &entries, &bytes, err) < 0)
		goto out;
	for (i = 0; i < lines.nr; i++) {
		buf_addstr(&listing, lines.v[i]);
		buf_addch(&listing, '\n');
	}
	file = path_join(tmp, "tree.txt");
	if (fs_write_file_atomic(file, listing.ptr, listing.len, err) < 0)
		goto out;
	sha256_hex_of(listing.ptr, listing.len, hex);
	json_add_int(rec, "format", DEPCACHE_FORMAT);
	json_add_str(rec, "key", key);
	json_add_str(rec, "description", description);
	json_add_str(rec, "dir", dir);
	json_add_str(rec, "tree_sha256", hex);
	json_add_int(rec, "entries", (int64_t)entries);
	json_add_int(rec, "bytes", (int64_t)bytes);
	json_add_int(rec, "created", (int64_t)time(NULL));
	text = json_print(rec, 1);
	free(file);
	file = path_join(tmp, "record.json");
	if (fs_write_file_atomic(file, text, strlen(text), err) < 0)
		goto out;
	if (rename(tmp, entry) < 0) {
		/* Another build stored this key first: its entry is the same tree. */
		if (errno == EEXIST || errno == ENOTEMPTY) {
			ret = 0;
			goto out;
		}
		error_errno(err, "cannot move the dependency cache entry into '%s'", entry);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = 0;
out:
	if (tmp)
		fs_remove_tree(tmp, &ignored);
	cache_unlock(&lock);
	error_clear(&ignored);
	strvec_clear(&lines);
	buf_release(&listing);
	json_free(rec);
	free(text);
	free(entry);
	free(parent);
	free(lockpath);
	free(src);
	free(tmp);
	free(tree);
	free(file);
	return ret;
}

struct fp {
	struct sha256 h;
	const char *const *skip;
	struct buf line;
};

static int fp_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct fp *f = ctx;
	size_t i;

	(void)err;
	for (i = 0; f->skip && f->skip[i]; i++)
		if (!strcmp(e->path, f->skip[i]))
			return WALK_SKIP;
	buf_reset(&f->line);
	/*
	 * A directory's mtime and size change when an entry is added or removed
	 * (vendor/ when vendor/bundle is made), and such a change shows as the
	 * entry itself: only files and links are fingerprinted by them.
	 */
	if (S_ISDIR(e->st->st_mode))
		buf_addf(&f->line, "%o ", (unsigned)e->st->st_mode);
	else
		buf_addf(&f->line, "%o %lld %lld.%09ld ", (unsigned)e->st->st_mode,
			 (long long)e->st->st_size, (long long)e->st->st_mtim.tv_sec,
			 (long)e->st->st_mtim.tv_nsec);
	add_escaped(&f->line, e->path);
	buf_addch(&f->line, '\n');
	sha256_update(&f->h, f->line.ptr, f->line.len);
	return WALK_CONTINUE;
}

int depcache_fingerprint(const char *root, const char *const *skip, char hex[65],
			 struct error *err)
{
	struct fp f = { SHA256_INIT, skip, BUF_INIT };
	unsigned char d[32];
	int r;

	sha256_init(&f.h);
	r = walk_tree(root, fp_entry, NULL, &f, 0, err);
	sha256_final(&f.h, d);
	sha256_hex(d, hex);
	buf_release(&f.line);
	return r;
}

/*
 * The app's files outside `skip`, fingerprinted; a tree the walk cannot read
 * only means no cache (hex ""): -1 on an interrupt alone.
 */
static int fingerprint(struct build_env *be, const char *const *skip, char hex[65],
		       struct error *err)
{
	if (depcache_fingerprint(be->app_dir, skip, hex, err) == 0)
		return 0;
	hex[0] = '\0';
	if (err->kind == ERROR_INTERRUPTED)
		return -1;
	out_trace("dependency cache: cannot fingerprint the app: %s", err->msg);
	error_clear(err);
	return 0;
}

int depcache_install(struct build_env *be, const struct depcache_step *s, struct error *err)
{
	const char *const outside[] = { s->dir, NULL };
	struct buf why = BUF_INIT;
	struct timespec t0;
	char before[65] = "", after[65];
	int restored = 0, damaged = 0, ret = -1;

	if (s->usable) {
		out_trace("dependency cache key %s", s->key);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		restored = depcache_restore(be, s->key, s->dir, &why, &damaged, err);
		if (restored < 0)
			goto out;
		out_trace("step dependency cache restore: %.3f s", out_seconds_since(&t0));
	} else {
		buf_addstr(&why, s->why);
	}
	if (restored) {
		out_info("Restored %s from the dependency cache (%s)", s->dir, why.ptr);
		out_trace("dependency cache: hit, key %.12s", s->key);
		ret = 0;
		goto out;
	}
	if (damaged)
		out_warn("the dependency cache entry %.12s was damaged (%s): removed it; installing from "
			 "scratch", s->key, why.ptr);
	else
		out_info("Dependency cache %s: %s", s->usable ? "miss" : "not used", why.ptr);
	out_trace("dependency cache: %s (%s)", damaged ? "damaged entry" : s->usable ? "miss" : "not used",
		  why.ptr);
	if (s->usable && fingerprint(be, outside, before, err) < 0)
		goto out;
	if (s->install(be, s->ctx, err) < 0)
		goto out;
	if (!s->usable || !before[0]) {
		ret = 0;
		goto out;
	}
	if (fingerprint(be, outside, after, err) < 0)
		goto out;
	if (!after[0] || strcmp(before, after)) {
		out_info("Not saved to the dependency cache: the install changed files outside %s",
			 s->dir);
		ret = 0;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Before anything else runs: the tree exactly as the install left it. */
	if (depcache_save(be, s->key, s->dir, s->description, err) < 0) {
		if (err->kind == ERROR_INTERRUPTED)
			goto out;
		out_warn("could not save %s to the dependency cache: %s", s->dir, err->msg);
		error_clear(err);
	} else {
		out_info("Saved %s to the dependency cache", s->dir);
	}
	out_trace("step dependency cache save: %.3f s", out_seconds_since(&t0));
	ret = 0;
out:
	buf_release(&why);
	return ret;
}
