#include "inspect.h"

#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "extract.h"
#include "path.h"
#include "sig.h"
#include "tree_writer.h"
#include "unpack_pool.h"
#include "xalloc.h"

#define APP_PREFIX "./app/"
#define APP_PREFIX_LEN 6

struct link {
	char *path;   /* relative to ./app/, no trailing slash */
	char *target;
};

/*
 * Every name the slug has produced so far, explicit or implied by an entry
 * beneath it, keyed by the path relative to ./app/ ("" is ./app itself), in
 * a tsearch() tree (red-black in glibc: O(log n) whatever names an attacker
 * picks, where a hash table could be flooded). It is what lets one pass
 * decide everything an extractor would trip over (duplicates, a file where a
 * directory must be, a hard link to nothing) before the entry is written.
 */
enum name_kind { NAME_IMPLIED = 1, NAME_DIR, NAME_FILE, NAME_SYMLINK };

struct name {
	char *path;
	enum name_kind kind;
};

struct seen {
	struct link *links;
	size_t nlinks, alloc_links;
	void *names;     /* tsearch() root of struct name */
	struct buf key;  /* scratch for lookups of a prefix */
	struct buf prev; /* previous full path, for the order check */
	/*
	 * A directory (relative, no trailing slash) that it and every parent of
	 * it are known to be directories, implied or explicit: a name once
	 * checked as a directory stays one (a later entry of that name is
	 * refused), so the parents an entry shares with it need no lookup.
	 * Slugs list a directory's entries together, so most entries share all.
	 */
	struct buf dirs_ok;
	int root_known;  /* "" is in names */
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->path, ((const struct name *)b)->path);
}

static struct name *names_find(struct seen *s, const char *p, size_t n)
{
	struct name key;
	struct name **hit;

	buf_reset(&s->key);
	buf_add(&s->key, p, n);
	key.path = s->key.ptr;
	hit = tfind(&key, &s->names, name_cmp);
	return hit ? *hit : NULL;
}

static void name_free(void *p)
{
	struct name *x = p;

	free(x->path);
	free(x);
}

/* Add the name, or return the one already there (then nothing is added). */
static struct name *names_add(struct seen *s, const char *p, size_t n, enum name_kind kind)
{
	struct name *x = xmalloc(sizeof(*x));
	struct name **slot;

	x->path = xstrndup(p, n);
	x->kind = kind;
	slot = tsearch(x, &s->names, name_cmp);
	if (!slot)
		abort();
	if (*slot != x) {
		name_free(x);
		return *slot;
	}
	return NULL;
}

static void seen_release(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++) {
		free(s->links[i].path);
		free(s->links[i].target);
	}
	tdestroy(s->names, name_free);
	free(s->links);
	buf_release(&s->key);
	buf_release(&s->prev);
	buf_release(&s->dirs_ok);
}

static int link_cmp(const void *a, const void *b)
{
	return strcmp(((const struct link *)a)->path, ((const struct link *)b)->path);
}

static int lookup_link(void *ctx, const char *relpath, const char **target)
{
	struct seen *s = ctx;
	struct link key = { (char *)relpath, NULL };
	struct link *hit;

	if (!s->nlinks)
		return 0;
	hit = bsearch(&key, s->links, s->nlinks, sizeof(key), link_cmp);
	if (!hit)
		return 0;
	*target = hit->target;
	return 1;
}

static void quote(struct buf *b, const char *s)
{
	buf_add_quoted(b, s, strlen(s), 200);
}

static int entry_error(struct error *err, const char *path, const char *what)
{
	struct buf q = BUF_INIT;

	quote(&q, path);
	error_set(err, "slug entry '%s' %s", q.ptr, what);
	buf_release(&q);
	return -1;
}

/* Path relative to ./app/ without a trailing slash, or NULL if not under ./app/. */
static char *app_relative(const char *path)
{
	size_t len;

	if (!strcmp(path, "./app") || !strcmp(path, "./app/"))
		return xstrdup("");
	if (strncmp(path, APP_PREFIX, APP_PREFIX_LEN))
		return NULL;
	path += APP_PREFIX_LEN;
	len = strlen(path);
	while (len && path[len - 1] == '/')
		len--;
	return xstrndup(path, len);
}

static int check_path(const char *path, struct error *err)
{
	if (path[0] == '/')
		return entry_error(err, path, "has an absolute path");
	if (path_has_dotdot(path))
		return entry_error(err, path, "has a '..' component");
	if (strcmp(path, "./app/") && strcmp(path, "./app") && strncmp(path, APP_PREFIX, APP_PREFIX_LEN))
		return entry_error(err, path, "is outside './app/'");
	return 0;
}

