#include "tree_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "xalloc.h"

/* Directory descriptors a writer keeps open (well under RLIMIT_NOFILE's usual 1024). */
#define MAX_OPEN_DIRS 64

struct tree_writer {
	int root_fd;
	char *root;
	/*
	 * The directories of the last entry's parent, one open descriptor per
	 * component from the root down (dirs[i] is the directory that the
	 * first i + 1 components of `cached_dir` name; ends[i] is where that
	 * prefix ends in it). The next entry reopens only the components after
	 * the prefix it shares, so a sorted archive costs one openat() per
	 * directory, not one per component per directory change. At most
	 * MAX_OPEN_DIRS are kept; a deeper parent is walked to from the
	 * deepest kept one and held in leaf_fd.
	 */
	struct buf cached_dir;
	int dirs[MAX_OPEN_DIRS];
	size_t ends[MAX_OPEN_DIRS];
	size_t ndirs;
	int leaf_fd;       /* the parent when deeper than MAX_OPEN_DIRS, else -1 */
	/* The file being written. */
	int fd;
	char *path;
	uint64_t written, max_bytes, files;
	int umask_known;   /* the process umask leaves 0644 and 0755 as they are */
	const char *subject; /* what the size cap's error says expands: "the source" */
};

static int quoted_error(struct error *err, const char *path, const char *what)
{
	struct buf q = BUF_INIT;

	buf_add_quoted(&q, path, strlen(path), 200);
	error_set(err, "entry '%s' %s", q.ptr, what);
	buf_release(&q);
	return -1;
}

const char *tree_writer_path_problem(const char *path)
{
	const char *p = path;

	if (!*path)
		return "has an empty path";
	if (*path == '/')
		return "has an absolute path; refusing to write outside the build directory";
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0)
			return "has an empty path component";
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "has a '.' or '..' component; refusing to write outside the build directory";
		if (n == 4 && !strncasecmp(p, ".git", 4))
			return "is or lies inside a '.git' directory";
		/* Refused here rather than as a bare ENAMETOOLONG from the file system. */
		if (n > NAME_MAX)
			return "has a path component longer than 255 bytes, which Linux file systems "
			       "cannot store; shorten that name";
		if (!slash)
			break;
		p = slash + 1;
		if (!*p) /* a trailing slash */
			break;
	}
	return NULL;
}

int tree_writer_check_path(const char *path, struct error *err)
{
	const char *problem = tree_writer_path_problem(path);

	return problem ? quoted_error(err, path, problem) : 0;
}

/*
 * Whether the umask (read from /proc, since umask() cannot be read without
 * setting it) clears no bit of 0755: then a file created 0644 or 0755 has
 * that mode and needs no fchmod(), one system call per file fewer.
 */
static int umask_keeps_modes(void)
{
	char line[256];
	unsigned long mask;
	int ok = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Umask:", 6)) {
			char *end;

			errno = 0;
			mask = strtoul(line + 6, &end, 8);
			ok = !errno && end != line + 6 && !(mask & 0755);
			break;
		}
	fclose(f);
	return ok;
}

int tree_writer_open(struct tree_writer **out, const char *root, uint64_t max_bytes,
		     struct error *err)
{
	struct tree_writer *w = xcalloc(1, sizeof(*w));

	if (mkdir(root, 0755) < 0 && errno != EEXIST) {
		error_errno(err, "cannot create '%s'", root);
		free(w);
		return -1;
	}
	w->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->root_fd < 0) {
		error_errno(err, "cannot open '%s'", root);
		free(w);
		return -1;
	}
	w->root = xstrdup(root);
	w->umask_known = umask_keeps_modes();
	buf_init(&w->cached_dir, 0);
	w->leaf_fd = -1;
	w->fd = -1;
	w->max_bytes = max_bytes;
	w->subject = "the source";
	*out = w;
	return 0;
}

/* Forget the open directories deeper than the first `keep` components. */
static void drop_dirs(struct tree_writer *w, size_t keep)
{
	if (w->leaf_fd >= 0) {
		close(w->leaf_fd);
		w->leaf_fd = -1;
	}
	while (w->ndirs > keep)
		close(w->dirs[--w->ndirs]);
	buf_setlen(&w->cached_dir, keep ? w->ends[keep - 1] : 0);
}

/*
 * Open (creating it when missing) the component p[0..n) of entry `path`
 * below the directory `fd`, never following a symlink (invariant 2).
 */
