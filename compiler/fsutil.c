#include "fsutil.h"

#include <dirent.h>
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

/*
 * Removing a tree costs one unlinkat() per file: names and types come from
 * readdir (no stat, no sort by name: nothing depends on the order), and a
 * directory's entries are unlinked in inode order, as GNU rm does for large
 * directories, which on ext4 and XFS walks the inode table once instead of
 * at random. Nothing is followed: a symlink is unlinked, never entered.
 */
struct dead {
	char *name;
	ino_t ino;
	unsigned char type;
};

static int dead_cmp(const void *pa, const void *pb)
{
	const struct dead *a = pa, *b = pb;

	return a->ino < b->ino ? -1 : a->ino > b->ino;
}

static int remove_contents(int dirfd, struct buf *path, unsigned depth, struct error *err);

/* Remove the directory `name` in dirfd (path names it in messages) and all it holds. */
static int remove_subdir(int dirfd, const char *name, struct buf *path, unsigned depth,
			 struct error *err)
{
	struct stat st;
	int sub, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : error_errno(err, "cannot remove '%s'", path->ptr);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return error_errno(err, "cannot remove '%s'", path->ptr);
		return 0;
	}
	/* Contents of a read-only directory cannot be unlinked. */
	if ((st.st_mode & 0700) != 0700 && fchmodat(dirfd, name, 0700, 0) < 0)
		return error_errno(err, "cannot make '%s' writable", path->ptr);
	sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return error_errno(err, "cannot open directory '%s'", path->ptr);
	r = remove_contents(sub, path, depth + 1, err);
	close(sub);
	if (r < 0)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_errno(err, "cannot remove directory '%s'", path->ptr);
	return 0;
}

static int remove_contents(int dirfd, struct buf *path, unsigned depth, struct error *err)
{
	struct dead *v = NULL;
	size_t n = 0, alloc = 0, i, base = path->len;
	struct dirent *de;
	DIR *dir;
	int fd, ret = -1;

	if (depth > WALK_MAX_DEPTH)
		return error_set(err, "'%s' is nested more than %d directories deep", path->ptr,
				 WALK_MAX_DEPTH);
	fd = dup(dirfd);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return error_errno(err, "cannot read directory '%s'", path->ptr);
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de)
			break;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ALLOC_GROW(v, n + 1, alloc);
		v[n].name = xstrdup(de->d_name);
		v[n].ino = de->d_ino;
		v[n].type = de->d_type;
		n++;
	}
	if (errno) {
		error_errno(err, "cannot read directory '%s'", path->ptr);
		closedir(dir);
		goto out;
	}
	closedir(dir);
	if (n > 1)
		qsort(v, n, sizeof(*v), dead_cmp);
	for (i = 0; i < n; i++) {
		buf_setlen(path, base);
		buf_addch(path, '/');
		buf_addstr(path, v[i].name);
		if (v[i].type != DT_DIR && v[i].type != DT_UNKNOWN) {
			if (unlinkat(dirfd, v[i].name, 0) == 0 || errno == ENOENT)
				continue;
			if (errno != EISDIR) { /* replaced by a directory since readdir */
				error_errno(err, "cannot remove '%s'", path->ptr);
				goto out;
			}
		}
		if (remove_subdir(dirfd, v[i].name, path, depth, err) < 0)
			goto out;
	}
	ret = 0;
out:
	buf_setlen(path, base);
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return ret;
}

int fs_remove_tree(const char *path, struct error *err)
{
	struct buf shown = BUF_INIT;
	struct stat st;
	int fd, ret = -1;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error_errno(err, "cannot remove '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return error_errno(err, "cannot remove '%s'", path);
		return 0;
	}
	if ((st.st_mode & 0700) != 0700 && chmod(path, 0700) < 0)
		return error_errno(err, "cannot make '%s' writable", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot open directory '%s'", path);
	buf_addstr(&shown, path);
	if (remove_contents(fd, &shown, 1, err) < 0)
		goto out;
	if (rmdir(path) < 0 && errno != ENOENT) {
		error_errno(err, "cannot remove directory '%s'", path);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	buf_release(&shown);
	return ret;
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
