#ifndef SLUGC_GIT_H
#define SLUGC_GIT_H

#include <stdint.h>

struct error;
struct tree_writer;

/*
 * Git sources, over libgit2 (spoken to from here only). No git binary is
 * needed at run time.
 *
 * A repository is either opened where it lies (a work tree's top directory
 * or a bare repository) or, for a URL, is a bare mirror in the cache
 * directory: <cache>/git/<sha256 of the URL without credentials>.git,
 * cloned on first use and fetched on later ones, under an exclusive flock
 * while it changes and a shared one while it is read. A first clone is
 * built in a temporary directory and renamed into place, so a mirror is
 * never half made.
 *
 * Credentials come from the URL (https://user:token@host/...) or ~/.netrc;
 * they are handed to libgit2 through a callback, never stored in the
 * mirror's configuration, and registered as secrets with the output funnel.
 *
 * Trees are written from the object database as raw blobs (no CRLF or other
 * filters, which would make the bytes depend on the machine's git
 * configuration): executable bit from the mode, symlinks as symlinks,
 * submodules checked out recursively at the commits the tree records.
 */

struct gitrepo;

struct git_commit_info {
	char sha[41];
	char *summary; /* first line of the message, or NULL */
	int64_t time;  /* committer time */
};

struct git_fetch_stats {
	int cloned;              /* 1: a new mirror; 0: a fetch into an existing one */
	unsigned long objects;   /* objects received */
	unsigned long long bytes;/* bytes received */
};

/* Whether path is the top of a git work tree or a bare repository. */
int git_is_repository(const char *path);

/* Open a repository on disk. */
int gitrepo_open(struct gitrepo **out, const char *path, struct error *err);
/* Open the cached mirror of url (https, http, git or file), cloning or fetching it first. */
int gitrepo_open_remote(struct gitrepo **out, const char *url, const char *cache,
			struct git_fetch_stats *stats, struct error *err);
/* Where the repository is, for messages and the manifest (no credentials). */
const char *gitrepo_display(const struct gitrepo *r);
/* The --cache-dir for submodule mirrors (NULL: the default, resolved only if one is needed). */
void gitrepo_set_cache_dir(struct gitrepo *r, const char *cache);

/* Resolve a revision (branch, tag, SHA, any revspec; NULL means HEAD) to a commit. */
int gitrepo_resolve(struct gitrepo *r, const char *rev, struct git_commit_info *info,
		    struct error *err);
/* Write the resolved commit's tree, or its `subdir` (may be NULL), into w. */
int gitrepo_checkout(struct gitrepo *r, const char *subdir, struct tree_writer *w,
		     struct error *err);

/* The work tree's directory, or NULL for a bare repository. */
const char *gitrepo_workdir(const struct gitrepo *r);
/*
 * For --worktree copies: 1 when `relpath` (relative to the work tree) is
 * ignored by .gitignore and not tracked, 0 when it belongs in the copy.
 */
int gitrepo_is_ignored(struct gitrepo *r, const char *relpath, int is_dir, struct error *err);

/*
 * What `git status` would list in a work tree (under subdir, when not NULL):
 * changed counts modified, staged, deleted and renamed files, untracked the
 * files git does not know and does not ignore. Both 0 for a bare repository.
 */
int gitrepo_changes(struct gitrepo *r, const char *subdir, unsigned long *changed,
		    unsigned long *untracked, struct error *err);

void gitrepo_close(struct gitrepo *r);
void git_commit_info_release(struct git_commit_info *c);

/* Release libgit2's global state (end of main). */
void git_shutdown(void);

#endif
