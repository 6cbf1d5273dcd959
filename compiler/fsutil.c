#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
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

static void free_dead(struct dead *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

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

/* A directory's entries but "." and "..", in inode order (see above). */
static int list_dead(int dirfd, const char *shown, struct dead **out, size_t *count,
		     struct error *err)
{
	struct dead *v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = dup(dirfd);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
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
		v[n].name = xstrdup(de->d_name);
		v[n].ino = de->d_ino;
		v[n].type = de->d_type;
		n++;
	}
	if (errno) {
		error_errno(err, "cannot read directory '%s'", shown);
		closedir(dir);
		free_dead(v, n);
		return -1;
	}
	closedir(dir);
	if (n > 1)
		qsort(v, n, sizeof(*v), dead_cmp);
	*out = v;
	*count = n;
	return 0;
}

/*
 * Unlink an entry that readdir did not call a directory: 1 done, 0 it is a
 * directory after all (type unknown, or replaced by one since readdir).
 */
static int unlink_leaf(int dirfd, const struct dead *d, const char *shown, struct error *err)
{
	if (d->type == DT_DIR || d->type == DT_UNKNOWN)
		return 0;
	if (unlinkat(dirfd, d->name, 0) == 0 || errno == ENOENT)
		return 1;
	if (errno == EISDIR)
		return 0;
	return error_errno(err, "cannot remove '%s'", shown);
}

