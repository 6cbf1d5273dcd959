#include "inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "extract.h"
#include "path.h"
#include "xalloc.h"

#define APP_PREFIX "./app/"
#define APP_PREFIX_LEN 6

struct link {
	char *path;   /* relative to ./app/, no trailing slash */
	char *target;
};

struct seen {
	struct link *links;
	size_t nlinks, alloc_links;
	char **paths; /* every entry, relative to ./app/ */
	size_t npaths, alloc_paths;
	struct buf prev; /* previous full path, for the order check */
};

static void seen_release(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++) {
		free(s->links[i].path);
		free(s->links[i].target);
	}
	for (i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	free(s->links);
	free(s->paths);
	buf_release(&s->prev);
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

static int check_entry(struct inspect_result *res, struct seen *s, const struct reader_entry *e,
		       struct error *err)
{
	char *rel;

	if (check_path(e->path, err) < 0)
		return -1;
	res->entries++;
	check_normalized(res, s, e);

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
	if (e->type == ENTRY_SYMLINK && !*rel) {
		free(rel);
		return entry_error(err, e->path, "replaces the app directory with a symlink");
	}
	if (e->type == ENTRY_SYMLINK) {
		ALLOC_GROW(s->links, s->nlinks + 1, s->alloc_links);
		s->links[s->nlinks].path = xstrdup(rel);
		s->links[s->nlinks].target = xstrdup(e->link);
		s->nlinks++;
	}
	ALLOC_GROW(s->paths, s->npaths + 1, s->alloc_paths);
	s->paths[s->npaths++] = rel;
	return 0;
}

/* After the pass: every symlink stays inside, and nothing lies beneath a symlink. */
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
	for (i = 0; i < s->npaths; i++) {
		char *p = s->paths[i], *slash;

		/* Each proper prefix of the path must not be a symlink. */
		for (slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
			const char *t;
			int hit;

			*slash = '\0';
			hit = lookup_link(s, p, &t);
			*slash = '/';
			if (hit) {
				struct buf shown = BUF_INIT, what = BUF_INIT;

				buf_addf(&shown, "%s%s", APP_PREFIX, p);
				*slash = '\0';
				buf_addstr(&what, "lies beneath the symlink '" APP_PREFIX);
				quote(&what, p);
				buf_addstr(&what, "'; extracting it would write through the link");
				*slash = '/';
				entry_error(err, shown.ptr, what.ptr);
				buf_release(&shown);
				buf_release(&what);
				return -1;
			}
		}
	}
	return 0;
}

int inspect_reader(struct reader *r, struct inspect_result *res, struct error *err)
{
	struct seen s = { NULL, 0, 0, NULL, 0, 0, BUF_INIT };
	struct reader_entry e;
	int ret = -1, rc;

	memset(res, 0, sizeof(*res));
	res->normalized = 1;
	while ((rc = reader_next(r, &e, err)) == 1) {
		if (check_entry(res, &s, &e, err) < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (!res->entries) {
		error_set(err, "the slug has no entries");
		goto out;
	}
	if (check_links(&s, err) < 0)
		goto out;
	ret = 0;
out:
	seen_release(&s);
	return ret;
}

int inspect_slug(const char *path, struct inspect_result *res, struct error *err)
{
	struct reader *r = NULL;
	unsigned char d[32];
	uint64_t size;
	int ret = -1;

	if (reader_open_file(&r, path, err) < 0)
		return -1;
	if (inspect_reader(r, res, err) < 0) {
		error_prefix(err, "'%s' failed verification", path);
		err->kind = ERROR_INPUT;
		goto out;
	}
	if (reader_finish(r, d, &size, err) < 0)
		goto out;
	sha256_hex(d, res->sha256);
	res->size = size;
	ret = 0;
out:
	reader_close(r);
	return ret;
}