/* Record the first reason the layout is not slugc's: "entry '<path>' <what>". */
static void not_normalized(struct inspect_result *res, const char *path, const char *what)
{
	struct buf q = BUF_INIT;

	if (!res->normalized)
		return;
	res->normalized = 0;
	quote(&q, path);
	snprintf(res->why_not, sizeof(res->why_not), "entry '%s' %s", q.ptr, what);
	buf_release(&q);
}

static void check_normalized(struct inspect_result *res, struct seen *s,
			     const struct reader_entry *e)
{
	unsigned want;

	if (res->entries == 1) {
		if (strcmp(e->path, "./app/"))
			not_normalized(res, e->path, "comes first instead of './app/'");
		res->mtime = e->mtime;
	} else if (strcmp(s->prev.ptr, e->path) >= 0) {
		not_normalized(res, e->path, "is out of bytewise order");
	}
	buf_reset(&s->prev);
	buf_addstr(&s->prev, e->path);

	if (e->uid || e->gid)
		not_normalized(res, e->path, "has a non-zero uid or gid");
	if ((e->uname && *e->uname) || (e->gname && *e->gname))
		not_normalized(res, e->path, "has a user or group name");
	if (e->mtime != res->mtime)
		not_normalized(res, e->path, "has a different mtime");
	if (e->has_xattrs)
		not_normalized(res, e->path, "has extended attributes, ACLs or flags");
	if (e->type == ENTRY_DIR) {
		want = 0755;
		if (e->path[strlen(e->path) - 1] != '/')
			not_normalized(res, e->path, "is a directory without a trailing slash");
	} else if (e->type == ENTRY_SYMLINK) {
		want = 0777;
	} else {
		want = (e->perm & 0111) ? 0755 : 0644;
	}
	if (e->type != ENTRY_HARDLINK && e->perm != want)
		not_normalized(res, e->path, "has a mode other than 0644/0755/0777");
	if (e->type == ENTRY_HARDLINK)
		not_normalized(res, e->path, "is a hard link");
}

static const char *kind_name(enum entry_type t)
{
	switch (t) {
	case ENTRY_DIR:
		return "directory";
	case ENTRY_SYMLINK:
		return "symlink";
	case ENTRY_HARDLINK:
		return "hard link";
	default:
		return "file";
	}
}

/* entry_error() with a formatted description. */
static int name_error(struct error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int name_error(struct error *err, const char *path, const char *fmt, ...)
{
	struct buf what = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&what, fmt, ap);
	va_end(ap);
	entry_error(err, path, what.ptr);
	buf_release(&what);
	return -1;
}

/*
 * The entry's name against every name before it: no parent of it is a file
 * or symlink, it does not repeat a name, and a hard link names a file that
 * came before it. rel has no trailing slash ("" for ./app itself).
 */
static int check_name(struct seen *s, const struct reader_entry *e, const char *rel,
		      struct error *err)
{
	enum name_kind kind = e->type == ENTRY_DIR ? NAME_DIR
			      : e->type == ENTRY_SYMLINK ? NAME_SYMLINK : NAME_FILE;
	const char *slash, *last = NULL;
	struct name *x;

	if (*rel && !s->root_known) {
		names_add(s, "", 0, NAME_IMPLIED);
		s->root_known = 1;
	}
	for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t n = (size_t)(slash - rel);
		struct buf parent = BUF_INIT;
		int ret = 0;

