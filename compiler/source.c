/*
 * The source stage: turn SOURCE into a private tree at b->app_dir and record
 * where it came from. The source itself is only ever read.
 *
 *   directory            copied as it is on disk, minus every ".git"
 *   git work tree/bare   the committed tree at --rev (default HEAD), from the
 *                        object database; with --worktree, the files on disk
 *                        that git does not ignore
 *   URL                  fetched into a cached mirror, then as above
 *   .tar.gz / .tgz       extracted safely; one top-level directory is dropped
 *
 * --app-dir takes a subdirectory of any of them as the app.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "build.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "git.h"
#include "output.h"
#include "path.h"
#include "tree_writer.h"
#include "treecopy.h"
#include "url.h"
#include "xalloc.h"

static int copy_directory(struct build *b, const char *src, tree_copy_filter_fn filter, void *ctx,
			  struct error *err)
{
	/* ".git" is never part of a slug. */
	return tree_copy(src, b->app_dir, TREE_COPY_SKIP_GIT, filter, ctx, err);
}

/* root + --app-dir, which must be an existing directory below root. */
static char *app_root(struct build *b, const char *root, struct error *err)
{
	char *dir = b->app_subdir ? path_join(root, b->app_subdir) : xstrdup(root);
	struct stat st;

	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		error_set(err, "--app-dir '%s' is not a directory in '%s'", b->app_subdir,
			  b->opt.source);
		free(dir);
		return NULL;
	}
	return dir;
}

static int from_directory(struct build *b, const char *real, struct error *err)
{
	char *root = app_root(b, real, err);
	char resolved[PATH_MAX];
	struct outputs_filter of = { b, resolved };
	int r;

	if (!root)
		return -1;
	b->source_kind = xstrdup("dir");
	/* The slug or manifest is written inside the app: copy it without them (outputs.c). */
	if (outputs_inside(b, root) && realpath(root, resolved)) {
		out_step("Copying source from %s (without the slug and manifest written into it)",
			 b->opt.source);
		r = copy_directory(b, root, outputs_skip, &of, err);
		free(root);
		return r;
	}
	/*
	 * Not copied yet: an app with nothing to build is packed straight from
	 * here (read only); the runtimes stage copies it when something is built.
	 */
	free(b->app_dir);
	b->app_dir = root;
	b->app_borrowed = 1;
	return 0;
}

static void record_commit(struct build *b, const struct git_commit_info *c, const char *rev)
{
	b->commit = xstrdup(c->sha);
	b->commit_description = c->summary ? xstrdup(c->summary) : NULL;
	b->commit_time = c->time;
	b->source_rev = xstrdup(rev ? rev : "HEAD");
}

struct worktree_filter {
	struct gitrepo *repo;
	const char *prefix; /* --app-dir, relative to the work tree */
	struct buf path;
	struct outputs_filter outputs; /* root NULL: no output inside */
};

static int worktree_skip(void *ctx, const char *relpath, int is_dir, struct error *err)
{
	struct worktree_filter *f = ctx;

	if (f->outputs.root && outputs_skip(&f->outputs, relpath, is_dir, err))
		return 1;

	buf_reset(&f->path);
	if (f->prefix)
		buf_addf(&f->path, "%s/", f->prefix);
	buf_addstr(&f->path, relpath);
	return gitrepo_is_ignored(f->repo, f->path.ptr, is_dir, err);
}

static int from_worktree(struct build *b, struct error *err)
{
	struct worktree_filter f = { NULL, b->app_subdir, BUF_INIT, { b, NULL } };
	struct git_commit_info c;
	struct error none = ERROR_INIT;
	char *root = NULL, resolved[PATH_MAX];
	int ret = -1;

	if (gitrepo_open(&f.repo, b->opt.source, err) < 0)
		return -1;
	if (!gitrepo_workdir(f.repo)) {
		error_setk(err, ERROR_USAGE, "--worktree needs a work tree; '%s' is a bare repository",
			   b->opt.source);
		goto out;
	}
	b->source_kind = xstrdup("git");
	b->source_url = xstrdup(gitrepo_display(f.repo));
	b->dirty = 1;
	/* The manifest still names HEAD, when there is one, as the base of the changes. */
	if (gitrepo_resolve(f.repo, NULL, &c, &none) == 0) {
		record_commit(b, &c, NULL);
		git_commit_info_release(&c);
	}
	root = app_root(b, gitrepo_workdir(f.repo), err);
	if (!root)
		goto out;
	if (outputs_inside(b, root) && realpath(root, resolved))
		f.outputs.root = resolved;
	out_step("Copying the work tree of %s, uncommitted files included", b->opt.source);
	ret = copy_directory(b, root, worktree_skip, &f, err);
out:
	free(root);
	buf_release(&f.path);
	gitrepo_close(f.repo);
	return ret;
}

/* Check out the resolved commit of an open repository into the build directory. */
static int checkout(struct build *b, struct gitrepo *repo, struct error *err)
{
	struct tree_writer *w = NULL;
	struct git_commit_info c;
	int ret = -1;

	if (gitrepo_resolve(repo, b->opt.rev, &c, err) < 0)
		return -1;
	record_commit(b, &c, b->opt.rev);
	out_step("Checking out %.12s%s%s%s", c.sha, c.summary ? " (" : "",
		 c.summary ? c.summary : "", c.summary ? ")" : "");
	gitrepo_set_cache_dir(repo, b->opt.cache_dir);
	if (tree_writer_open(&w, b->app_dir, 0, err) < 0)
		goto out;
	ret = gitrepo_checkout(repo, b->app_subdir, w, err);
out:
	tree_writer_close(w);
	git_commit_info_release(&c);
	return ret;
}

