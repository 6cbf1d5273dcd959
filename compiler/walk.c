#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "sig.h"
#include "xalloc.h"

struct dent {
	char *name;
	struct stat st;
};

struct walker {
	walk_fn pre, post;
	void *ctx;
	unsigned flags;
	struct buf path;
	const char *root;
};

/*
 * Compare as the slug orders paths: bytewise, where a directory's name is
 * followed by '/', so "a-b" < "a/" < "a0".
 */
static int dent_cmp(const void *pa, const void *pb)
{
	const struct dent *a = pa, *b = pb;
	const unsigned char *x = (const unsigned char *)a->name;
	const unsigned char *y = (const unsigned char *)b->name;
	int adir = S_ISDIR(a->st.st_mode), bdir = S_ISDIR(b->st.st_mode);

	for (;; x++, y++) {
		int cx = *x ? *x : adir ? '/' : -1;
		int cy = *y ? *y : bdir ? '/' : -1;

		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (cx == -1 || cx == '/')
			return 0;
	}
}

static int read_entries(int dirfd, const char *shown, struct dent **out, size_t *nr,
			struct error *err)
{
	struct dent *v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = dup(dirfd);
	if (fd < 0)
		return error_errno(err, "cannot read directory '%s'", shown);
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return error_errno(err, "cannot read directory '%s'", shown);
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de)
			break;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ALLOC_GROW(v, n + 1, alloc);
		if (fstatat(dirfd, de->d_name, &v[n].st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT) /* vanished since readdir */
				continue;
			error_errno(err, "cannot stat '%s/%s'", shown, de->d_name);
			goto fail;
		}
		v[n].name = xstrdup(de->d_name);
		n++;
	}
	if (errno) {
		error_errno(err, "cannot read directory '%s'", shown);
		goto fail;
	}
	closedir(dir);
	if (n > 1)
		qsort(v, n, sizeof(*v), dent_cmp);
	*out = v;
	*nr = n;
	return 0;
fail:
	closedir(dir);
	while (n)
		free(v[--n].name);
	free(v);
	return -1;
}

static int walk_dir(struct walker *w, int dirfd, unsigned depth, struct error *err)
{
	struct dent *v = NULL;
	size_t n = 0, i;
	size_t base = w->path.len;
	int ret = -1;

	if (depth > WALK_MAX_DEPTH)
		return error_set(err, "'%s' is nested more than %d directories deep", w->path.ptr,
				 WALK_MAX_DEPTH);
	if (read_entries(dirfd, base ? w->path.ptr : w->root, &v, &n, err) < 0)
		return -1;

	for (i = 0; i < n; i++) {
		struct walk_entry e;
		int r;

		if (!(w->flags & WALK_IGNORE_SIGNALS) && sig_check(err) < 0)
			goto out;
		buf_setlen(&w->path, base);
		if (base)
			buf_addch(&w->path, '/');
		buf_addstr(&w->path, v[i].name);

		e.path = w->path.ptr;
		e.name = v[i].name;
		e.dirfd = dirfd;
		e.st = &v[i].st;
		e.depth = depth;
		r = w->pre(&e, w->ctx, err);
		if (r < 0)
			goto out;
		if (r == WALK_SKIP || !S_ISDIR(v[i].st.st_mode))
			continue;

		{
			int sub = openat(dirfd, v[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				error_errno(err, "cannot open directory '%s'", w->path.ptr);
				goto out;
			}
			r = walk_dir(w, sub, depth + 1, err);
			close(sub);
			if (r < 0)
				goto out;
		}
		if (w->post) {
			buf_setlen(&w->path, base);
			if (base)
				buf_addch(&w->path, '/');
			buf_addstr(&w->path, v[i].name);
			e.path = w->path.ptr;
			if (w->post(&e, w->ctx, err) < 0)
				goto out;
		}
	}
	ret = 0;
out:
	buf_setlen(&w->path, base);
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return ret;
}

int walk_tree(const char *root, walk_fn pre, walk_fn post, void *ctx, unsigned flags,
	      struct error *err)
{
	struct walker w = { pre, post, ctx, flags, BUF_INIT, root };
	int fd, r;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR)
			return error_set(err, "'%s' is not a directory", root);
		return error_errno(err, "cannot open directory '%s'", root);
	}
	r = walk_dir(&w, fd, 1, err);
	close(fd);
	buf_release(&w.path);
	return r;
}