		last = slash;
		if (n <= s->dirs_ok.len && !memcmp(rel, s->dirs_ok.ptr, n) &&
		    (n == s->dirs_ok.len || s->dirs_ok.ptr[n] == '/'))
			continue;
		x = names_add(s, rel, n, NAME_IMPLIED);
		if (!x || x->kind == NAME_DIR || x->kind == NAME_IMPLIED)
			continue;
		buf_addf(&parent, "%s", APP_PREFIX);
		buf_add_quoted(&parent, rel, n, 200);
		if (x->kind == NAME_SYMLINK)
			ret = name_error(err, e->path, "lies beneath the symlink '%s'; extracting it "
					 "would write through the link", parent.ptr);
		else
			ret = name_error(err, e->path, "lies beneath '%s', which is a file", parent.ptr);
		buf_release(&parent);
		if (ret < 0)
			return -1;
	}
	if (e->type == ENTRY_HARDLINK) {
		const char *t = e->link + APP_PREFIX_LEN;

		x = names_find(s, t, strlen(t));
		if (!x || x->kind != NAME_FILE) {
			struct buf q = BUF_INIT;

			buf_add_quoted(&q, e->link, strlen(e->link), 200);
			name_error(err, e->path, "is a hard link to '%s', which is not a file earlier "
				   "in the slug", q.ptr);
			buf_release(&q);
			return -1;
		}
	}
	if (last) {
		buf_reset(&s->dirs_ok);
		buf_add(&s->dirs_ok, rel, (size_t)(last - rel));
	}
	x = names_add(s, rel, strlen(rel), kind);
	if (!x)
		return 0;
	if (x->kind == NAME_IMPLIED && kind == NAME_DIR) {
		x->kind = NAME_DIR;
		return 0;
	}
	if (x->kind == NAME_IMPLIED)
		return name_error(err, e->path, "is a %s, but an earlier entry lies beneath it",
				  kind_name(e->type));
	return entry_error(err, e->path, "appears twice in the slug");
}

static int check_entry(struct inspect_result *res, struct seen *s, const struct reader_entry *e,
		       struct error *err)
{
	const char *problem;
	char *rel;
	size_t len;

	if (check_path(e->path, err) < 0)
		return -1;
	res->entries++;
	check_normalized(res, s, e);

	len = strlen(e->path);
	if (e->type != ENTRY_DIR && e->path[len - 1] == '/')
		return name_error(err, e->path, "is a %s whose name ends in '/'",
				  kind_name(e->type));

	switch (e->type) {
	case ENTRY_FILE:
		res->files++;
		res->bytes += (uint64_t)(e->size > 0 ? e->size : 0);
		break;
	case ENTRY_DIR:
		res->dirs++;
		break;
	case ENTRY_SYMLINK:
		res->symlinks++;
		if (!*e->link)
			return entry_error(err, e->path, "is a symlink with an empty target");
		break;
	case ENTRY_HARDLINK:
		res->hardlinks++;
		if (e->link[0] == '/' || path_has_dotdot(e->link) ||
		    strncmp(e->link, APP_PREFIX, APP_PREFIX_LEN)) {
			struct buf what = BUF_INIT;

			buf_addstr(&what, "is a hard link to '");
			quote(&what, e->link);
			buf_addstr(&what, "', outside './app/'");
			entry_error(err, e->path, what.ptr);
			buf_release(&what);
			return -1;
		}
		break;
	case ENTRY_OTHER: {
		struct buf what = BUF_INIT;

		buf_addf(&what, "is a %s; a slug may hold only files, directories and symlinks",
			 e->other);
		entry_error(err, e->path, what.ptr);
		buf_release(&what);
		return -1;
	}
	}

	rel = app_relative(e->path);
	if (!*rel && e->type == ENTRY_SYMLINK) {
		free(rel);
		return entry_error(err, e->path, "replaces the app directory with a symlink");
	}
	if (!*rel && e->type != ENTRY_DIR) {
		free(rel);
		return entry_error(err, e->path, "replaces the app directory with a file");
	}
	/* What the extractor refuses (tree_writer.h invariant 1), refused here by the same test. */
	problem = *rel ? tree_writer_path_problem(rel) : NULL;
	if (problem || (e->type == ENTRY_HARDLINK &&
			(problem = tree_writer_path_problem(e->link + APP_PREFIX_LEN)))) {
		free(rel);
		return entry_error(err, e->path, problem);
	}
	if (check_name(s, e, rel, err) < 0) {
		free(rel);
		return -1;
	}
	if (e->type == ENTRY_SYMLINK) {
		ALLOC_GROW(s->links, s->nlinks + 1, s->alloc_links);
		s->links[s->nlinks].path = rel;
		s->links[s->nlinks].target = xstrdup(e->link);
		s->nlinks++;
		return 0;
	}
	free(rel);
	return 0;
}

/* After the pass: every symlink stays inside (links may point through later ones). */
static int check_links(struct seen *s, struct error *err)
{
	size_t i;

	if (s->nlinks > 1)
		qsort(s->links, s->nlinks, sizeof(*s->links), link_cmp);
	for (i = 0; i < s->nlinks; i++) {
		const struct link *l = &s->links[i];
		enum path_verdict v = path_resolve_in_root(l->path, l->target, NULL, lookup_link, s, NULL);

		if (v != PATH_INSIDE) {
			struct buf shown = BUF_INIT, what = BUF_INIT;

			buf_addf(&shown, "%s%s", APP_PREFIX, l->path);
			if (v == PATH_LOOP) {
				buf_addstr(&what, "is part of a symlink loop");
			} else {
				buf_addstr(&what, "is a symlink to '");
				quote(&what, l->target);
				buf_addstr(&what, "', which points outside './app/'");
			}
			entry_error(err, shown.ptr, what.ptr);
			buf_release(&shown);
			buf_release(&what);
			return -1;
		}
	}
	return 0;
}

