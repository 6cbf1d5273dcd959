#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "path.h"
#include "walk.h"
#include "xalloc.h"

int fs_mkdir_p(const char *path, mode_t mode, struct error *err)
{
	struct buf b = BUF_INIT;
	char *p;
	int ret = -1;

	buf_addstr(&b, path);
	for (p = b.ptr + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(b.ptr, mode) < 0 && errno != EEXIST) {
			error_errno(err, "cannot create directory '%s'", b.ptr);
			goto out;
		}
		*p = c;
		if (!c)
			break;
	}
	if (!fs_is_dir(path)) {
		error_set(err, "'%s' exists and is not a directory", path);
		goto out;
	}
	ret = 0;
out:
	buf_release(&b);
	return ret;
}

static int remove_pre(const struct walk_entry *e, void *ctx, struct error *err)
{
	(void)ctx;
	if (S_ISDIR(e->st->st_mode)) {
		/* Contents of a read-only directory cannot be unlinked. */
		if ((e->st->st_mode & 0700) != 0700 && fchmodat(e->dirfd, e->name, 0700, 0) < 0)
			return error_errno(err, "cannot make '%s' writable", e->path);
		return WALK_CONTINUE;
	}
	if (unlinkat(e->dirfd, e->name, 0) < 0 && errno != ENOENT)
		return error_errno(err, "cannot remove '%s'", e->path);
	return WALK_CONTINUE;
}

static int remove_post(const struct walk_entry *e, void *ctx, struct error *err)
{
	(void)ctx;
	if (unlinkat(e->dirfd, e->name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_errno(err, "cannot remove directory '%s'", e->path);
	return 0;
}

int fs_remove_tree(const char *path, struct error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error_errno(err, "cannot remove '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return error_errno(err, "cannot remove '%s'", path);
		return 0;
	}
	if ((st.st_mode & 0700) != 0700 && chmod(path, 0700) < 0)
		return error_errno(err, "cannot make '%s' writable", path);
	if (walk_tree(path, remove_pre, remove_post, NULL, WALK_IGNORE_SIGNALS, err) < 0)
		return -1;
	if (rmdir(path) < 0 && errno != ENOENT)
		return error_errno(err, "cannot remove directory '%s'", path);
	return 0;
}

char *fs_make_temp_dir(const char *prefix, struct error *err)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	tmpl = xstrfmt("%s/%sXXXXXX", tmp, prefix);
	if (!mkdtemp(tmpl)) {
		error_errno(err, "cannot create a temporary directory in '%s' (set TMPDIR)", tmp);
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

int fs_copy_fd(int src, int dst, uint64_t size, const char *shown, struct error *err)
{
	uint64_t done = 0;
	char *chunk = NULL;
	int ret = -1;

	/* copy_file_range() shares extents where the file system can (reflinks). */
	while (done < size) {
		ssize_t n = copy_file_range(src, NULL, dst, NULL, size - done, 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_errno(err, "cannot copy '%s'", shown);
			goto out;
		}
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	if (done < size) {
		chunk = xmalloc(1 << 16);
		for (;;) {
			ssize_t n = read(src, chunk, 1 << 16);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				error_errno(err, "cannot read '%s'", shown);
				goto out;
			}
			if (n == 0)
				break;
			if (fs_write_all(dst, chunk, (size_t)n, shown, err) < 0)
				goto out;
			done += (uint64_t)n;
		}
	}
	ret = 0;
out:
	free(chunk);
	return ret;
}

int fs_write_all(int fd, const void *data, size_t len, const char *shown, struct error *err)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(err, "cannot write '%s'", shown);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

const char *fs_special_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "a special file";
}

int fs_readlinkat(int dirfd, const char *name, struct buf *out, const char *shown,
		  struct error *err)
{
	char tmp[PATH_MAX + 1];
	ssize_t n = readlinkat(dirfd, name, tmp, sizeof(tmp));

	if (n < 0)
		return error_errno(err, "cannot read symlink '%s'", shown);
	if ((size_t)n >= sizeof(tmp))
		return error_set(err, "symlink '%s' has a target longer than %d bytes", shown, PATH_MAX);
	buf_reset(out);
	buf_add(out, tmp, (size_t)n);
	return 0;
}

int fs_tree_link(void *ctx, const char *relpath, const char **target)
{
	struct fs_tree_links *l = ctx;
	struct error ignored = ERROR_INIT;
	struct stat st;

	if (fstatat(l->root_fd, relpath, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode) ||
	    fs_readlinkat(l->root_fd, relpath, l->scratch, relpath, &ignored) < 0)
		return 0;
	*target = l->scratch->ptr;
	return 1;
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int fs_is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

int fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

mode_t fs_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

void fs_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int tempfile_open(struct tempfile *t, const char *target, struct error *err)
{
	const char *base = path_basename(target);
	size_t dirlen = (size_t)(base - target);
	char *dir;

	dir = dirlen ? xstrndup(target, dirlen) : xstrdup("");
	t->path = xstrfmt("%s.%s.tmp-XXXXXX", dir, base);
	free(dir);
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0) {
		error_errno(err, "cannot create '%s'", target);
		free(t->path);
		t->path = NULL;
		return -1;
	}
	/* mkostemp() makes 0600; the result should look like any file we create. */
	fchmod(t->fd, 0666 & ~fs_umask());
	t->target = xstrdup(target);
	return 0;
}

int tempfile_commit(struct tempfile *t, struct error *err)
{
	if (fsync(t->fd) < 0) {
		error_errno(err, "cannot write '%s'", t->target);
		tempfile_discard(t);
		return -1;
	}
	if (close(t->fd) < 0) {
		t->fd = -1;
		error_errno(err, "cannot write '%s'", t->target);
		tempfile_discard(t);
		return -1;
	}
	t->fd = -1;
	if (rename(t->path, t->target) < 0) {
		error_errno(err, "cannot move the finished file into place as '%s'", t->target);
		tempfile_discard(t);
		return -1;
	}
	free(t->path);
	free(t->target);
	t->path = t->target = NULL;
	return 0;
}

void tempfile_discard(struct tempfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->path)
		unlink(t->path);
	free(t->path);
	free(t->target);
	t->path = t->target = NULL;
	t->fd = -1;
}

int fs_write_file_atomic(const char *path, const void *data, size_t len, struct error *err)
{
	struct tempfile t = TEMPFILE_INIT;

	if (tempfile_open(&t, path, err) < 0)
		return -1;
	if (fs_write_all(t.fd, data, len, path, err) < 0) {
		tempfile_discard(&t);
		return -1;
	}
	return tempfile_commit(&t, err);
}
