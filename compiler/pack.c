/*
 * The pack stage and the packer (invariants in pack.h). libarchive does the
 * tar framing only; its output goes through our callback into pgzip, which
 * compresses, writes and hashes.
 */
#include "pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
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
#include "pgzip.h"
#include "sig.h"
#include "walk.h"
#include "xalloc.h"

#define READ_CHUNK (256 * 1024)

struct packer {
	const struct pack_options *o;
	struct pack_result *res;
	const char *shown;
	struct archive *a;
	struct pgzip *z;
	char *real_root;     /* the root with symlinks resolved, for absolute links */
	int root_fd;
	struct error cb_err; /* what failed inside the write callback */
	int cb_failed;
	struct buf path, link, lookup, stored;
	unsigned char *chunk;
	uint64_t total_bytes, total_files; /* for the progress bar (opts->progress) */
	char label[64];
};

/* The progress bar: bytes of file contents packed of the total, files as its label. */
static void progress(struct packer *p, uint64_t in_file)
{
	if (!p->o->progress)
		return;
	snprintf(p->label, sizeof(p->label), "Compressing (%llu of %llu files)",
		 (unsigned long long)p->res->files, (unsigned long long)p->total_files);
	out_progress(p->label, p->res->bytes + in_file, p->total_bytes);
}

/* The first walk for the progress bar: what the packing walk will read (not .git). */
static int count_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct packer *p = ctx;

	(void)err;
	if (!strcmp(e->name, ".git"))
		return WALK_SKIP;
	if (S_ISREG(e->st->st_mode)) {
		p->total_files++;
		p->total_bytes += (uint64_t)e->st->st_size;
	}
	return WALK_CONTINUE;
}

static la_ssize_t write_cb(struct archive *a, void *ctx, const void *data, size_t n)
{
	struct packer *p = ctx;
	struct buf limit = BUF_INIT;

	(void)a;
	if (p->cb_failed)
		return -1;
	if (pgzip_write(p->z, data, n, &p->cb_err) < 0) {
		p->cb_failed = 1;
		return -1;
	}
	if (p->o->max_size && pgzip_bytes_out(p->z) > p->o->max_size) {
		/* Stopped here: the slug would be at least this large. */
		p->res->over_limit = 1;
		p->res->size = pgzip_bytes_out(p->z);
		p->cb_failed = 1;
		buf_add_size(&limit, p->o->max_size);
		error_set(&p->cb_err, "the slug is larger than the %s limit", limit.ptr);
		buf_release(&limit);
		return -1;
	}
	return (la_ssize_t)n;
}

static int archive_failed(struct packer *p, struct error *err, const char *what)
{
	if (p->cb_failed) {
		*err = p->cb_err;
		return -1;
	}
	return error_setk(err, ERROR_INTERNAL, "cannot write %s to '%s': %s", what, p->shown,
			  archive_error_string(p->a) ? archive_error_string(p->a) : "unknown error");
}

/* The unpack caps (pack.h invariant 6), checked before an entry's header is written. */
static int charge(struct packer *p, uint64_t size, struct error *err)
{
	const struct pack_options *o = p->o;
	struct buf limit = BUF_INIT, q = BUF_INIT, shown = BUF_INIT;

	if (o->max_entries && p->res->entries + 1 > o->max_entries) {
		buf_addf(&limit, "%llu entries", (unsigned long long)o->max_entries);
		buf_addstr(&q, "--max-entries");
	} else if (o->max_unpacked && (size > o->max_unpacked ||
				       p->res->bytes > o->max_unpacked - size)) {
		buf_add_size(&limit, o->max_unpacked);
		buf_addstr(&q, "--max-unpacked");
	} else {
		p->res->entries++;
		return 0;
	}
	buf_addstr(&q, " raises the cap; or add what is not needed at run time to .slugignore");
	buf_add_quoted(&shown, p->path.ptr, p->path.len, 200);
	error_set(err, "the slug would unpack to more than %s (at '%s'), which slugc run and "
		  "inspect refuse; %s", limit.ptr, shown.ptr, q.ptr);
	buf_release(&limit);
	buf_release(&q);
	buf_release(&shown);
	return -1;
}

