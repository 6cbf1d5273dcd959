/*
 * The source stage: turn SOURCE into a private copy at b->app_dir and say
 * where it came from. A plain directory is copied as it is on disk, minus
 * every ".git"; the original is only ever read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "build.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"
#include "walk.h"
#include "xalloc.h"

struct copy {
	const char *src_root;   /* absolute, symlinks resolved */
	int src_fd, dst_fd;
	struct buf link;        /* readlink scratch */
};

static int copy_symlink(struct copy *c, const struct walk_entry *e, struct error *err)
{
	struct buf target = BUF_INIT, stored = BUF_INIT;
	struct fs_tree_links links = { c->src_fd, &c->link };
	int ret = -1;

	if (fs_readlinkat(e->dirfd, e->name, &target, e->path, err) < 0 ||
	    path_check_symlink(e->path, target.ptr, c->src_root, fs_tree_link, &links, &stored,
			       err) < 0)
		goto out;
	if (symlinkat(stored.ptr, c->dst_fd, e->path) < 0) {
		error_errno(err, "cannot create symlink '%s' in the build directory", e->path);
		goto out;
	}
	ret = 0;
out:
	buf_release(&target);
	buf_release(&stored);
	return ret;
}

static int copy_file(struct copy *c, const struct walk_entry *e, struct error *err)
{
	mode_t mode = (e->st->st_mode & 0111) ? 0755 : 0644;
	struct stat st;
	int in, out, ret = -1;

	in = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return error_errno(err, "cannot read '%s'", e->path);
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(in);
		return error_set(err, "'%s' changed while it was being copied", e->path);
	}
	out = openat(c->dst_fd, e->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (out < 0) {
		error_errno(err, "cannot create '%s' in the build directory", e->path);
		close(in);
		return -1;
	}
	ret = fs_copy_fd(in, out, (uint64_t)st.st_size, e->path, err);
	if (close(out) < 0 && !ret)
		ret = error_errno(err, "cannot write '%s' in the build directory", e->path);
	close(in);
	return ret;
}

static int copy_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct copy *c = ctx;
	mode_t m = e->st->st_mode;

	if (!strcmp(e->name, ".git"))
		return WALK_SKIP; /* never part of a slug */
	if (S_ISDIR(m)) {
		if (mkdirat(c->dst_fd, e->path, 0755) < 0)
			return error_errno(err, "cannot create directory '%s' in the build directory",
					   e->path);
		return WALK_CONTINUE;
	}
	if (S_ISREG(m))
		return copy_file(c, e, err);
	if (S_ISLNK(m))
		return copy_symlink(c, e, err);
	return error_set(err, "'%s' is %s; a slug may hold only files, directories and symlinks",
			 e->path, fs_special_kind(m));
}

static int copy_directory(struct build *b, const char *src, struct error *err)
{
	struct copy c = { src, -1, -1, BUF_INIT };
	int ret = -1;

	if (mkdir(b->app_dir, 0755) < 0)
		return error_errno(err, "cannot create '%s'", b->app_dir);
	c.src_fd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.src_fd < 0) {
		error_errno(err, "cannot open source directory '%s'", src);
		goto out;
	}
	c.dst_fd = open(b->app_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.dst_fd < 0) {
		error_errno(err, "cannot open '%s'", b->app_dir);
		goto out;
	}
	ret = walk_tree(src, copy_entry, NULL, &c, 0, err);
out:
	if (c.src_fd >= 0)
		close(c.src_fd);
	if (c.dst_fd >= 0)
		close(c.dst_fd);
	buf_release(&c.link);
	return ret;
}

int source_run(struct build *b, struct error *err)
{
	const char *src = b->opt.source;
	char real[PATH_MAX];
	struct stat st;

	if (stat(src, &st) < 0) {
		if (errno == ENOENT)
			return error_set(err, "source '%s' does not exist", src);
		return error_errno(err, "cannot read source '%s'", src);
	}
	if (!S_ISDIR(st.st_mode))
		return error_set(err, "source '%s' is not a directory", src);
	if (!realpath(src, real))
		return error_errno(err, "cannot resolve source '%s'", src);

	b->source_kind = xstrdup("dir");
	b->source_url = xstrdup(real);
	out_step("Copying source from %s", src);
	return copy_directory(b, real, err);
}
