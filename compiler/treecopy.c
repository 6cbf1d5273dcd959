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
 *
 * tree_copy_each() is the walk for the dependency cache: with
 * TREE_COPY_PRESERVE it keeps modes, times and symlinks as they are, with
 * TREE_COPY_SHA256 it hashes each file's bytes in the same pass that writes
 * them (the bytes hashed are the bytes written), and it tells its caller of
 * every entry, which may stop the copy (depcache.c checks each one against
 * its record). Plain copies take neither path and pay nothing for them.
 */
#include "treecopy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "path.h"
#include "sha256.h"
#include "walk.h"
#include "xalloc.h"

#define HASH_CHUNK (256 * 1024)

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
	tree_copied_fn copied;  /* tree_copy_each(): told of every entry made */
	void *copied_ctx;
	char *chunk;            /* TREE_COPY_SHA256: the read/hash/write buffer */
};

static int tell(struct copy *c, const struct walk_entry *e, const char *target, uint64_t size,
		const char *sha256, struct error *err)
{
	struct tree_copied t = { e->path, e->st, target, size, sha256 };

	return c->copied ? c->copied(c->copied_ctx, &t, err) : 0;
}

static int copy_symlink(struct copy *c, const struct walk_entry *e, struct error *err)
{
	struct buf target = BUF_INIT, stored = BUF_INIT;
	struct fs_tree_links links = { c->src_fd, &c->link };
	int ret = -1;

	if (fs_readlinkat(e->dirfd, e->name, &target, e->path, err) < 0)
		goto out;
	if (c->flags & TREE_COPY_PRESERVE)
		buf_addstr(&stored, target.ptr);
	else if (path_check_symlink(e->path, target.ptr, c->src_root, fs_tree_link, &links, &stored,
				    err) < 0)
		goto out;
	if (symlinkat(stored.ptr, c->dst_fd, e->path) < 0) {
		error_errno(err, "cannot create symlink '%s' in '%s'", e->path, c->dst_root);
		goto out;
	}
	if (c->flags & TREE_COPY_PRESERVE) {
		struct timespec ts[2] = { e->st->st_atim, e->st->st_mtim };

		utimensat(c->dst_fd, e->path, ts, AT_SYMLINK_NOFOLLOW);
	}
	ret = tell(c, e, stored.ptr, 0, NULL, err);
out:
	buf_release(&target);
	buf_release(&stored);
	return ret;
}

/* Read to the end, hashing and writing each chunk: *done bytes, their sha256 in hex. */
static int copy_hashed(struct copy *c, int in, int out, const char *shown, uint64_t *done,
		       char hex[65], struct error *err)
{
	struct sha256 h = SHA256_INIT;
	unsigned char d[32];
	int ret = -1;

	if (!c->chunk)
		c->chunk = xmalloc(HASH_CHUNK);
	sha256_init(&h);
	for (;;) {
		ssize_t n = read(in, c->chunk, HASH_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "cannot read '%s'", shown);
			goto out;
		}
		if (n == 0)
			break;
		sha256_update(&h, c->chunk, (size_t)n);
		if (fs_write_all(out, c->chunk, (size_t)n, shown, err) < 0)
			goto out;
		*done += (uint64_t)n;
	}
	sha256_final(&h, d);
	sha256_hex(d, hex);
	ret = 0;
out:
	sha256_release(&h);
	return ret;
}