static int write_header(struct packer *p, mode_t type, mode_t perm, int64_t size,
			const char *symlink, struct error *err)
{
	struct archive_entry *e;
	int r;

	if (charge(p, type == AE_IFREG ? (uint64_t)size : 0, err) < 0)
		return -1;
	e = archive_entry_new();
	if (!e)
		abort();
	archive_entry_set_pathname(e, p->path.ptr);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, type == AE_IFREG ? size : 0);
	archive_entry_set_mtime(e, p->o->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (symlink)
		archive_entry_set_symlink(e, symlink);
	/*
	 * ARCHIVE_WARN means a non-ASCII name could not be converted to UTF-8
	 * and is stored as raw bytes under a pax "hdrcharset=BINARY" record,
	 * which is what we want: names are bytes on Linux. slugc never calls
	 * setlocale(), so libarchive always converts from the C locale and the
	 * output does not depend on LANG. (Handing libarchive 3.6 UTF-8 names
	 * through archive_entry_set_pathname_utf8() crashes it in the C locale.)
	 */
	r = archive_write_header(p->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return archive_failed(p, err, "an entry header");
	return 0;
}

static int pack_file(struct packer *p, const struct walk_entry *e, struct error *err)
{
	mode_t perm = (e->st->st_mode & 0111) ? 0755 : 0644;
	struct stat st;
	uint64_t left;
	int fd, ret = -1;

	fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot read '%s'", e->path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error_set(err, "'%s' changed while it was being packed", e->path);
		goto out;
	}
	if (write_header(p, AE_IFREG, perm, st.st_size, NULL, err) < 0)
		goto out;
	for (left = (uint64_t)st.st_size; left;) {
		ssize_t n;

		if (sig_check(err) < 0) /* a multi-gigabyte file must not delay an interrupt */
			goto out;
		n = read(fd, p->chunk, left < READ_CHUNK ? (size_t)left : READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "cannot read '%s'", e->path);
			goto out;
		}
		if (n == 0) {
			error_set(err, "'%s' shrank while it was being packed", e->path);
			goto out;
		}
		if (archive_write_data(p->a, p->chunk, (size_t)n) != n) {
			archive_failed(p, err, "file data");
			goto out;
		}
		left -= (uint64_t)n;
		progress(p, (uint64_t)st.st_size - left);
	}
	p->res->files++;
	p->res->bytes += (uint64_t)st.st_size;
	progress(p, 0);
	ret = 0;
out:
	close(fd);
	return ret;
}

static int pack_symlink(struct packer *p, const struct walk_entry *e, struct error *err)
{
	struct fs_tree_links links = { p->root_fd, &p->lookup };

	if (fs_readlinkat(e->dirfd, e->name, &p->link, e->path, err) < 0 ||
	    path_check_symlink(e->path, p->link.ptr, p->real_root, fs_tree_link, &links, &p->stored,
			       err) < 0 ||
	    write_header(p, AE_IFLNK, 0777, 0, p->stored.ptr, err) < 0)
		return -1;
	p->res->symlinks++;
	return 0;
}

static int pack_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct packer *p = ctx;
	mode_t m = e->st->st_mode;

	if (!strcmp(e->name, ".git"))
		return WALK_SKIP;
	buf_reset(&p->path);
	buf_addf(&p->path, "./app/%s%s", e->path, S_ISDIR(m) ? "/" : "");
	if (S_ISDIR(m)) {
		if (write_header(p, AE_IFDIR, 0755, 0, NULL, err) < 0)
			return -1;
		p->res->dirs++;
		return WALK_CONTINUE;
	}
	if (S_ISREG(m))
		return pack_file(p, e, err);
	if (S_ISLNK(m))
		return pack_symlink(p, e, err);
	return error_set(err, "'%s' is %s; a slug may hold only files, directories and symlinks",
			 e->path, fs_special_kind(m));
}