static int remove_contents(int dirfd, struct buf *path, unsigned depth, struct error *err)
{
	struct dead *v = NULL;
	size_t n = 0, i, base = path->len;
	int ret = -1, r;

	if (depth > WALK_MAX_DEPTH)
		return error_set(err, "'%s' is nested more than %d directories deep", path->ptr,
				 WALK_MAX_DEPTH);
	if (list_dead(dirfd, path->ptr, &v, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		buf_setlen(path, base);
		buf_addch(path, '/');
		buf_addstr(path, v[i].name);
		r = unlink_leaf(dirfd, &v[i], path->ptr, err);
		if (r < 0)
			goto out;
		if (!r && remove_subdir(dirfd, v[i].name, path, depth, err) < 0)
			goto out;
	}
	ret = 0;
out:
	buf_setlen(path, base);
	free_dead(v, n);
	return ret;
}

/*
 * A large tree is removed by several threads: the top levels are opened
 * breadth first (their files unlinked on the way) until there are at least
 * RM_SPLIT subdirectories left to remove, and those go to the threads, each
 * removing whole subtrees as above. The directories opened first are removed
 * last, deepest first. Only directories are shared: each is removed by one
 * thread, so nothing is unlinked twice and no order changes what is left.
 */
#define RM_SPLIT 16
#define RM_LEVELS 4

struct rm_dir {
	int parent;       /* index of the opened directory holding it, -1 for the root */
	char *name;
	char *shown;
	int fd;           /* opened levels only */
};

struct rm_split {
	struct rm_dir *open;  /* opened directories, breadth first; [0] is the root */
	size_t nopen, alloc_open;
	struct rm_dir *jobs;  /* directories left for the threads */
	size_t njobs, alloc_jobs;
	pthread_mutex_t lock;
	size_t next;          /* next job to take */
	struct error err;     /* the first failure */
	int failed;
};

static void *rm_worker(void *arg)
{
	struct rm_split *sp = arg;
	struct buf path = BUF_INIT;
	struct error err = ERROR_INIT;

	for (;;) {
		struct rm_dir *j;
		int r;

		pthread_mutex_lock(&sp->lock);
		j = sp->failed || sp->next == sp->njobs ? NULL : &sp->jobs[sp->next++];
		pthread_mutex_unlock(&sp->lock);
		if (!j)
			break;
		buf_reset(&path);
		buf_addstr(&path, j->shown);
		r = remove_subdir(sp->open[j->parent].fd, j->name, &path, RM_LEVELS + 1, &err);
		if (r < 0) {
			pthread_mutex_lock(&sp->lock);
			if (!sp->failed) {
				sp->failed = 1;
				sp->err = err;
			}
			pthread_mutex_unlock(&sp->lock);
			error_clear(&err);
		}
	}
	buf_release(&path);
	return NULL;
}

/* Open the next level of sp->open[from..] into jobs: their files are unlinked now. */
static int rm_expand(struct rm_split *sp, size_t from, size_t to, struct error *err)
{
	struct buf shown = BUF_INIT;
	size_t i, k;
	int ret = -1;

	for (i = from; i < to; i++) {
		struct dead *v = NULL;
		size_t n = 0;

		if (sp->open[i].fd < 0) /* gone, or was not a directory */
			continue;
		if (list_dead(sp->open[i].fd, sp->open[i].shown, &v, &n, err) < 0)
			goto out;
		for (k = 0; k < n; k++) {
			int r;

			buf_reset(&shown);
			buf_addf(&shown, "%s/%s", sp->open[i].shown, v[k].name);
			r = unlink_leaf(sp->open[i].fd, &v[k], shown.ptr, err);
			if (r < 0) {
				free_dead(v, n);
				goto out;
			}
			if (r)
				continue;
			ALLOC_GROW(sp->jobs, sp->njobs + 1, sp->alloc_jobs);
			sp->jobs[sp->njobs].parent = (int)i;
			sp->jobs[sp->njobs].name = v[k].name;
			sp->jobs[sp->njobs].shown = buf_detach(&shown, NULL);
			sp->jobs[sp->njobs].fd = -1;
			sp->njobs++;
			v[k].name = NULL;
		}
		free_dead(v, n);
	}
	ret = 0;
out:
	buf_release(&shown);
	return ret;
}

/* Turn the jobs into opened directories (the next level); 0 when one is not a directory. */
static int rm_open_jobs(struct rm_split *sp, struct error *err)
{
	size_t i;

	for (i = 0; i < sp->njobs; i++) {
		struct rm_dir *j = &sp->jobs[i];
		int pfd = sp->open[j->parent].fd;
		struct stat st;

		if (fstatat(pfd, j->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				return error_errno(err, "cannot remove '%s'", j->shown);
			j->fd = -2; /* gone: nothing to do */
		} else if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(pfd, j->name, 0) < 0 && errno != ENOENT)
				return error_errno(err, "cannot remove '%s'", j->shown);
			j->fd = -2;
		} else {
			if ((st.st_mode & 0700) != 0700 && fchmodat(pfd, j->name, 0700, 0) < 0)
				return error_errno(err, "cannot make '%s' writable", j->shown);
			j->fd = openat(pfd, j->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (j->fd < 0)
				return error_errno(err, "cannot open directory '%s'", j->shown);
		}
	}
	for (i = 0; i < sp->njobs; i++) {
		ALLOC_GROW(sp->open, sp->nopen + 1, sp->alloc_open);
		sp->open[sp->nopen++] = sp->jobs[i];
	}
	sp->njobs = 0;
	return 0;
}

static int remove_contents_split(int fd, const char *shown, unsigned threads, struct error *err)
{
	struct rm_split sp;
	pthread_t *tid = NULL;
	size_t level = 0, end, i;
	unsigned t, started = 0;
	int ret = -1;

	memset(&sp, 0, sizeof(sp));
	pthread_mutex_init(&sp.lock, NULL);
	ALLOC_GROW(sp.open, 1, sp.alloc_open);
	sp.open[0].parent = -1;
	sp.open[0].name = NULL;
	sp.open[0].shown = xstrdup(shown);
	sp.open[0].fd = fd;
	sp.nopen = 1;
	for (i = 0; ; i++) {
		end = sp.nopen;
		if (rm_expand(&sp, level, end, err) < 0)
			goto out;
		if (sp.njobs >= RM_SPLIT || !sp.njobs || i + 1 == RM_LEVELS)
			break;
		if (rm_open_jobs(&sp, err) < 0)
			goto out;
		level = end;
	}
	if (sp.njobs) {
		/* Each thread holds a descriptor per level it is in: a few threads use all a disk gives. */
		if (threads > 8)
			threads = 8;
		if (threads > sp.njobs)
			threads = (unsigned)sp.njobs;
		tid = xcalloc(threads, sizeof(*tid));
		for (t = 1; t < threads; t++) {
			if (pthread_create(&tid[t], NULL, rm_worker, &sp))
				break;
			started++;
		}
		rm_worker(&sp);
		for (t = 1; t <= started; t++)
			pthread_join(tid[t], NULL);
		if (sp.failed) {
			*err = sp.err;
			goto out;
		}
	}
	/* The opened directories, deepest first (the root is the caller's). */
	for (i = sp.nopen; i-- > 1;) {
		struct rm_dir *d = &sp.open[i];

		if (d->fd < 0)
			continue;
		close(d->fd);
		d->fd = -1;
		if (unlinkat(sp.open[d->parent].fd, d->name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
			error_errno(err, "cannot remove directory '%s'", d->shown);
			goto out;
		}
	}
	ret = 0;
out:
	for (i = 0; i < sp.nopen; i++) {
		if (i && sp.open[i].fd >= 0)
			close(sp.open[i].fd);
		free(sp.open[i].name);
		free(sp.open[i].shown);
	}
	for (i = 0; i < sp.njobs; i++) {
		if (sp.jobs[i].fd >= 0) /* opened before a later one failed */
			close(sp.jobs[i].fd);
		free(sp.jobs[i].name);
		free(sp.jobs[i].shown);
	}
	free(sp.open);
	free(sp.jobs);
	free(tid);
	pthread_mutex_destroy(&sp.lock);
	return ret;
}

int fs_remove_tree_threads(const char *path, unsigned threads, struct error *err)
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
	if (threads > 1 ? remove_contents_split(fd, path, threads, err) < 0
			: remove_contents(fd, &shown, 1, err) < 0)
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

int fs_remove_tree(const char *path, struct error *err)
{
	return fs_remove_tree_threads(path, 1, err);
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
