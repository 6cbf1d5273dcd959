/*
 * Copy a directory tree: directories, regular files (mode 0755 when any
 * execute bit is set, else 0644) and symlinks, which must stay inside the
 * tree (path_check_symlink). Anything else (a device, a FIFO, a socket) is
 * an error naming it. Used for the source stage's copy and for the
 * per-app build caches.
 *
 * tree_link() is the same walk with regular files hard-linked rather than
 * copied (directories and symlinks are still created fresh, so what a build
 * adds or removes stays in its own tree); a file the kernel will not link
 * (another file system, too many links, protected_hardlinks) is copied.
 */
#include "treecopy.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "path.h"
#include "walk.h"

struct copy {
	const char *src_root;   /* absolute, symlinks resolved */
	const char *dst_root;   /* for messages */
	unsigned flags;
	int src_fd, dst_fd;
	struct buf link;        /* readlink scratch */
	tree_copy_filter_fn filter;
	void *filter_ctx;
	tree_link_fn linked;    /* tree_link(): told of every file linked; NULL: copy everything */
	void *linked_ctx;
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
		error_errno(err, "cannot create symlink '%s' in '%s'", e->path, c->dst_root);
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
		error_errno(err, "cannot create '%s' in '%s'", e->path, c->dst_root);
		close(in);
		return -1;
	}
	ret = fs_copy_fd(in, out, (uint64_t)st.st_size, e->path, err);
	if (close(out) < 0 && !ret)
		ret = error_errno(err, "cannot write '%s' in '%s'", e->path, c->dst_root);
	close(in);
	return ret;
}

static int copy_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct copy *c = ctx;
	mode_t m = e->st->st_mode;

	if ((c->flags & TREE_COPY_SKIP_GIT) && !strcmp(e->name, ".git"))
		return WALK_SKIP;
	if (c->filter) {
		int r = c->filter(c->filter_ctx, e->path, S_ISDIR(m), err);

		if (r)
			return r < 0 ? -1 : WALK_SKIP;
	}
	if (S_ISDIR(m)) {
		if (mkdirat(c->dst_fd, e->path, 0755) < 0)
			return error_errno(err, "cannot create directory '%s' in '%s'", e->path,
					   c->dst_root);
		return WALK_CONTINUE;
	}
	if (S_ISREG(m) && c->linked) {
		/* Without AT_SYMLINK_FOLLOW linkat() links the entry itself, never what it names. */
		if (linkat(e->dirfd, e->name, c->dst_fd, e->path, 0) == 0)
			return c->linked(c->linked_ctx, e->path, e->st, err);
		if (errno != EXDEV && errno != EMLINK && errno != EPERM && errno != EACCES)
			return error_errno(err, "cannot link '%s' into '%s'", e->path, c->dst_root);
	}
	if (S_ISREG(m))
		return copy_file(c, e, err);
	if (S_ISLNK(m))
		return copy_symlink(c, e, err);
	return error_set(err, "'%s' is %s; a slug may hold only files, directories and symlinks",
			 e->path, fs_special_kind(m));
}

/* Both entry points: c names src_root and dst_root, its descriptors still -1. */
static int copy_tree(struct copy *c, struct error *err)
{
	int ret = -1;

	if (mkdir(c->dst_root, 0755) < 0)
		return error_errno(err, "cannot create '%s'", c->dst_root);
	c->src_fd = open(c->src_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->src_fd < 0) {
		error_errno(err, "cannot open source directory '%s'", c->src_root);
		goto out;
	}
	c->dst_fd = open(c->dst_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dst_fd < 0) {
		error_errno(err, "cannot open '%s'", c->dst_root);
		goto out;
	}
	ret = walk_tree(c->src_root, copy_entry, NULL, c, 0, err);
out:
	if (c->src_fd >= 0)
		close(c->src_fd);
	if (c->dst_fd >= 0)
		close(c->dst_fd);
	buf_release(&c->link);
	return ret;
}

int tree_copy(const char *src, const char *dst, unsigned flags, tree_copy_filter_fn filter,
	      void *ctx, struct error *err)
{
	struct copy c = { src, dst, flags, -1, -1, BUF_INIT, filter, ctx, NULL, NULL };

	return copy_tree(&c, err);
}

int tree_link(const char *src, const char *dst, tree_link_fn linked, void *ctx, struct error *err)
{
	struct copy c = { src, dst, 0, -1, -1, BUF_INIT, NULL, NULL, linked, ctx };

	return copy_tree(&c, err);
}