int pack_tree(const char *root, int fd, const char *shown, const struct pack_options *opts,
	      struct pack_result *res, struct error *err)
{
	struct packer p;
	struct pgzip_options zo = { opts->level, opts->threads };
	char real[PATH_MAX];
	int ret = -1;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	p.o = opts;
	p.res = res;
	p.shown = shown;
	p.root_fd = -1;
	buf_init(&p.path, 0);
	buf_init(&p.link, 0);
	buf_init(&p.lookup, 0);
	buf_init(&p.stored, 0);

	if (!realpath(root, real))
		return error_errno(err, "cannot resolve '%s'", root);
	p.real_root = xstrdup(real);
	p.root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p.root_fd < 0) {
		error_errno(err, "cannot open '%s'", root);
		goto out;
	}
	if (pgzip_open(&p.z, fd, shown, &zo, err) < 0)
		goto out;
	p.chunk = xmalloc(READ_CHUNK);

	p.a = archive_write_new();
	if (!p.a)
		abort();
	if (archive_write_set_format_pax_restricted(p.a) != ARCHIVE_OK ||
	    archive_write_open(p.a, &p, NULL, write_cb, NULL) != ARCHIVE_OK) {
		archive_failed(&p, err, "the archive header");
		goto out;
	}

	if (opts->progress) {
		/* Metadata only, and only on a terminal: cheap beside compressing the contents. */
		if (walk_tree(real, count_entry, NULL, &p, 0, err) < 0)
			goto out;
		progress(&p, 0);
	}
	buf_addstr(&p.path, "./app/");
	if (write_header(&p, AE_IFDIR, 0755, 0, NULL, err) < 0)
		goto out;
	res->dirs++;
	if (walk_tree(real, pack_entry, NULL, &p, 0, err) < 0)
		goto out;
	if (archive_write_close(p.a) != ARCHIVE_OK) {
		archive_failed(&p, err, "the end of the archive");
		goto out;
	}
	if (pgzip_finish(p.z, err) < 0)
		goto out;
	res->size = pgzip_bytes_out(p.z);
	pgzip_digest(p.z, res->sha256);
	if (opts->max_size && res->size > opts->max_size) {
		struct buf limit = BUF_INIT;

		res->over_limit = 2;
		buf_add_size(&limit, opts->max_size);
		error_set(err, "the slug is larger than the %s limit", limit.ptr);
		buf_release(&limit);
		goto out;
	}
	ret = 0;
out:
	/*
	 * On failure (an interrupt, a full disk) nothing more is written: closing
	 * the archive would otherwise pad the current entry to its size with
	 * zeros, compressing up to gigabytes for a file that is thrown away.
	 */
	if (ret < 0)
		p.cb_failed = 1;
	if (opts->progress)
		out_progress_end();
	if (p.a)
		archive_write_free(p.a);
	pgzip_free(p.z);
	if (p.root_fd >= 0)
		close(p.root_fd);
	free(p.real_root);
	free(p.chunk);
	buf_release(&p.path);
	buf_release(&p.link);
	buf_release(&p.lookup);
	buf_release(&p.stored);
	return ret;
}

struct dirsize {
	char *name;
	uint64_t bytes;
};

struct du {
	struct dirsize *v;
	size_t nr, alloc;
};

static int du_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct du *d = ctx;

	(void)err;
	if (e->depth == 1) {
		if (!S_ISDIR(e->st->st_mode))
			return WALK_SKIP;
		ALLOC_GROW(d->v, d->nr + 1, d->alloc);
		d->v[d->nr].name = xstrdup(e->name);
		d->v[d->nr].bytes = 0;
		d->nr++;
		return WALK_CONTINUE;
	}
	if (S_ISREG(e->st->st_mode))
		d->v[d->nr - 1].bytes += (uint64_t)e->st->st_size;
	return WALK_CONTINUE;
}