/*
 * The one verifier behind inspect, verify and run: `step` (when not NULL)
 * writes each entry after the verifier accepted it, so run unpacks exactly
 * what inspect calls valid, and refuses with the same message.
 */
typedef int (*entry_step_fn)(void *ctx, struct reader *r, const struct reader_entry *e,
			     struct error *err);

static int verify_pass(struct reader *r, struct inspect_result *res, entry_step_fn step,
		       void *ctx, struct error *err)
{
	struct seen s = { NULL, 0, 0, NULL, BUF_INIT, BUF_INIT, BUF_INIT, 0 };
	struct reader_entry e;
	int ret = -1, rc;

	memset(res, 0, sizeof(*res));
	res->normalized = 1;
	while ((rc = reader_next(r, &e, err)) == 1) {
		if (sig_check(err) < 0)
			goto out;
		if (check_entry(res, &s, &e, err) < 0)
			goto failed;
		if (step && step(ctx, r, &e, err) < 0)
			goto out;
	}
	if (rc < 0) {
		/* A pipe cut off by whoever sent the signal: report the signal. */
		if (sig_pending())
			sig_check(err);
		goto out;
	}
	if (!res->entries) {
		error_set(err, "the slug has no entries");
		goto failed;
	}
	if (check_links(&s, err) < 0)
		goto failed;
	ret = 0;
	goto out;
failed:
	error_prefix(err, "'%s' failed verification", reader_shown(r));
	err->kind = ERROR_INPUT;
out:
	seen_release(&s);
	return ret;
}

int inspect_reader(struct reader *r, struct inspect_result *res, struct error *err)
{
	return verify_pass(r, res, NULL, NULL, err);
}

static int finish_file(struct reader *r, struct inspect_result *res, struct error *err)
{
	unsigned char d[32];
	uint64_t size;

	if (reader_finish(r, d, &size, err) < 0)
		return -1;
	sha256_hex(d, res->sha256);
	res->size = size;
	return 0;
}

int inspect_slug(const char *path, const struct unpack_limits *limits,
		 struct inspect_result *res, struct error *err)
{
	struct reader *r = NULL;
	int ret;

	if (reader_open_file(&r, path, err) < 0)
		return -1;
	reader_set_limits(r, limits);
	ret = verify_pass(r, res, NULL, NULL, err) < 0 || finish_file(r, res, err) < 0 ? -1 : 0;
	reader_close(r);
	return ret;
}

/* Queue an accepted entry for the writers: "./app/x" becomes root/app/x. */
static int unpack_step(void *ctx, struct reader *r, const struct reader_entry *e,
		       struct error *err)
{
	if (unpack_pool_entry(ctx, r, e->path + 2, e, err) < 0) {
		/* Interrupted while reading (a pipe cut off by the signal's sender): say so. */
		if (err->kind != ERROR_INTERRUPTED && sig_pending())
			return sig_check(err);
		return error_prefix(err, "'%s'", reader_shown(r));
	}
	return 0;
}

int slug_unpack(const char *path, const char *root, const struct unpack_limits *limits,
		unsigned writers, struct inspect_result *res, struct error *err)
{
	struct unpack_pool *pool = NULL;
	struct reader *r = NULL;
	int ret = -1;

	if (reader_open_file(&r, path, err) < 0 || unpack_pool_open(&pool, root, writers, err) < 0)
		goto out;
	reader_set_limits(r, limits);
	if (verify_pass(r, res, unpack_step, pool, err) < 0) {
		struct error first = ERROR_INIT;

		/* A write that failed concerns an earlier entry than the refusal: it comes first. */
		if (err->kind != ERROR_INTERRUPTED && unpack_pool_finish(pool, &first) < 0) {
			*err = first;
			error_prefix(err, "'%s'", path);
		}
		goto out;
	}
	if (unpack_pool_finish(pool, err) < 0) {
		error_prefix(err, "'%s'", path);
		goto out;
	}
	if (finish_file(r, res, err) < 0)
		goto out;
	ret = 0;
out:
	unpack_pool_close(pool);
	reader_close(r);
	return ret;
}
