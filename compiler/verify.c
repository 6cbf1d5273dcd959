/*
 * Slug comparison, for `slugc verify`: where two slugs that should be equal
 * first part ways.
 */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "extract.h"
#include "xalloc.h"

#define CHUNK (64 * 1024)

static void quoted(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	buf_add_quoted(b, s, strlen(s), 200);
	buf_addch(b, '\'');
}

/* The first difference between two entries' headers, or 0. */
static int header_differs(const struct reader_entry *x, const struct reader_entry *y,
			  struct buf *diff)
{
	const char *what = NULL;

	if (strcmp(x->path, y->path)) {
		/* Both are in bytewise order, so the smaller path is missing from the other side. */
		int slug_first = strcmp(x->path, y->path) < 0;

		quoted(diff, slug_first ? x->path : y->path);
		buf_addstr(diff, slug_first ? " is only in the slug" : " is only in the rebuild");
		return 1;
	}
	if (x->type != y->type)
		what = "has another type";
	else if (x->perm != y->perm)
		what = "has another mode";
	else if (x->uid != y->uid || x->gid != y->gid)
		what = "has another owner";
	else if (x->mtime != y->mtime)
		what = "has another mtime";
	else if ((x->link || y->link) && (!x->link || !y->link || strcmp(x->link, y->link)))
		what = "points somewhere else";
	else if (x->size != y->size)
		what = "has another size";
	if (!what)
		return 0;
	quoted(diff, x->path);
	buf_addf(diff, " %s", what);
	return 1;
}

/* Compare the data of the current entries; 1 and diff filled when it differs. */
static int data_differs(struct reader *ra, struct reader *rb, const char *path, struct buf *diff,
			struct error *err)
{
	char *a = xmalloc(CHUNK), *b = xmalloc(CHUNK);
	int ret = -1;

	for (;;) {
		ssize_t na = reader_read(ra, a, CHUNK, err), nb, got = 0;

		if (na < 0)
			goto out;
		/* Fill the same amount from the other side (reads may come in other sizes). */
		while (got < na) {
			nb = reader_read(rb, b + got, (size_t)(na - got), err);
			if (nb < 0)
				goto out;
			if (!nb)
				break;
			got += nb;
		}
		if (got != na || memcmp(a, b, (size_t)na)) {
			quoted(diff, path);
			buf_addstr(diff, " has other contents");
			ret = 1;
			goto out;
		}
		if (!na) {
			nb = reader_read(rb, b, 1, err);
			if (nb < 0)
				goto out;
			if (nb) {
				quoted(diff, path);
				buf_addstr(diff, " has other contents");
				ret = 1;
				goto out;
			}
			break;
		}
	}
	ret = 0;
out:
	free(a);
	free(b);
	return ret;
}

int slug_compare(const char *a, const char *b, const struct unpack_limits *limits,
		 struct buf *diff, struct error *err)
{
	struct reader *ra = NULL, *rb = NULL;
	struct reader_entry ea, eb;
	char *path = NULL;
	int ret = -1;

	if (reader_open_file(&ra, a, err) < 0 || reader_open_file(&rb, b, err) < 0)
		goto out;
	reader_set_limits(ra, limits);
	reader_set_limits(rb, limits);
	for (;;) {
		int na = reader_next(ra, &ea, err), nb;

		if (na < 0)
			goto out;
		nb = reader_next(rb, &eb, err);
		if (nb < 0)
			goto out;
		if (!na && !nb) {
			ret = 0;
			break;
		}
		if (!na || !nb) {
			quoted(diff, na ? ea.path : eb.path);
			buf_addstr(diff, na ? " is only in the slug" : " is only in the rebuild");
			ret = 1;
			break;
		}
		if (header_differs(&ea, &eb, diff)) {
			ret = 1;
			break;
		}
		free(path);
		path = xstrdup(ea.path);
		if (ea.type == ENTRY_FILE && (ret = data_differs(ra, rb, path, diff, err)) != 0)
			break;
		ret = -1;
	}
out:
	free(path);
	reader_close(ra);
	reader_close(rb);
	return ret;
}