static int dirsize_cmp(const void *a, const void *b)
{
	const struct dirsize *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

int pack_largest_dirs(const char *root, unsigned n, char **out, struct error *err)
{
	struct du d = { NULL, 0, 0 };
	struct buf b = BUF_INIT;
	size_t i;
	int ret = -1;

	if (walk_tree(root, du_entry, NULL, &d, 0, err) < 0)
		goto out;
	if (d.nr > 1)
		qsort(d.v, d.nr, sizeof(*d.v), dirsize_cmp);
	for (i = 0; i < d.nr && i < n; i++) {
		if (i)
			buf_addstr(&b, ", ");
		buf_addf(&b, "%s/ (", d.v[i].name);
		buf_add_size(&b, d.v[i].bytes);
		buf_addch(&b, ')');
	}
	if (!b.len)
		buf_addstr(&b, "(no directories; the files at the top level are the bulk)");
	*out = buf_detach(&b, NULL);
	ret = 0;
out:
	for (i = 0; i < d.nr; i++)
		free(d.v[i].name);
	free(d.v);
	buf_release(&b);
	return ret;
}

int pack_run(struct build *b, struct error *err)
{
	struct pack_options o;
	struct pack_result res;
	struct buf size = BUF_INIT;
	char *largest = NULL;
	int ret = -1;

	o.mtime = b->source_date_epoch;
	o.level = b->opt.level;
	o.threads = b->opt.jobs;
	o.max_size = b->opt.max_size;
	o.max_unpacked = b->opt.limits.max_bytes;
	o.max_entries = b->opt.limits.max_entries;
	/* A 300 MB tree takes seconds: show how far it is, on a terminal (not -q, not --json). */
	o.progress = out_is_tty() && out_level() >= OUT_NORMAL && !out_json_mode();

	out_step("Compressing...");
	if (pack_tree(b->app_dir, b->slug.fd, b->opt.output, &o, &res, err) < 0) {
		if (res.over_limit) {
			struct error derr = ERROR_INIT;
			struct buf shown = BUF_INIT;

			if (pack_largest_dirs(b->app_dir, 3, &largest, &derr) < 0)
				largest = xstrdup("(could not measure the directories)");
			buf_add_size(&shown, res.size);
			/* Heroku's words, then what to do about it. */
			error_set(err, "Compiled slug size: %s%s is too large (max is %llu MB, "
				  "--max-size); largest directories: %s; add what is not needed at "
				  "run time to .slugignore", res.over_limit == 1 ? "at least " : "",
				  shown.ptr, (unsigned long long)(b->opt.max_size >> 20), largest);
			buf_release(&shown);
		}
		goto out;
	}
	b->slug_size = res.size;
	b->files = res.files;
	b->entries = res.entries;
	b->unpacked_size = res.bytes;
	memcpy(b->slug_sha256, res.sha256, sizeof(res.sha256));

	buf_add_size(&size, res.size);
	out_info("Done: %s (%llu files)", size.ptr, (unsigned long long)res.files);
	if (res.size > ((uint64_t)BUILD_SOFT_LIMIT_MB << 20))
		out_warn("Your slug size (%s) exceeds the soft limit (%d MB), which may affect boot time",
			 size.ptr, BUILD_SOFT_LIMIT_MB);
	ret = 0;
out:
	free(largest);
	buf_release(&size);
	return ret;
}

static la_ssize_t memory_write_cb(struct archive *a, void *ctx, const void *data, size_t n)
{
	(void)a;
	buf_add(ctx, data, n);
	return (la_ssize_t)n;
}

int pack_memory_tar(const struct pack_file *files, size_t n, int64_t mtime, struct buf *out,
		    struct error *err)
{
	struct archive *a = archive_write_new();
	size_t i;
	int ret = -1;

	if (!a)
		abort();
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, out, NULL, memory_write_cb, NULL) != ARCHIVE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = files[i].data ? strlen(files[i].data) : 0;
		int r;

		if (!e)
			abort();
		archive_entry_set_pathname(e, files[i].path);
		archive_entry_set_filetype(e, files[i].data ? AE_IFREG : AE_IFDIR);
		archive_entry_set_perm(e, files[i].mode);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_entry_set_mtime(e, mtime, 0);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		r = archive_write_header(a, e);
		archive_entry_free(e);
		if (r != ARCHIVE_OK)
			goto fail;
		if (len && archive_write_data(a, files[i].data, len) != (la_ssize_t)len)
			goto fail;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto fail;
	ret = 0;
	goto out;
fail:
	error_setk(err, ERROR_INTERNAL, "cannot write an archive in memory: %s",
		   archive_error_string(a) ? archive_error_string(a) : "unknown error");
out:
	archive_write_free(a);
	return ret;
}

