#include "extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "path.h"
#include "sha256.h"
#include "sig.h"
#include "tree_writer.h"
#include "xalloc.h"

#define READ_CHUNK (128 * 1024)

struct reader {
	struct archive *a;
	char *shown;
	int fd;            /* -1 for memory readers */
	unsigned char *chunk;
	struct sha256 sha;
	uint64_t consumed;
	int read_error;    /* errno of a failed read() */
	struct unpack_limits limits;
	uint64_t entries;  /* entries seen */
	uint64_t declared; /* sizes their headers announce */
	uint64_t data;     /* data bytes handed out by reader_read() */
	struct buf current; /* the current entry's path, for messages */
};

static ssize_t read_cb(struct archive *a, void *ctx, const void **out)
{
	struct reader *r = ctx;
	ssize_t n;

	(void)a;
	do
		n = read(r->fd, r->chunk, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->read_error = errno;
		return -1;
	}
	sha256_update(&r->sha, r->chunk, (size_t)n);
	r->consumed += (uint64_t)n;
	*out = r->chunk;
	return n;
}

static struct reader *reader_new(const char *shown)
{
	struct reader *r = xcalloc(1, sizeof(*r));

	r->fd = -1;
	r->shown = xstrdup(shown);
	r->limits.max_bytes = UNPACK_DEFAULT_MAX_BYTES;
	r->limits.max_entries = UNPACK_DEFAULT_MAX_ENTRIES;
	buf_init(&r->current, 0);
	r->a = archive_read_new();
	if (!r->a)
		abort();
	archive_read_support_filter_gzip(r->a);
	/* Heroku's Python runtimes are .tar.zst (Debian's libarchive is built with libzstd). */
	archive_read_support_filter_zstd(r->a);
	archive_read_support_filter_none(r->a);
	archive_read_support_format_tar(r->a);
	return r;
}

static int archive_fail(struct reader *r, struct error *err, const char *what)
{
	const char *msg = archive_error_string(r->a);

	if (r->read_error) {
		errno = r->read_error;
		return error_errno(err, "cannot read '%s'", r->shown);
	}
	return error_set(err, "'%s' is not a valid %s archive (%s: %s)", r->shown,
			 strstr(r->shown, ".zst") ? "tar.zst" : strstr(r->shown, "gz") ? "tar.gz"
			 : "tar.gz or tar.zst", what,
			 msg ? msg : "unknown error");
}

