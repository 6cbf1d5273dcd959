/*
 * The tree stage: make the build directory what Heroku's slug compiler would
 * hand to a buildpack. Paths matching .slugignore are removed before any
 * build step runs (Heroku's order), and no ".git" survives at any depth.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "build.h"
#include "error.h"
#include "output.h"
#include "path.h"
#include "slugignore.h"
#include "strvec.h"
#include "treecopy.h"
#include "walk.h"
#include "xalloc.h"

struct prune {
	const struct slugignore *rules;
	const char *root;
	unsigned long removed;
};

static int remove_entry(struct prune *p, const struct walk_entry *e, struct error *err)
{
	char *full;
	int r;

	if (!S_ISDIR(e->st->st_mode)) {
		if (unlinkat(e->dirfd, e->name, 0) < 0 && errno != ENOENT)
			return error_errno(err, "cannot remove '%s' from the build directory", e->path);
		return 0;
	}
	full = path_join(p->root, e->path);
	r = fs_remove_tree(full, err);
	free(full);
	return r;
}

static int prune_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct prune *p = ctx;
	int is_dir = S_ISDIR(e->st->st_mode);
	int m;

	if (!strcmp(e->name, ".git")) {
		if (remove_entry(p, e, err) < 0)
			return -1;
		return WALK_SKIP;
	}
	m = p->rules ? slugignore_match(p->rules, e->path, is_dir, err) : 0;
	if (m < 0)
		return error_prefix(err, "matching '%s' against .slugignore", e->path);
	if (!m)
		return WALK_CONTINUE;
	if (out_level() >= OUT_VERBOSE) {
		struct buf q = BUF_INIT;

		/* A name may hold a newline: one line per removed path. */
		buf_add_quoted(&q, e->path, strlen(e->path), 200);
		out_trace("slugignore: removing %s%s", q.ptr, is_dir ? "/" : "");
		buf_release(&q);
	}
	if (remove_entry(p, e, err) < 0)
		return -1;
	p->removed++;
	return WALK_SKIP;
}

int build_materialise(struct build *b, struct error *err)
{
	char *dest;

	if (!b->app_borrowed)
		return 0;
	dest = path_join(b->work_dir, "app");
	out_step("Copying source from %s", b->opt.source);
	if (tree_copy(b->app_dir, dest, TREE_COPY_SKIP_GIT, NULL, NULL, err) < 0) {
		/* The failing entry is named relative to the source: say where it was going. */
		error_prefix(err, "cannot copy the source into '%s'", dest);
		free(dest);
		return -1;
	}
	free(b->app_dir);
	b->app_dir = dest;
	b->app_borrowed = 0;
	return 0;
}

int tree_run(struct build *b, struct error *err)
{
	struct strvec warnings = STRVEC_INIT;
	struct slugignore *rules = NULL;
	struct prune p = { NULL, b->app_dir, 0 };
	char *path = path_join(b->app_dir, ".slugignore");
	size_t i;
	int ret = -1;

	if (slugignore_load(&rules, path, ".slugignore", &warnings, err) < 0)
		goto out;
	for (i = 0; i < warnings.nr; i++)
		out_warn("%s", warnings.v[i]);
	if (slugignore_count(rules)) {
		out_step("Applying .slugignore (%zu pattern%s)", slugignore_count(rules),
			 slugignore_count(rules) == 1 ? "" : "s");
		p.rules = rules;
	}
	if (b->app_borrowed) {
		/* The source itself: nothing to remove without patterns (pack leaves out .git). */
		if (!p.rules) {
			ret = 0;
			goto out;
		}
		/* Detection must not see what .slugignore removes: a private copy first. */
		if (build_materialise(b, err) < 0)
			goto out;
		p.root = b->app_dir;
	}
	if (walk_tree(b->app_dir, prune_entry, NULL, &p, 0, err) < 0)
		goto out;
	if (p.rules)
		out_info("Removed %lu path%s", p.removed, p.removed == 1 ? "" : "s");
	ret = 0;
out:
	slugignore_free(rules);
	strvec_clear(&warnings);
	free(path);
	return ret;
}