static int copy_file(struct copy *c, const struct walk_entry *e, struct error *err)
{
	int preserve = c->flags & TREE_COPY_PRESERVE;
	mode_t mode = preserve ? e->st->st_mode & 0777 : (e->st->st_mode & 0111) ? 0755 : 0644;
	char hex[65] = "";
	uint64_t done = 0;
	struct stat st;
	int in, out, ret = -1;

	in = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return error_errno(err, "cannot read '%s'", e->path);
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(in);
		return error_set(err, "'%s' changed while it was being copied", e->path);
	}
	/* Preserved modes are set once the bytes are in: a 0444 file must still be written. */
	out = openat(c->dst_fd, e->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     preserve ? 0600 : mode);
	if (out < 0) {
		error_errno(err, "cannot create '%s' in '%s'", e->path, c->dst_root);
		close(in);
		return -1;
	}
	if (c->flags & TREE_COPY_SHA256)
		ret = copy_hashed(c, in, out, e->path, &done, hex, err);
	else if ((ret = fs_copy_fd(in, out, (uint64_t)st.st_size, e->path, err)) == 0)
		done = (uint64_t)st.st_size;
	if (!ret && preserve) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		if (fchmod(out, mode) < 0 || futimens(out, ts) < 0)
			ret = error_errno(err, "cannot set the mode of '%s' in '%s'", e->path,
					  c->dst_root);
	}
	if (!ret)
		ret = tell(c, e, NULL, done, hex[0] ? hex : NULL, err);
	if (close(out) < 0 && !ret)
		ret = error_errno(err, "cannot write '%s' in '%s'", e->path, c->dst_root);
	close(in);
	return ret;
}

/* TREE_COPY_PRESERVE: a directory's mode and times, once its contents are in. */
static int copy_post(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct copy *c = ctx;
	struct timespec ts[2] = { e->st->st_atim, e->st->st_mtim };

	if (fchmodat(c->dst_fd, e->path, e->st->st_mode & 0777, 0) < 0 ||
	    utimensat(c->dst_fd, e->path, ts, 0) < 0)
		return error_errno(err, "cannot set the mode of '%s' in '%s'", e->path, c->dst_root);
	return WALK_CONTINUE;
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
		/* Preserved: writable while it fills; its own mode and times follow its contents. */
		if (mkdirat(c->dst_fd, e->path, (c->flags & TREE_COPY_PRESERVE) ? 0700 : 0755) < 0)
			return error_errno(err, "cannot create directory '%s' in '%s'", e->path,
					   c->dst_root);
		return tell(c, e, NULL, 0, NULL, err) < 0 ? -1 : WALK_CONTINUE;
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

/* Every entry point: c names src_root and dst_root, its descriptors still -1. */
static int copy_tree(struct copy *c, struct error *err)
{
	int preserve = c->flags & TREE_COPY_PRESERVE;
	struct stat st;
	int ret = -1;

	if (preserve && (lstat(c->src_root, &st) < 0 || !S_ISDIR(st.st_mode)))
		return error_errno(err, "cannot read the directory '%s'", c->src_root);
	if (mkdir(c->dst_root, preserve ? 0700 : 0755) < 0)
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
	if (walk_tree(c->src_root, copy_entry, preserve ? copy_post : NULL, c, 0, err) < 0)
		goto out;
	if (preserve) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		if (fchmod(c->dst_fd, st.st_mode & 0777) < 0 || futimens(c->dst_fd, ts) < 0) {
			error_errno(err, "cannot set the mode of '%s'", c->dst_root);
			goto out;
		}
	}
	ret = 0;
out:
	if (c->src_fd >= 0)
		close(c->src_fd);
	if (c->dst_fd >= 0)
		close(c->dst_fd);
	buf_release(&c->link);
	free(c->chunk);
	c->chunk = NULL;
	return ret;
}

#define COPY_INIT(src, dst) { .src_root = (src), .dst_root = (dst), .src_fd = -1, .dst_fd = -1, \
			      .link = BUF_INIT }

int tree_copy(const char *src, const char *dst, unsigned flags, tree_copy_filter_fn filter,
	      void *ctx, struct error *err)
{
	struct copy c = COPY_INIT(src, dst);

	c.flags = flags;
	c.filter = filter;
	c.filter_ctx = ctx;
	return copy_tree(&c, err);
}

int tree_copy_each(const char *src, const char *dst, unsigned flags, tree_copied_fn copied,
		   void *ctx, struct error *err)
{
	struct copy c = COPY_INIT(src, dst);

	c.flags = flags;
	c.copied = copied;
	c.copied_ctx = ctx;
	return copy_tree(&c, err);
}

int tree_link(const char *src, const char *dst, tree_link_fn linked, void *ctx, struct error *err)
{
	struct copy c = COPY_INIT(src, dst);

	c.linked = linked;
	c.linked_ctx = ctx;
	return copy_tree(&c, err);
}