int reader_open_file(struct reader **out, const char *path, struct error *err)
{
	struct reader *r = reader_new(path);

	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		error_errno(err, "cannot open '%s'", path);
		reader_close(r);
		return -1;
	}
	r->chunk = xmalloc(READ_CHUNK);
	sha256_init(&r->sha);
	if (archive_read_open(r->a, r, NULL, read_cb, NULL) != ARCHIVE_OK) {
		archive_fail(r, err, "opening");
		reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

int reader_open_memory(struct reader **out, const void *data, size_t len, const char *shown,
		       struct error *err)
{
	struct reader *r = reader_new(shown);

	if (archive_read_open_memory(r->a, data, len) != ARCHIVE_OK) {
		archive_fail(r, err, "opening");
		reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void reader_set_limits(struct reader *r, const struct unpack_limits *l)
{
	r->limits = *l;
}

const char *reader_shown(const struct reader *r)
{
	return r->shown;
}

uint64_t reader_entries(const struct reader *r)
{
	return r->entries;
}

uint64_t reader_declared_bytes(const struct reader *r)
{
	return r->declared;
}

/* One line naming the archive, the entry and the cap, and the option that raises it. */
static int over_cap(struct reader *r, const char *what, uint64_t cap, const char *option,
		    struct error *err)
{
	struct buf q = BUF_INIT, limit = BUF_INIT;

	buf_add_quoted(&q, r->current.ptr, r->current.len, 200);
	if (!strcmp(option, "--max-unpacked"))
		buf_add_size(&limit, cap);
	else
		buf_addf(&limit, "%llu entries", (unsigned long long)cap);
	error_setk(err, ERROR_INPUT, "'%s' %s %s (at entry '%s'); refusing it before unpacking "
		   "more (%s raises the cap)", r->shown, what, limit.ptr, q.ptr, option);
	buf_release(&q);
	buf_release(&limit);
	return -1;
}

/*
 * The caps, counted as headers arrive: an entry over the count, or whose
 * announced size takes the total over the byte cap, is refused before any
 * of its data is read or written.
 */
static int charge_entry(struct reader *r, int64_t size, struct error *err)
{
	const struct unpack_limits *l = &r->limits;
	uint64_t n = size > 0 ? (uint64_t)size : 0;

	r->entries++;
	if (l->max_entries && r->entries > l->max_entries)
		return over_cap(r, "has more than", l->max_entries, "--max-entries", err);
	if (l->max_bytes && (n > l->max_bytes || r->declared > l->max_bytes - n))
		return over_cap(r, "expands to more than", l->max_bytes, "--max-unpacked", err);
	r->declared += n;
	return 0;
}

static const char *other_name(mode_t type)
{
	switch (type) {
	case AE_IFIFO:
		return "FIFO";
	case AE_IFCHR:
		return "character device";
	case AE_IFBLK:
		return "block device";
	case AE_IFSOCK:
		return "socket";
	default:
		return "special file";
	}
}

int reader_next(struct reader *r, struct reader_entry *e, struct error *err)
{
	struct archive_entry *ae;
	const char *fflags;
	mode_t type;
	int rc;

	rc = archive_read_next_header(r->a, &ae);
	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return archive_fail(r, err, "reading an entry header");

	memset(e, 0, sizeof(*e));
	e->path = archive_entry_pathname(ae);
	if (!e->path)
		e->path = "";
	buf_reset(&r->current);
	buf_addstr(&r->current, e->path);
	e->uname = archive_entry_uname(ae);
	e->gname = archive_entry_gname(ae);
	e->perm = archive_entry_perm(ae);
	e->size = archive_entry_size(ae);
	e->mtime = archive_entry_mtime(ae);
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	fflags = archive_entry_fflags_text(ae);
	e->has_xattrs = archive_entry_xattr_count(ae) > 0 ||
			archive_entry_acl_count(ae, ARCHIVE_ENTRY_ACL_TYPE_ACCESS |
							ARCHIVE_ENTRY_ACL_TYPE_DEFAULT) > 0 ||
			(fflags && *fflags);

	type = archive_entry_filetype(ae);
	if (archive_entry_hardlink(ae)) {
		e->type = ENTRY_HARDLINK;
		e->link = archive_entry_hardlink(ae);
	} else if (type == AE_IFREG) {
		e->type = ENTRY_FILE;
	} else if (type == AE_IFDIR) {
		e->type = ENTRY_DIR;
	} else if (type == AE_IFLNK) {
		e->type = ENTRY_SYMLINK;
		e->link = archive_entry_symlink(ae);
		if (!e->link)
			e->link = "";
	} else {
		e->type = ENTRY_OTHER;
		e->other = other_name(type);
	}
	if (charge_entry(r, e->size, err) < 0)
		return -1;
	return 1;
}

ssize_t reader_read(struct reader *r, void *buf, size_t len, struct error *err)
{
	la_ssize_t n = archive_read_data(r->a, buf, len);

	if (n < 0) {
		archive_fail(r, err, "reading data");
		return -1;
	}
	/* Sparse entries and lying headers: what is actually handed out counts too. */
	r->data += (uint64_t)n;
	if (r->limits.max_bytes && r->data > r->limits.max_bytes)
		return over_cap(r, "expands to more than", r->limits.max_bytes, "--max-unpacked", err);
	return n;
}

int reader_finish(struct reader *r, unsigned char digest[32], uint64_t *size, struct error *err)
{
	if (r->fd < 0)
		return error_setk(err, ERROR_INTERNAL, "reader_finish() on a memory reader");
	/* libarchive stops at the end-of-archive blocks; hash whatever follows them too. */
	for (;;) {
		const void *p;
		ssize_t n = read_cb(r->a, r, &p);

		if (n < 0) {
			errno = r->read_error;
			return error_errno(err, "cannot read '%s'", r->shown);
		}
		if (!n)
			break;
	}
	sha256_final(&r->sha, digest);
	*size = r->consumed;
	return 0;
}

void reader_close(struct reader *r)
{
	if (!r)
		return;
	archive_read_free(r->a);
	if (r->fd >= 0)
		close(r->fd);
	if (r->sha.ctx)
		sha256_release(&r->sha);
	free(r->chunk);
	free(r->shown);
	buf_release(&r->current);
	free(r);
}

/* "./a/b" → "a/b"; "./" or "." → "" (the archive's root, skipped). */
static const char *entry_path(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (p[0] == '.' && !p[1])
		p++;
	return p;
}

/*
 * A ".git" component in any letter case: such entries are dropped, as a
 * directory source's .git is. `tar czf` of a checkout carries one, and
 * nothing in a slug may be one (it is never unpacked, so never run).
 */
static int in_git_dir(const char *path)
{
	for (;;) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);

		if (n == 4 && !strncasecmp(path, ".git", 4))
			return 1;
		if (!slash)
			return 0;
		path = slash + 1;
	}
}

/* Read a skipped entry's data: a gzip bomb under .git still meets the cap and a signal. */
static int skip_file(struct reader *r, struct tree_writer *w, const char *path, struct error *err)
{
	unsigned char *chunk = xmalloc(READ_CHUNK);
	ssize_t n;

	while ((n = reader_read(r, chunk, READ_CHUNK, err)) > 0)
		if (sig_check(err) < 0 || tree_writer_skip(w, path, (size_t)n, err) < 0) {
			n = -1;
			break;
		}
	free(chunk);
	return n < 0 ? -1 : 0;
}

static int extract_file(struct reader *r, struct tree_writer *w, const char *path,
			const struct reader_entry *e, struct error *err)
{
	unsigned char *chunk = xmalloc(READ_CHUNK);
	int ret = -1;

	if (tree_writer_begin(w, path, (e->perm & 0111) != 0, err) < 0)
		goto out;
	for (;;) {
		ssize_t n = reader_read(r, chunk, READ_CHUNK, err);

		if (n < 0 || (n > 0 && (sig_check(err) < 0 ||
					tree_writer_write(w, chunk, (size_t)n, err) < 0))) {
			struct error ignored = ERROR_INIT;

			tree_writer_end(w, &ignored);
			goto out;
		}
		if (!n)
			break;
	}
	ret = tree_writer_end(w, err);
out:
	free(chunk);
	return ret;
}

int extract_entry(struct reader *r, struct tree_writer *w, const char *path,
		  const struct reader_entry *e, struct error *err)
{
	int ret = 0;

	switch (e->type) {
	case ENTRY_DIR:
		ret = tree_writer_mkdir(w, path, err);
		break;
	case ENTRY_FILE:
		ret = extract_file(r, w, path, e, err);
		break;
	case ENTRY_SYMLINK:
		ret = tree_writer_symlink(w, path, e->link, err);
		break;
	case ENTRY_HARDLINK:
		ret = tree_writer_hardlink(w, path, entry_path(e->link), err);
		break;
	case ENTRY_OTHER: {
		struct buf q = BUF_INIT;

		buf_add_quoted(&q, path, strlen(path), 200);
		ret = error_set(err, "entry '%s' is a %s; slugc unpacks only files, directories "
				"and links", q.ptr, e->other);
		buf_release(&q);
		break;
	}
	}
	if (ret < 0) {
		/* Interrupted while reading (a pipe cut off by the signal's sender): say so. */
		if (err->kind != ERROR_INTERRUPTED && sig_pending())
			return sig_check(err);
		return error_prefix(err, "'%s'", r->shown);
	}
	return 0;
}

int extract_to_tree(struct reader *r, struct tree_writer *w, struct error *err)
{
	struct reader_entry e;
	int rc;

	while ((rc = reader_next(r, &e, err)) == 1) {
		const char *path = entry_path(e.path);

		if (sig_check(err) < 0)
			return -1;
		if (!*path && e.type == ENTRY_DIR)
			continue;
		if (in_git_dir(path)) {
			if (e.type == ENTRY_FILE && skip_file(r, w, path, err) < 0)
				return error_prefix(err, "'%s'", r->shown);
			continue;
		}
		if (extract_entry(r, w, path, &e, err) < 0)
			return -1;
	}
	if (rc < 0 && err->kind != ERROR_INTERRUPTED && sig_pending())
		return sig_check(err);
	return rc < 0 ? -1 : 0;
}

char *extract_top_dir(const char *dir, struct error *err)
{
	struct buf only = BUF_INIT;
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);
	char *root;

	if (!d) {
		error_errno(err, "cannot read '%s'", dir);
		return NULL;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		buf_reset(&only);
		buf_addstr(&only, de->d_name);
	}
	closedir(d);
	root = path_join(dir, only.ptr);
	if (n != 1 || fs_is_symlink(root) || !fs_is_dir(root)) {
		free(root);
		root = xstrdup(dir);
	}
	buf_release(&only);
	return root;
}