static int open_component(int fd, const char *path, const char *p, size_t n, struct error *err)
{
	char *comp = xstrndup(p, n);
	int next;

	/* Usually the archive named the directory first: open it, create it only when missing. */
	next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (next < 0 && errno == ENOENT) {
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			error_errno(err, "cannot create the directory of entry '%s'", path);
			free(comp);
			return -1;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	free(comp);
	if (next < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return quoted_error(err, path, "lies beneath a symlink or a file; refusing to write through it");
		return error_errno(err, "cannot open the directory of entry '%s'", path);
	}
	return next;
}

/*
 * The descriptor of the directory that holds `path`, creating missing
 * directories on the way, never following a symlink (invariant 2).
 * Returns a descriptor the writer owns, or -1.
 *
 * A kept descriptor stays valid for its path: entries are only ever
 * added (O_EXCL, mkdirat, symlinkat and linkat never replace a name), so
 * a directory opened once is still the directory at that path.
 */
static int parent_dir(struct tree_writer *w, const char *path, const char **name,
		      struct error *err)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	size_t keep = 0, start = 0;
	const char *p;
	int fd;

	*name = slash ? slash + 1 : path;
	if (!dirlen)
		return w->root_fd;
	if ((w->ndirs || w->leaf_fd >= 0) && w->cached_dir.len == dirlen &&
	    !memcmp(w->cached_dir.ptr, path, dirlen))
		return w->leaf_fd >= 0 ? w->leaf_fd : w->dirs[w->ndirs - 1];

	/* The kept directories that are a prefix of this entry's, component by component. */
	while (keep < w->ndirs) {
		size_t end = w->ends[keep];

		if (end > dirlen || memcmp(w->cached_dir.ptr + start, path + start, end - start) ||
		    (end < dirlen && path[end] != '/'))
			break;
		start = end + 1;
		keep++;
	}
	drop_dirs(w, keep);
	fd = keep ? w->dirs[keep - 1] : w->root_fd;
	p = path + (keep ? w->ends[keep - 1] + 1 : 0);
	while (p < path + dirlen) {
		const char *end = memchr(p, '/', (size_t)(path + dirlen - p));
		size_t n = end ? (size_t)(end - p) : (size_t)(path + dirlen - p);
		int next = open_component(fd, path, p, n, err);

		if (next < 0)
			goto fail;
		if (w->ndirs < MAX_OPEN_DIRS) {
			w->dirs[w->ndirs] = next;
			w->ends[w->ndirs] = (size_t)(p + n - path);
			w->ndirs++;
		} else {
			/* Deeper than we keep: walk on with one descriptor, the leaf. */
			if (w->leaf_fd >= 0)
				close(w->leaf_fd);
			w->leaf_fd = next;
		}
		fd = next;
		p += n + 1;
	}
	buf_reset(&w->cached_dir);
	buf_add(&w->cached_dir, path, dirlen);
	return fd;
fail:
	/* Keep nothing half-walked: the next entry starts from what is still a known prefix. */
	if (w->leaf_fd >= 0) {
		close(w->leaf_fd);
		w->leaf_fd = -1;
	}
	buf_reset(&w->cached_dir);
	buf_add(&w->cached_dir, path, dirlen);
	buf_setlen(&w->cached_dir, w->ndirs ? w->ends[w->ndirs - 1] : 0);
	return -1;
}

int tree_writer_mkdir(struct tree_writer *w, const char *path, struct error *err)
{
	struct buf trimmed = BUF_INIT;
	const char *name;
	int dirfd, ret = -1;

	buf_addstr(&trimmed, path);
	while (trimmed.len && trimmed.ptr[trimmed.len - 1] == '/')
		buf_setlen(&trimmed, trimmed.len - 1);
	if (tree_writer_check_path(trimmed.ptr, err) < 0)
		goto out;
	dirfd = parent_dir(w, trimmed.ptr, &name, err);
	if (dirfd < 0)
		goto out;
	if (mkdirat(dirfd, name, 0755) < 0) {
		struct stat st;

		if (errno != EEXIST) {
			error_errno(err, "cannot create directory '%s'", trimmed.ptr);
			goto out;
		}
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			quoted_error(err, trimmed.ptr, "is a directory that would replace a file or symlink");
			goto out;
		}
	}
	ret = 0;
out:
	buf_release(&trimmed);
	return ret;
}

int tree_writer_begin(struct tree_writer *w, const char *path, int executable, struct error *err)
{
	const char *name;
	int dirfd;

	if (tree_writer_check_path(path, err) < 0)
		return -1;
	dirfd = parent_dir(w, path, &name, err);
	if (dirfd < 0)
		return -1;
	w->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       executable ? 0755 : 0644);
	if (w->fd < 0) {
		if (errno == EEXIST)
			return quoted_error(err, path, "appears twice or replaces a symlink; refusing to overwrite it");
		return error_errno(err, "cannot create '%s'", path);
	}
	/* The umask must not decide the mode. */
	if (!w->umask_known)
		fchmod(w->fd, executable ? 0755 : 0644);
	w->path = xstrdup(path);
	w->files++;
	return 0;
}