static la_ssize_t fd_write_cb(struct archive *a, void *ctx, const void *data, size_t n)
{
	struct tempfile *t = ctx;
	struct error ignored = ERROR_INIT;

	if (fs_write_all(t->fd, data, n, t->path, &ignored) < 0) {
		archive_set_error(a, errno ? errno : EIO, "%s", ignored.msg);
		return -1;
	}
	return (la_ssize_t)n;
}

int pack_bundle(const struct pack_member *m, size_t n, int64_t mtime, const char *target,
		struct error *err)
{
	struct tempfile t = TEMPFILE_INIT;
	struct archive *a = NULL;
	char *chunk = NULL;
	size_t i;
	int fd = -1, ret = -1;

	if (tempfile_open(&t, target, err) < 0)
		return -1;
	a = archive_write_new();
	if (!a)
		abort();
	chunk = xmalloc(READ_CHUNK);
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, &t, NULL, fd_write_cb, NULL) != ARCHIVE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		struct stat st;
		int64_t size;
		int r;

		if (!e)
			abort();
		if (m[i].path) {
			fd = open(m[i].path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || fstat(fd, &st) < 0) {
				archive_entry_free(e);
				error_errno(err, "cannot read '%s'", m[i].path);
				goto out;
			}
			size = st.st_size;
		} else {
			size = m[i].data ? (int64_t)m[i].len : 0;
		}
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, m[i].path || m[i].data ? AE_IFREG : AE_IFDIR);
		archive_entry_set_perm(e, m[i].path || m[i].data ? 0644 : 0755);
		archive_entry_set_size(e, m[i].path || m[i].data ? size : 0);
		archive_entry_set_mtime(e, mtime, 0);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		r = archive_write_header(a, e);
		archive_entry_free(e);
		if (r != ARCHIVE_OK)
			goto fail;
		if (m[i].data && m[i].len &&
		    archive_write_data(a, m[i].data, m[i].len) != (la_ssize_t)m[i].len)
			goto fail;
		while (fd >= 0) {
			ssize_t got = read(fd, chunk, READ_CHUNK);

			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				error_errno(err, "cannot read '%s'", m[i].path);
				goto out;
			}
			if (!got)
				break;
			if (sig_check(err) < 0)
				goto out;
			if (archive_write_data(a, chunk, (size_t)got) != got)
				goto fail;
		}
		if (fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto fail;
	if (tempfile_commit(&t, err) < 0)
		goto out;
	ret = 0;
	goto out;
fail:
	error_setk(err, ERROR_INTERNAL, "cannot write '%s': %s", target,
		   archive_error_string(a) ? archive_error_string(a) : "unknown error");
out:
	if (fd >= 0)
		close(fd);
	if (a)
		archive_write_free(a);
	free(chunk);
	tempfile_discard(&t);
	return ret;
}