int extract_archive(const char *archive, const char *dest, int strip_top,
		    const struct unpack_limits *limits, struct error *err)
{
	struct tree_writer *w = NULL;
	struct reader *r = NULL;
	char *tmp = xstrfmt("%s.unpack-XXXXXX", dest), *root = NULL;
	int ret = -1;

	if (!mkdtemp(tmp)) {
		error_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	if (reader_open_file(&r, archive, err) < 0 || tree_writer_open(&w, tmp, 0, err) < 0)
		goto out;
	if (limits)
		reader_set_limits(r, limits);
	if (extract_to_tree(r, w, err) < 0)
		goto out;
	root = strip_top ? extract_top_dir(tmp, err) : xstrdup(tmp);
	if (!root)
		goto out;
	if (rename(root, dest) < 0) {
		error_errno(err, "cannot move the unpacked '%s' into place", archive);
		goto out;
	}
	ret = 0;
out:
	tree_writer_close(w);
	reader_close(r);
	if (fs_exists(tmp)) {
		struct error ignored = ERROR_INIT;

		fs_remove_tree(tmp, &ignored);
	}
	free(tmp);
	free(root);
	return ret;
}

int extract_gunzip_digest(const char *path, unsigned char digest[32], uint64_t *size,
			  struct error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct sha256 sha = SHA256_INIT;
	unsigned char *chunk = xmalloc(READ_CHUNK);
	uint64_t total = 0;
	int ret = -1;

	if (!a)
		abort();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	sha256_init(&sha);
	if (archive_read_open_filename(a, path, READ_CHUNK) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		error_set(err, "cannot read '%s' as gzip: %s", path,
			  archive_error_string(a) ? archive_error_string(a) : "unknown error");
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, READ_CHUNK);

		if (n < 0) {
			error_set(err, "cannot decompress '%s': %s", path,
				  archive_error_string(a) ? archive_error_string(a) : "unknown error");
			goto out;
		}
		if (!n)
			break;
		if (sig_check(err) < 0)
			goto out;
		sha256_update(&sha, chunk, (size_t)n);
		total += (uint64_t)n;
	}
	sha256_final(&sha, digest);
	*size = total;
	ret = 0;
out:
	sha256_release(&sha);
	archive_read_free(a);
	free(chunk);
	return ret;
}