/* Count len bytes of `path` against the cap, whether they are written or skipped. */
static int charge(struct tree_writer *w, const char *path, size_t len, struct error *err)
{
	if (w->max_bytes && (len > w->max_bytes || w->written > w->max_bytes - len)) {
		struct buf limit = BUF_INIT, q = BUF_INIT;

		buf_add_size(&limit, w->max_bytes);
		buf_add_quoted(&q, path, strlen(path), 200);
		error_set(err, "%s expands to more than %s (at entry '%s'); refusing it",
			  w->subject, limit.ptr, q.ptr);
		buf_release(&limit);
		buf_release(&q);
		return -1;
	}
	w->written += len;
	return 0;
}

int tree_writer_write(struct tree_writer *w, const void *data, size_t len, struct error *err)
{
	if (charge(w, w->path, len, err) < 0)
		return -1;
	if (fs_write_all(w->fd, data, len, w->path, err) < 0) {
		struct buf q = BUF_INIT;

		/* Name the directory being filled: a full disk is there, not in the archive. */
		buf_add_quoted(&q, w->path, strlen(w->path), 200);
		error_errno(err, "cannot write '%s' in '%s'", q.ptr, w->root);
		buf_release(&q);
		return -1;
	}
	return 0;
}

int tree_writer_skip(struct tree_writer *w, const char *path, size_t len, struct error *err)
{
	return charge(w, path, len, err);
}

int tree_writer_end(struct tree_writer *w, struct error *err)
{
	int r = close(w->fd);

	w->fd = -1;
	if (r < 0) {
		error_errno(err, "cannot write '%s'", w->path);
		free(w->path);
		w->path = NULL;
		return -1;
	}
	free(w->path);
	w->path = NULL;
	return 0;
}

int tree_writer_file(struct tree_writer *w, const char *path, int executable, const void *data,
		     size_t len, struct error *err)
{
	if (tree_writer_begin(w, path, executable, err) < 0)
		return -1;
	if (tree_writer_write(w, data, len, err) < 0) {
		struct error ignored = ERROR_INIT;

		tree_writer_end(w, &ignored);
		return -1;
	}
	return tree_writer_end(w, err);
}

int tree_writer_symlink(struct tree_writer *w, const char *path, const char *target,
			struct error *err)
{
	const char *name;
	int dirfd;

	if (tree_writer_check_path(path, err) < 0)
		return -1;
	if (!*target)
		return quoted_error(err, path, "is a symlink with an empty target");
	dirfd = parent_dir(w, path, &name, err);
	if (dirfd < 0)
		return -1;
	if (symlinkat(target, dirfd, name) < 0) {
		if (errno == EEXIST)
			return quoted_error(err, path, "appears twice; refusing to replace it with a symlink");
		return error_errno(err, "cannot create symlink '%s'", path);
	}
	return 0;
}

int tree_writer_hardlink(struct tree_writer *w, const char *path, const char *target,
			 struct error *err)
{
	const char *name, *tname;
	int tdir, dirfd, ret = -1;

	if (tree_writer_check_path(path, err) < 0)
		return -1;
	if (tree_writer_check_path(target, err) < 0) {
		struct buf q = BUF_INIT;

		/* Name the link, not only its target. */
		buf_add_quoted(&q, path, strlen(path), 200);
		error_prefix(err, "hard link '%s'", q.ptr);
		buf_release(&q);
		return -1;
	}
	tdir = parent_dir(w, target, &tname, err);
	if (tdir < 0)
		return -1;
	tdir = dup(tdir); /* parent_dir() may close its cached descriptor for the next path */
	if (tdir < 0)
		return error_errno(err, "cannot open the directory of '%s'", target);
	dirfd = parent_dir(w, path, &name, err);
	if (dirfd < 0)
		goto out;
	/* Without AT_SYMLINK_FOLLOW, linkat() never follows a symlink at the target. */
	if (linkat(tdir, tname, dirfd, name, 0) < 0) {
		if (errno == ENOENT)
			quoted_error(err, path, "is a hard link to an entry the archive does not have before it");
		else if (errno == EEXIST)
			quoted_error(err, path, "appears twice; refusing to replace it with a hard link");
		else
			error_errno(err, "cannot create hard link '%s'", path);
		goto out;
	}
	w->files++;
	ret = 0;
out:
	close(tdir);
	return ret;
}

void tree_writer_set_subject(struct tree_writer *w, const char *subject)
{
	w->subject = subject;
}

uint64_t tree_writer_files(const struct tree_writer *w)
{
	return w->files;
}

void tree_writer_close(struct tree_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	drop_dirs(w, 0);
	close(w->root_fd);
	buf_release(&w->cached_dir);
	free(w->path);
	free(w->root);
	free(w);
}