/*
 * Building HEAD of a work tree with uncommitted changes is what `git push`
 * does too, but here the user may expect the files on disk: say so, and how.
 */
static void warn_uncommitted(struct build *b, struct gitrepo *repo)
{
	struct error ignored = ERROR_INIT;
	unsigned long changed, untracked;

	if (gitrepo_changes(repo, b->app_subdir, &changed, &untracked, &ignored) < 0 ||
	    (!changed && !untracked))
		return;
	out_warn("the work tree has %lu uncommitted change%s and %lu untracked file%s that are "
		 "not in the slug (HEAD is built, as git push would); commit them, or build the "
		 "files on disk with --worktree", changed, changed == 1 ? "" : "s", untracked,
		 untracked == 1 ? "" : "s");
}

static int from_git(struct build *b, struct error *err)
{
	struct gitrepo *repo = NULL;
	int ret;

	if (gitrepo_open(&repo, b->opt.source, err) < 0)
		return -1;
	b->source_kind = xstrdup("git");
	b->source_url = xstrdup(gitrepo_display(repo));
	ret = checkout(b, repo, err);
	if (!ret && !b->opt.rev)
		warn_uncommitted(b, repo);
	gitrepo_close(repo);
	return ret;
}

static int from_remote(struct build *b, struct error *err)
{
	struct git_fetch_stats stats;
	struct gitrepo *repo = NULL;
	int ret;

	if (b->opt.worktree)
		return error_setk(err, ERROR_USAGE, "--worktree needs a local work tree, not a URL");
	b->source_kind = xstrdup("git");
	b->source_url = url_strip_credentials(b->opt.source);
	if (gitrepo_open_remote(&repo, b->opt.source, b->opt.cache_dir, &stats, err) < 0)
		return -1;
	ret = checkout(b, repo, err);
	gitrepo_close(repo);
	return ret;
}

static int from_tarball(struct build *b, const char *real, struct error *err)
{
	struct tree_writer *w = NULL;
	struct reader *r = NULL;
	char *extracted = path_join(b->work_dir, "src"), *root = NULL, *app = NULL;
	int ret = -1;

	b->source_kind = xstrdup("tarball");
	out_step("Extracting %s", b->opt.source);
	if (reader_open_file(&r, real, err) < 0 || tree_writer_open(&w, extracted, 0, err) < 0)
		goto out;
	/* The caps of the slug itself (--max-unpacked, --max-entries): not a gzip bomb's room. */
	reader_set_limits(r, &b->opt.limits);
	if (extract_to_tree(r, w, err) < 0)
		goto out;
	root = extract_top_dir(extracted, err);
	if (!root)
		goto out;
	app = app_root(b, root, err);
	if (!app)
		goto out;
	if (rename(app, b->app_dir) < 0) {
		error_errno(err, "cannot move the extracted source into place");
		goto out;
	}
	ret = 0;
out:
	tree_writer_close(w);
	reader_close(r);
	free(extracted);
	free(root);
	free(app);
	return ret;
}

static int is_tarball_name(const char *s)
{
	size_t n = strlen(s);

	return (n > 7 && !strcmp(s + n - 7, ".tar.gz")) || (n > 4 && !strcmp(s + n - 4, ".tgz")) ||
	       (n > 4 && !strcmp(s + n - 4, ".tar"));
}

/* --app-dir: relative, inside, normalised to "a/b". */
static int normalise_app_dir(struct build *b, struct error *err)
{
	const char *p = b->opt.app_dir;
	struct buf n = BUF_INIT;

	if (!p)
		return 0;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	buf_addstr(&n, p);
	while (n.len && n.ptr[n.len - 1] == '/')
		buf_setlen(&n, n.len - 1);
	if (!n.len || n.ptr[0] == '/' || path_has_dotdot(n.ptr) || !strcmp(n.ptr, ".")) {
		buf_release(&n);
		if (!*p || !strcmp(p, ".") || !strcmp(p, "./"))
			return 0; /* the whole source */
		return error_setk(err, ERROR_USAGE, "--app-dir '%s' must be a relative path inside the "
				  "source, without '..'", b->opt.app_dir);
	}
	b->app_subdir = buf_detach(&n, NULL);
	return 0;
}

int source_run(struct build *b, struct error *err)
{
	const char *src = b->opt.source;
	char real[PATH_MAX];
	struct stat st;

	if (normalise_app_dir(b, err) < 0)
		return -1;
	if (url_is_url(src))
		return from_remote(b, err);
	if (stat(src, &st) < 0) {
		if (errno == ENOENT)
			return error_set(err, "source '%s' does not exist", src);
		return error_errno(err, "cannot read source '%s'", src);
	}
	if (!realpath(src, real))
		return error_errno(err, "cannot resolve source '%s'", src);
	b->source_url = xstrdup(real);
	if (S_ISREG(st.st_mode) && is_tarball_name(src)) {
		if (b->opt.rev || b->opt.worktree)
			return error_setk(err, ERROR_USAGE, "--rev and --worktree need a git source, "
					  "not a tarball");
		return from_tarball(b, real, err);
	}
	if (!S_ISDIR(st.st_mode))
		return error_set(err, "source '%s' is not a directory, a git repository, a URL or a "
				 ".tar.gz", src);
	if (git_is_repository(real)) {
		free(b->source_url);
		b->source_url = NULL;
		return b->opt.worktree ? from_worktree(b, err) : from_git(b, err);
	}
	if (b->opt.rev)
		return error_setk(err, ERROR_USAGE, "--rev needs a git repository; '%s' is a plain "
				  "directory", src);
	if (b->opt.worktree)
		return error_setk(err, ERROR_USAGE, "--worktree needs a git work tree; '%s' is a plain "
				  "directory", src);
	return from_directory(b, real, err);
}
