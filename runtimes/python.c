/*
 * Python, as heroku-buildpack-python builds it: Heroku's prebuilt runtime
 * (<base>/python-<X.Y.Z>-ubuntu-<NN.04>-<arch>.tar.zst, entries "./bin/...")
 * unpacked into ./app/.heroku/python; the package manager the app chose
 * (pip, Pipenv, Poetry or uv) at the version Heroku pins, bootstrapped with
 * the pip wheel the runtime bundles; the dependencies installed into that
 * same environment, so the slug runs on a bare dyno; Django's collectstatic;
 * .profile.d/python.sh, python.gunicorn.sh and WEB_CONCURRENCY.sh.
 *
 * Heroku publishes no checksums: a pin (inventory, --runtime-sha256) or the
 * digest recorded on first use is enforced by runtime_resolve()/fetch().
 *
 * Relocation: Heroku builds in a symlinked /app/.heroku/python so that
 * scripts and bytecode name /app paths. slugc builds in a private
 * directory instead, then (relocate_program below) turns the console
 * scripts' absolute shebangs into ones that find the interpreter beside
 * themselves, updates their RECORD hashes, and recompiles the bytecode as if
 * it had been built in /app: the slug neither depends on nor records where
 * it was built, and the interpreter finds its prefix from its own location
 * (no PYTHONHOME).
 *
 * The runtime is unpacked once into the cache and hard-linked into
 * .heroku/python (runtime_link), as Node.js and Ruby are: directories are
 * created fresh, so what pip installs into site-packages and bin/ are new
 * files of the app, and what it removes or replaces (pip unlinks a file
 * before writing it, relocation renames over) leaves the cached inode
 * alone; a step writing into a runtime file in place is caught after the
 * build and the toolchain entry evicted (runtime_links_check).
 *
 * Build cache: what the install added to the runtime (the "packages":
 * every entry of .heroku/python that is not a link to the toolchain's file
 * at the same path, or the same symlink), and the runtime paths it removed,
 * kept under a key naming the runtime's digest, the stack, the package
 * manager and its version, and the lockfile's digest: any change installs
 * afresh (Heroku's cache::restore invalidation, plus the lockfile for
 * Poetry and uv). A warm build links the runtime, puts the packages back
 * over it and still runs the install (a no-op: "Requirement already
 * satisfied"), so its tree is the cold build's. The entry is written once
 * per key, by the build that found none. The managers' own download caches
 * (wheels) live in the app's build cache and survive a lockfile change.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "child.h"
#include "detectors.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "output.h"
#include "path.h"
#include "regex.h"
#include "runtimes.h"
#include "sha256.h"
#include "treecopy.h"
#include "url.h"
#include "walk.h"
#include "xalloc.h"

#define OFFICIAL "https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com"
#define VERSION_RE "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(?:\\.(0|[1-9][0-9]*))?$"
#define HOME_REL ".heroku/python"

static int python_resolve(const struct runtime_options *o, const char *requirement,
			  struct resolved *out, struct error *err);
static int python_install(struct build_env *be, const struct resolved *r, const char *archive,
			  struct error *err);
static int python_build(struct build_env *be, const struct resolved *r, struct error *err);

const struct runtime runtime_python = {
	"python", "Python", python_resolve, python_install, python_build,
};

/* The python table of the defaults file. */
static const struct json *table(const struct defaults *def)
{
	return json_get(def->doc, "python");
}

/* "3.11" of "3.11.2". */
static char *major_minor(const char *version)
{
	const char *dot = strchr(version, '.');
	const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;

	return dot2 ? xstrndup(version, (size_t)(dot2 - version)) : xstrdup(version);
}

static int python_resolve(const struct runtime_options *o, const char *requirement,
			  struct resolved *out, struct error *err)
{
	const char *base = o->mirror ? o->mirror : OFFICIAL, *exact, *latest, *dep;
	const struct json *py = table(o->defaults);
	char *minor = NULL;
	int r;

	if (!requirement)
		requirement = o->defaults->python_default;
	r = regex_match(regex_static(VERSION_RE, 0), requirement, strlen(requirement), NULL, err);
	if (r < 0)
		return -1;
	if (!r)
		return error_set(err, "Python '%s' is not a version Heroku accepts: give the major "
				 "version, e.g. %s, or an exact one, e.g. %s.0", requirement,
				 o->defaults->python_default, o->defaults->python_default);
	if (strcmp(o->stack, "heroku-22") && strcmp(o->stack, "heroku-24") &&
	    strcmp(o->stack, "heroku-26"))
		return error_set(err, "Heroku's Python runtimes exist for heroku-22, heroku-24 and "
				 "heroku-26, not for the stack '%s': choose one with --stack", o->stack);
	if (python_check_version(o->defaults, requirement, "the requested version", err) < 0)
		return -1;
	minor = major_minor(requirement);
	latest = json_get_str(json_get(py, "latest"), minor);
	exact = strcmp(minor, requirement) ? requirement : latest;
	if (!exact) {
		error_set(err, "the defaults file lists no Python %s release (python.latest): add it, "
			  "or ask for an exact version", minor);
		free(minor);
		return -1;
	}
	if (latest && exact != latest &&
	    strtol(strrchr(exact, '.') + 1, NULL, 10) < strtol(strrchr(latest, '.') + 1, NULL, 10))
		strvec_pushf(&out->notes, "a Python patch update is available: %s (this app asks for "
			     "%s); give only the major version, %s, to get it automatically", latest,
			     exact, minor);
	if ((dep = json_get_str(json_get(py, "deprecated"), minor)))
		strvec_pushf(&out->notes, "support for Python %s is deprecated: %s", minor, dep);
	out->version = xstrdup(exact);
	out->filename = xstrfmt("python-%s-ubuntu-%.2s.04-%s.tar.zst", exact, o->stack + 7,
				runtime_go_arch());
	out->url = xstrfmt("%s/%s", base, out->filename);
	free(minor);
	/* No checksum is published: runtime_resolve() applies a pin or trust on first use. */
	return 0;
}

struct manager_info {
	const char *name;     /* "pip" */
	const char *display;  /* "Pipenv" */
	const char *lockfile; /* what the installed environment depends on */
};

static const struct manager_info manager_infos[] = {
	{ "pip", "pip", "requirements.txt" },
	{ "pipenv", "Pipenv", "Pipfile.lock" },
	{ "poetry", "Poetry", "poetry.lock" },
	{ "uv", "uv", "uv.lock" },
};

static const struct manager_info *manager_of(const struct build_env *be)
{
	const char *pm = be->detection->package_manager;
	size_t i;

	for (i = 0; pm && i < sizeof(manager_infos) / sizeof(manager_infos[0]); i++)
		if (!strcmp(manager_infos[i].name, pm))
			return &manager_infos[i];
	return &manager_infos[0];
}

/* The version the defaults file pins for tool ("system": the build host's). */
static const char *pinned(const char *tool, struct error *err)
{
	const struct defaults *def = defaults_get(err);
	const char *v = def ? json_get_str(json_get(table(def), "managers"), tool) : NULL;

	if (def && !v)
		error_set(err, "the defaults file pins no version of %s (python.managers.%s)", tool, tool);
	return v;
}

/*
 * The build cache key of .heroku/python: everything its content depends
 * on, so any change starts afresh.
 */
static int env_key(const struct build_env *be, const struct resolved *r, char **key,
		   struct error *err)
{
	const struct manager_info *m = manager_of(be);
	char *lock = path_join(be->app_dir, m->lockfile), hex[SHA256_HEX_LEN + 1] = "none";
	const char *version = pinned(m->name, err);
	char *what;
	char digest[65];

	if (!version) {
		free(lock);
		return -1;
	}
	if (fs_exists(lock) && sha256_file(lock, hex, NULL, err) < 0) {
		free(lock);
		return -1;
	}
	what = xstrfmt("%s\n%s\n%s\n%s\n%s\n%s", r->version, r->sha256 ? r->sha256 : "",
		       env_get(&be->env, "STACK"), m->name, version, hex);
	cache_key(what, digest);
	/* "packages": what the install added over the linked runtime (not the whole tree). */
	*key = xstrfmt("python-packages-%s-%s-%.16s", r->version, m->name, digest);
	free(what);
	free(lock);
	return 0;
}

/*
 * The packages kept for a key (see the top comment), <app cache>/dirs/<key>/:
 * tree/ holds every entry the install added to .heroku/python or put in
 * place of a runtime file, under its path there, with all the directories;
 * removed lists the runtime's paths the install deleted, each ending in a
 * NUL. Written once, by rename of a complete directory.
 */
static char *kept_dir(const struct build_env *be, const char *key)
{
	return xstrfmt("%s/dirs/%s", be->app_cache, key);
}

/* What the save and restore walks share. */
struct packages {
	const char *home;    /* .heroku/python (absolute) */
	int home_fd;
	int runtime_fd;      /* the toolchain it is linked from (save only) */
	struct buf removed;  /* runtime paths the app no longer has, NUL-terminated */
	struct buf a, b;     /* readlink scratch */
};
#define PACKAGES_INIT { NULL, -1, -1, BUF_INIT, BUF_INIT, BUF_INIT }

static void packages_release(struct packages *p)
{
	if (p->home_fd >= 0)
		close(p->home_fd);
	if (p->runtime_fd >= 0)
		close(p->runtime_fd);
	buf_release(&p->removed);
	buf_release(&p->a);
	buf_release(&p->b);
}

/*
 * tree_copy() filter of the save: 1 (left out) for the runtime's own
 * entries, a hard link to the toolchain's file at the same path or the same
 * symlink; directories are all kept (the restore merges into the runtime's).
 */
static int not_runtime(void *ctx, const char *relpath, int is_dir, struct error *err)
{
	struct packages *p = ctx;
	struct error ignored = ERROR_INIT;
	struct stat app, rt;

	if (is_dir)
		return 0;
	if (fstatat(p->home_fd, relpath, &app, AT_SYMLINK_NOFOLLOW) < 0)
		return error_errno(err, "cannot read '%s/%s'", HOME_REL, relpath);
	if (fstatat(p->runtime_fd, relpath, &rt, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	/* A file the kernel would not link (another file system) was copied: it is kept. */
	if (S_ISREG(app.st_mode) && S_ISREG(rt.st_mode))
		return app.st_dev == rt.st_dev && app.st_ino == rt.st_ino;
	if (!S_ISLNK(app.st_mode) || !S_ISLNK(rt.st_mode))
		return 0;
	buf_reset(&p->a);
	buf_reset(&p->b);
	if (fs_readlinkat(p->home_fd, relpath, &p->a, relpath, &ignored) < 0 ||
	    fs_readlinkat(p->runtime_fd, relpath, &p->b, relpath, &ignored) < 0)
		return 0;
	return p->a.len == p->b.len && !memcmp(p->a.ptr, p->b.ptr, p->a.len);
}

/* walk_tree() of the toolchain in the save: note each runtime path the app lost. */
static int note_removed(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct packages *p = ctx;
	struct stat st;

	if (fstatat(p->home_fd, e->path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		/* A directory the install replaced with a file: the file is in tree/. */
		return S_ISDIR(e->st->st_mode) && !S_ISDIR(st.st_mode) ? WALK_SKIP : WALK_CONTINUE;
	if (errno != ENOENT)
		return error_errno(err, "cannot read '%s/%s'", HOME_REL, e->path);
	buf_add(&p->removed, e->path, strlen(e->path) + 1);
	return WALK_SKIP;
}

/*
 * Keep the packages under key, unless an entry for it exists: a build that
 * restored it ran the install over it as a no-op, and any entry of the key
 * is a starting point from which the install gives the same tree. Nothing
 * is kept when the toolchain is gone (evicted meanwhile).
 */
static int save_packages(struct build_env *be, const struct resolved *r, const char *key,
			 struct error *err)
{
	char *kept = kept_dir(be, key), *lockpath = xstrfmt("%s.lock", kept);
	char *fresh = xstrfmt("%s.new", kept), *parent = path_join(be->app_cache, "dirs");
	char *home = path_join(be->app_dir, HOME_REL), *tree = path_join(fresh, "tree");
	char *list = path_join(fresh, "removed");
	char *toolchain = r->sha256 ? xstrfmt("%s/toolchains/%s", be->cache, r->sha256) : NULL;
	struct packages p = PACKAGES_INIT;
	struct cache_lock lock = CACHE_LOCK_INIT;
	struct error ignored = ERROR_INIT;
	struct timespec t0;
	int ret = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fs_is_dir(kept) || !toolchain || !fs_is_dir(toolchain)) {
		ret = 0;
		goto out;
	}
	if (fs_mkdir_p(parent, 0700, err) < 0 || cache_lock(&lock, lockpath, 1, err) < 0)
		goto out;
	if (fs_is_dir(kept)) {
		ret = 0;
		goto out;
	}
	fs_remove_tree(fresh, &ignored);
	p.home = home;
	p.home_fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	p.runtime_fd = open(toolchain, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p.home_fd < 0 || p.runtime_fd < 0) {
		error_errno(err, "cannot open '%s'", p.home_fd < 0 ? home : toolchain);
		goto out;
	}
	if (fs_mkdir_p(fresh, 0700, err) < 0 || tree_copy(home, tree, 0, not_runtime, &p, err) < 0 ||
	    walk_tree(toolchain, note_removed, NULL, &p, 0, err) < 0 ||
	    fs_write_file_atomic(list, p.removed.ptr, p.removed.len, err) < 0)
		goto fail;
	if (rename(fresh, kept) < 0) {
		error_errno(err, "cannot keep the packages of %s in the build cache at '%s'", HOME_REL,
			    kept);
		goto fail;
	}
	out_trace("step build cache save: %.3f s", out_seconds_since(&t0));
	ret = 0;
	goto out;
fail:
	error_prefix(err, "cannot keep the packages of %s in the build cache", HOME_REL);
out:
	fs_remove_tree(fresh, &ignored);
	cache_unlock(&lock);
	packages_release(&p);
	free(kept);
	free(lockpath);
	free(fresh);
	free(parent);
	free(home);
	free(tree);
	free(list);
	free(toolchain);
	return ret;
}

/*
 * Take a damaged entry away: renamed (builds reading it meanwhile keep
 * reading it whole), then removed unless one still holds its lock; a
 * later build's save writes the key afresh.
 */
static void discard(const char *kept)
{
	char *away = xstrfmt("%s.damaged-%ld", kept, (long)getpid());
	char *lockpath = xstrfmt("%s.lock", kept);
	struct error ignored = ERROR_INIT;
	int fd;

	fs_remove_tree(away, &ignored);
	if (rename(kept, away) == 0) {
		fd = open(lockpath, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			fs_remove_tree(away, &ignored);
		if (fd >= 0)
			close(fd);
	}
	free(away);
	free(lockpath);
}

/* walk_tree() of the staged copy in the restore: each entry moved over the runtime's. */
static int put_entry(const struct walk_entry *e, void *ctx, struct error *err)
{
	struct packages *p = ctx;
	int is_dir = S_ISDIR(e->st->st_mode);
	struct stat st;

	if (fstatat(p->home_fd, e->path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (is_dir && S_ISDIR(st.st_mode))
			return WALK_CONTINUE;
		/* rename() replaces a file or symlink, never a directory or with one. */
		if (is_dir || S_ISDIR(st.st_mode)) {
			char *path = path_join(p->home, e->path);
			int r = fs_remove_tree(path, err);

			free(path);
			if (r < 0)
				return -1;
		}
	} else if (errno != ENOENT) {
		return error_errno(err, "cannot read '%s/%s'", HOME_REL, e->path);
	}
	if (renameat(e->dirfd, e->name, p->home_fd, e->path) < 0)
		return error_errno(err, "cannot move '%s' into %s", e->path, HOME_REL);
	return is_dir ? WALK_SKIP : WALK_CONTINUE;
}

/* Every path of a removed list is relative and stays inside .heroku/python. */
static int check_removed(const struct buf *removed, const char *list, struct error *err)
{
	size_t at;

	for (at = 0; at < removed->len; at += strlen(removed->ptr + at) + 1) {
		const char *rel = removed->ptr + at;

		if (!*rel || *rel == '/' || path_has_dotdot(rel))
			return error_set(err, "'%s' names '%s', not a path in %s", list, rel, HOME_REL);
	}
	return 0;
}

/*
 * Put the packages kept under key over the linked runtime: 1 done, 0
 * nothing kept (or a damaged entry, warned about and removed: the install
 * then runs from scratch). The entry is copied beside the app first, so
 * what could be wrong with it is found before the app is touched.
 */
static int restore_packages(struct build_env *be, const char *key, struct error *err)
{
	char *kept = kept_dir(be, key), *lockpath = xstrfmt("%s.lock", kept);
	char *tree = path_join(kept, "tree"), *list = path_join(kept, "removed");
	char *home = path_join(be->app_dir, HOME_REL), *stage = path_join(be->home, ".slugc-packages");
	struct packages p = PACKAGES_INIT;
	struct cache_lock lock = CACHE_LOCK_INIT;
	struct error e = ERROR_INIT, ignored = ERROR_INIT;
	struct timespec t0;
	size_t at;
	int ret = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* slugc verify installs from scratch (its cache is private anyway). */
	if (be->no_depcache || !fs_is_dir(kept)) {
		out_trace("build cache: no packages of %s kept for this key yet", HOME_REL);
		ret = 0;
		goto out;
	}
	if (cache_lock(&lock, lockpath, 0, err) < 0)
		goto out;
	fs_remove_tree(stage, &ignored);
	if (tree_copy(tree, stage, 0, NULL, NULL, &e) < 0 ||
	    buf_read_file(&p.removed, list, 0, &e) < 0 || check_removed(&p.removed, list, &e) < 0) {
		if (e.kind == ERROR_INTERRUPTED) {
			*err = e;
			goto out;
		}
		out_warn("the build cache's packages of %s are damaged (%s): installing afresh",
			 HOME_REL, e.msg);
		cache_unlock(&lock);
		discard(kept);
		ret = 0;
		goto out;
	}
	for (at = 0; at < p.removed.len; at += strlen(p.removed.ptr + at) + 1) {
		char *path = path_join(home, p.removed.ptr + at);
		int r;

		r = fs_remove_tree(path, err);
		free(path);
		if (r < 0)
			goto out;
	}
	p.home = home;
	p.home_fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p.home_fd < 0) {
		error_errno(err, "cannot open '%s'", home);
		goto out;
	}
	if (walk_tree(stage, put_entry, NULL, &p, 0, err) < 0) {
		error_prefix(err, "cannot restore the packages of %s from the build cache", HOME_REL);
		goto out;
	}
	cache_touch(kept);
	out_info("Restored the packages of %s from the build cache", HOME_REL);
	out_trace("step build cache restore: %.3f s", out_seconds_since(&t0));
	ret = 1;
out:
	fs_remove_tree(stage, &ignored);
	cache_unlock(&lock);
	packages_release(&p);
	free(kept);
	free(lockpath);
	free(tree);
	free(list);
	free(home);
	free(stage);
	return ret;
}

static int python_install(struct build_env *be, const struct resolved *r, const char *archive,
			  struct error *err)
{
	char *heroku = path_join(be->app_dir, ".heroku"), *dest = path_join(be->app_dir, HOME_REL);
	char *bin = path_join(dest, "bin"), *lib = path_join(dest, "lib"), *key = NULL;
	const char *venvs[] = { ".venv/pyvenv.cfg", "venv/pyvenv.cfg", NULL };
	size_t i;
	int ret = -1;

	/* checks::existing_python_dir_present and existing_venv_dir_present. */
	if (fs_exists(dest) || fs_is_symlink(dest)) {
		error_set(err, "the app already has .heroku/python/, where the Python runtime goes: "
			  "delete it from the source");
		goto out;
	}
	for (i = 0; venvs[i]; i++) {
		char *cfg = path_join(be->app_dir, venvs[i]);
		int found = fs_exists(cfg);

		free(cfg);
		if (found) {
			error_set(err, "the app contains a virtual environment (%.*s/): run 'git rm --cached "
				  "-r %.*s' and add it to .gitignore", (int)(strchr(venvs[i], '/') - venvs[i]),
				  venvs[i], (int)(strchr(venvs[i], '/') - venvs[i]), venvs[i]);
			goto out;
		}
	}
	if (fs_mkdir_p(heroku, 0755, err) < 0 || env_key(be, r, &key, err) < 0)
		goto out;
	out_info("Installing Python %s into %s", r->version, HOME_REL);
	/*
	 * Unpacked once into the cache and hard-linked, as Node.js is (see the
	 * top comment). Heroku's archives hold "./bin/python3"...: no top-level
	 * directory to strip.
	 */
	if (runtime_link(be, r, archive, 0, HOME_REL, err) < 0 ||
	    restore_packages(be, key, err) < 0)
		goto out;
	runtime_path_prepend(&be->env, bin);
	env_set(&be->env, "LD_LIBRARY_PATH", lib);
	ret = 0;
out:
	free(heroku);
	free(dest);
	free(bin);
	free(lib);
	free(key);
	return ret;
}

/* Run argv (NULL-terminated) as a build step. */
static int step(struct build_env *be, const char *what, struct error *err, ...)
{
	struct strvec argv = STRVEC_INIT;
	const char *a;
	va_list ap;
	int r;

	va_start(ap, err);
	while ((a = va_arg(ap, const char *)))
		strvec_push(&argv, a);
	va_end(ap);
	r = runtime_step(be, (const char *const *)argv.v, what, err);
	strvec_clear(&argv);
	return r;
}

/* Run argv quietly; 1 when it exits 0 (its output in *out when out is not NULL). */
static int probe(struct build_env *be, const char *const *argv, struct buf *out)
{
	struct child c = CHILD_INIT;
	struct error ignored = ERROR_INIT;
	int r;

	strvec_pushv(&c.argv, argv);
	strvec_pushv(&c.env, (const char *const *)be->env.v);
	c.dir = be->app_dir;
	c.quiet = 1;
	r = child_run(&c, &ignored) == 0;
	if (out)
		buf_addstr(out, c.tail.ptr);
	child_release(&c);
	return r;
}

/* The pip wheel the runtime bundles (utils::bundled_pip_module_path), as "<wheel>/pip". */
static int bundled_pip(const char *home, const char *minor, char **out, struct error *err)
{
	char *pattern = xstrfmt("%s/lib/python%s/ensurepip/_bundled/pip-*.whl", home, minor);
	glob_t g;
	int r = glob(pattern, 0, NULL, &g);

	if (r || !g.gl_pathc) {
		if (!r)
			globfree(&g);
		error_set(err, "the Python runtime has no bundled pip wheel (%s/lib/python%s/ensurepip/"
			  "_bundled/pip-*.whl): the archive is not a Heroku Python runtime", HOME_REL, minor);
		free(pattern);
		return -1;
	}
	/* Newest last, as Heroku's `tail -1` of the sorted glob. */
	*out = xstrfmt("%s/pip", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	free(pattern);
	return 0;
}

/*
 * A tool (Pipenv, Poetry, uv) in its own virtual environment in the app's
 * build cache, installed with the bundled pip at the pinned version; its bin
 * directory first on PATH. "system" uses the build host's tool instead.
 */
/*
 * A package manager at its pinned version, in a venv kept in the app's build
 * cache (python-<tool>-<version>-<runtime sha256, 12>/venv). The venv's
 * interpreter is a symlink to the one that made it, so that must outlive
 * the build: it is the toolchain's (<cache>/toolchains/<sha256>/, which the
 * runtime is linked from), not the build directory's, which is removed when
 * the build ends. A kept venv whose interpreter is gone (the toolchain was
 * pruned) is made again.
 */
static int install_tool(struct build_env *be, const struct resolved *r, const char *tool,
			const char *display, const char *python, const char *pip,
			struct error *err)
{
	const char *version = pinned(tool, err);
	char *root = NULL, *venv = NULL, *vpython = NULL, *exe = NULL, *spec = NULL, *bin = NULL;
	char *what = NULL, *stable = NULL;
	struct error ignored = ERROR_INIT;
	int ret = -1;

	if (!version)
		return -1;
	if (!strcmp(version, "system")) {
		const char *which[] = { tool, "--version", NULL };

		if (!probe(be, which, NULL))
			return error_set(err, "the defaults file says to use the build host's %s "
					 "(python.managers.%s = \"system\"), but '%s --version' fails: "
					 "install it or pin a version", tool, tool, tool);
		out_step("Using %s from the build host (python.managers.%s = \"system\")", display, tool);
		return 0;
	}
	root = xstrfmt("%s/python-%s-%s-%.12s", be->app_cache, tool, version,
		       r->sha256 ? r->sha256 : "local");
	venv = path_join(root, "venv");
	vpython = path_join(venv, "bin/python");
	exe = xstrfmt("%s/bin/%s", venv, tool);
	bin = path_join(venv, "bin");
	if (r->sha256) {
		stable = xstrfmt("%s/toolchains/%s/bin/python", be->cache, r->sha256);
		if (access(stable, X_OK) < 0) {
			free(stable);
			stable = NULL;
		}
	}
	/* access() follows the symlink: a venv whose interpreter is gone is not usable. */
	if (fs_exists(exe) && access(vpython, X_OK) == 0) {
		out_step("Using cached %s %s", display, version);
	} else {
		out_step("Installing %s %s", display, version);
		fs_remove_tree(root, &ignored);
		spec = xstrfmt("%s==%s", tool, version);
		what = xstrfmt("pip install %s", spec);
		if (fs_mkdir_p(root, 0700, err) < 0 ||
		    step(be, "python -m venv", err, stable ? stable : python, "-m", "venv",
			 "--without-pip", venv, NULL) < 0 ||
		    step(be, what, err, vpython, pip, "install", "--disable-pip-version-check",
			 "--no-input", "--quiet", spec, NULL) < 0) {
			fs_remove_tree(root, &ignored);
			error_prefix(err, "cannot install %s %s", display, version);
			goto out;
		}
	}
	runtime_path_prepend(&be->env, bin);
	ret = 0;
out:
	free(root);
	free(venv);
	free(vpython);
	free(exe);
	free(spec);
	free(bin);
	free(what);
	free(stable);
	return ret;
}

/* pip (and setuptools on 3.10-3.12) at Heroku's pins, with the bundled pip. */
static int install_pip(struct build_env *be, const char *home, const char *minor,
		       const char *python, const char *pip, struct error *err)
{
	const char *version = pinned("pip", err), *st = NULL;
	char *spec = NULL, *st_spec = NULL, *dist = NULL;
	int ret = -1, old = !strcmp(minor, "3.10") || !strcmp(minor, "3.11") || !strcmp(minor, "3.12");

	if (!version || (old && !(st = pinned("setuptools", err))))
		return -1;
	if (!strcmp(version, "system"))
		return error_set(err, "pip cannot be \"system\" (python.managers.pip): pin the version "
				 "the runtime installs");
	dist = xstrfmt("%s/lib/python%s/site-packages/pip-%s.dist-info", home, minor, version);
	if (fs_is_dir(dist)) {
		out_step("Using cached pip %s", version);
		ret = 0;
		goto out;
	}
	spec = xstrfmt("pip==%s", version);
	st_spec = st ? xstrfmt("setuptools==%s", st) : NULL;
	if (st)
		out_step("Installing pip %s and setuptools %s", version, st);
	else
		out_step("Installing pip %s", version);
	/*
	 * Heroku adds --isolated, which ignores PIP_INDEX_URL: slugc keeps the
	 * configured index, so private and offline indexes work. The bundled
	 * wheel is on sys.path and may be the very version pinned: install anyway.
	 */
	if (step(be, "pip install pip", err, python, pip, "install", "--disable-pip-version-check",
		 "--no-cache-dir", "--no-input", "--quiet", "--ignore-installed", spec, st_spec,
		 NULL) < 0) {
		error_prefix(err, "cannot install pip %s", version);
		goto out;
	}
	ret = 0;
out:
	free(dist);
	free(spec);
	free(st_spec);
	return ret;
}

/* The major version of the Poetry that will run ("poetry --version"). */
static long poetry_major(struct build_env *be)
{
	const char *argv[] = { "poetry", "--version", NULL };
	struct buf out = BUF_INIT;
	const char *p;
	long major = 2;

	if (probe(be, argv, &out) && (p = strstr(out.ptr, "version ")))
		major = strtol(p + 8, NULL, 10);
	buf_release(&out);
	return major;
}

static int install_dependencies(struct build_env *be, const struct manager_info *m,
				struct error *err)
{
	if (!strcmp(m->name, "pip")) {
		out_step("Installing dependencies using 'pip install -r requirements.txt'");
		return step(be, "pip install -r requirements.txt", err, "pip", "install", "-r",
			    "requirements.txt", "--exists-action=w", "--no-input", "--progress-bar", "off",
			    NULL);
	}
	if (!strcmp(m->name, "pipenv")) {
		out_step("Installing dependencies using 'pipenv install --deploy'");
		return step(be, "pipenv install --deploy", err, "pipenv", "install", "--deploy", NULL);
	}
	if (!strcmp(m->name, "poetry")) {
		/* Poetry 2 has `sync`; before it, `install --sync` does the same (Debian has 1.3). */
		if (poetry_major(be) >= 2) {
			out_step("Installing dependencies using 'poetry sync --only main'");
			return step(be, "poetry sync --only main", err, "poetry", "sync", "--only", "main",
				    "--compile", "--no-ansi", "--no-interaction", NULL);
		}
		out_step("Installing dependencies using 'poetry install --sync --only main' (Poetry 1)");
		return step(be, "poetry install --sync --only main", err, "poetry", "install", "--sync",
			    "--only", "main", "--no-ansi", "--no-interaction", NULL);
	}
	out_step("Installing dependencies using 'uv sync --locked --no-default-groups'");
	return step(be, "uv sync --locked", err, "uv", "sync", "--locked", "--no-default-groups",
		    "--compile-bytecode", "--no-progress", NULL);
}

/* manage.py at depth 1 to 3, shallowest first (Heroku's find -maxdepth 3 | sort -n). */
static char *find_manage_py(const char *app_dir)
{
	static const char *const patterns[] = { "manage.py", "*/manage.py", "*/*/manage.py" };
	char *found = NULL;
	size_t i;

	for (i = 0; i < 3 && !found; i++) {
		char *pattern = path_join(app_dir, patterns[i]);
		glob_t g;

		if (glob(pattern, 0, NULL, &g) == 0) {
			size_t j;

			for (j = 0; j < g.gl_pathc && !found; j++)
				if (!fs_is_dir(g.gl_pathv[j]))
					found = xstrdup(g.gl_pathv[j] + strlen(app_dir) + 1);
			globfree(&g);
		}
		free(pattern);
	}
	return found;
}

/* bin/steps/collectstatic. */
static int collectstatic(struct build_env *be, struct error *err)
{
	const char *disabled = env_get(&be->env, "DISABLE_COLLECTSTATIC");
	const char *has_django[] = { "python", "-c", "import importlib.util, sys; "
				     "sys.exit(0 if importlib.util.find_spec('django') else 1)", NULL };
	char *marker = path_join(be->app_dir, ".heroku/collectstatic_disabled"), *manage = NULL;
	char *what = NULL;
	int ret = 0;

	if (fs_exists(marker)) {
		out_step("Skipping Django collectstatic since the file '.heroku/collectstatic_disabled' exists.");
		out_warn("the .heroku/collectstatic_disabled file is deprecated: remove it and set the "
			 "config var DISABLE_COLLECTSTATIC=1 instead");
		goto out;
	}
	if (disabled && strcmp(disabled, "0")) {
		out_step("Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set.");
		goto out;
	}
	if (!probe(be, has_django, NULL))
		goto out;
	manage = find_manage_py(be->app_dir);
	if (!manage) {
		out_step("Skipping Django collectstatic since no manage.py file found.");
		goto out;
	}
	out_step("$ python %s collectstatic --noinput", manage);
	if (!env_get(&be->env, "PYTHONPATH") || !*env_get(&be->env, "PYTHONPATH"))
		env_set(&be->env, "PYTHONPATH", ".");
	what = xstrfmt("python %s collectstatic --noinput", manage);
	if (step(be, what, err, "python", manage, "collectstatic", "--noinput", "--traceback", NULL) < 0)
		ret = error_prefix(err, "Django's static files could not be generated: fix the "
				   "error above, or set the config var DISABLE_COLLECTSTATIC=1");
out:
	free(marker);
	free(manage);
	free(what);
	return ret;
}

/*
 * Run by the slug's own Python after the install (see the top comment):
 * argv[1] the build's .heroku/python, argv[2] the app directory.
 *  - console scripts whose shebang names argv[1]/bin/python... get a sh
 *    preamble that runs the python beside them, wherever the slug is;
 *  - editable installs (.pth, .egg-link, __editable__ finders,
 *    direct_url.json) that name the build directory name the app instead:
 *    .pth lines become paths relative to site-packages (Python resolves
 *    them so), the others /app (Heroku rewrites them to /app at boot);
 *  - RECORD entries of rewritten files get their new sha256 and size, and
 *    absolute ones (Poetry 1) become relative;
 *  - .pyc outside site-packages that do not name /app paths (written by
 *    tools that ignore PYTHONDONTWRITEBYTECODE) are deleted;
 *  - the .pyc of site-packages are (re)compiled, hash-based, with the build
 *    directory replaced by /app in the file names they record; one that
 *    already is (a cached environment) is kept. Files that do not compile
 *    (templates named .py) are left without, as compileall would.
 */
static const char relocate_program[] =
	"import base64, glob, hashlib, importlib.util, marshal, os, py_compile, sys\n"
	"home, app = sys.argv[1], sys.argv[2]\n"
	"old = (home + '/bin/python').encode()\n"
	"new = b\"#!/bin/sh\\n'''exec' \\\"$(dirname -- \\\"$(realpath -- \\\"$0\\\")\\\")\\\"/python \\\"$0\\\" \\\"$@\\\"\\n' '''\\n\"\n"
	"changed = {}\n"
	"def write(path, data):\n"
	"    tmp = path + '.slugc'\n"
	"    with open(tmp, 'wb') as f:\n"
	"        f.write(data)\n"
	"    os.chmod(tmp, os.stat(path).st_mode & 0o7777)\n"
	"    os.replace(tmp, path)\n"
	"    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()\n"
	"    changed[os.path.realpath(path)] = 'sha256=%s,%d' % (digest, len(data))\n"
	"bindir = os.path.join(home, 'bin')\n"
	"for name in sorted(os.listdir(bindir)):\n"
	"    path = os.path.join(bindir, name)\n"
	"    if os.path.islink(path) or not os.path.isfile(path):\n"
	"        continue\n"
	"    with open(path, 'rb') as f:\n"
	"        data = f.read()\n"
	"    lines = data.split(b'\\n')\n"
	"    if lines[0].startswith(b'#!' + old):\n"
	"        write(path, new + b'\\n'.join(lines[1:]))\n"
	"    elif lines[0] == b'#!/bin/sh' and len(lines) > 2 and lines[1].startswith(b\"'''exec' \" + old):\n"
	"        write(path, new + b'\\n'.join(lines[3:]))\n"
	"site = sorted(glob.glob(os.path.join(home, 'lib', 'python*', 'site-packages')))\n"
	"appb = app.encode()\n"
	"for d in site:\n"
	"    up = os.path.relpath(app, d).encode()\n"
	"    for path in sorted(glob.glob(os.path.join(d, '*.pth')) + glob.glob(os.path.join(d, '*.egg-link')) +\n"
	"                       glob.glob(os.path.join(d, '__editable__*_finder.py')) +\n"
	"                       glob.glob(os.path.join(d, '*.dist-info', 'direct_url.json'))):\n"
	"        with open(path, 'rb') as f:\n"
	"            data = f.read()\n"
	"        if appb not in data:\n"
	"            continue\n"
	"        if path.endswith('.pth'):\n"
	"            out = []\n"
	"            for line in data.split(b'\\n'):\n"
	"                if line == appb or line.startswith(appb + b'/'):\n"
	"                    line = up + line[len(appb):]\n"
	"                out.append(line)\n"
	"            data = b'\\n'.join(out)\n"
	"        write(path, data.replace(appb, b'/app'))\n"
	"    for record in sorted(glob.glob(os.path.join(d, '*.dist-info', 'RECORD'))):\n"
	"        with open(record, encoding='utf-8') as f:\n"
	"            rows = f.read().split('\\n')\n"
	"        out, hit = [], False\n"
	"        for row in rows:\n"
	"            path = row.split(',')[0] if row and not row.startswith('\"') else ''\n"
	"            if path.startswith(app + '/'):\n"
	"                row, hit = os.path.relpath(path, d) + row[len(path):], True\n"
	"                path = os.path.relpath(path, d)\n"
	"            if path and os.path.realpath(os.path.join(d, path)) in changed:\n"
	"                row, hit = path + ',' + changed[os.path.realpath(os.path.join(d, path))], True\n"
	"            out.append(row)\n"
	"        if hit:\n"
	"            with open(record + '.slugc', 'w', encoding='utf-8') as f:\n"
	"                f.write('\\n'.join(out))\n"
	"            os.replace(record + '.slugc', record)\n"
	"for top, dirs, names in os.walk(home):\n"
	"    dirs[:] = sorted(x for x in dirs if os.path.join(top, x) not in site)\n"
	"    for name in sorted(names):\n"
	"        if name.endswith('.pyc'):\n"
	"            try:\n"
	"                with open(os.path.join(top, name), 'rb') as f:\n"
	"                    keep = marshal.loads(f.read()[16:]).co_filename.startswith('/app/')\n"
	"            except Exception:\n"
	"                keep = False\n"
	"            if not keep:\n"
	"                os.unlink(os.path.join(top, name))\n"
	"mode = py_compile.PycInvalidationMode.CHECKED_HASH\n"
	"def fresh(py, pyc, shown):\n"
	"    try:\n"
	"        with open(pyc, 'rb') as f:\n"
	"            data = f.read()\n"
	"        with open(py, 'rb') as f:\n"
	"            src = f.read()\n"
	"        return (data[:4] == importlib.util.MAGIC_NUMBER and data[4] & 1 and\n"
	"                data[8:16] == importlib.util.source_hash(src) and\n"
	"                marshal.loads(data[16:]).co_filename == shown)\n"
	"    except Exception:\n"
	"        return False\n"
	"for d in site:\n"
	"    for top, dirs, names in os.walk(d):\n"
	"        dirs[:] = sorted(x for x in dirs if x != '__pycache__')\n"
	"        for name in sorted(names):\n"
	"            if not name.endswith('.py'):\n"
	"                continue\n"
	"            py = os.path.join(top, name)\n"
	"            pyc = importlib.util.cache_from_source(py)\n"
	"            shown = '/app' + py[len(app):]\n"
	"            if not fresh(py, pyc, shown):\n"
	"                try:\n"
	"                    py_compile.compile(py, cfile=pyc, dfile=shown, doraise=True, invalidation_mode=mode)\n"
	"                except py_compile.PyCompileError:\n"
	"                    pass\n";

static int relocate(struct build_env *be, const char *home, struct error *err)
{
	return step(be, "relocating the Python environment", err, "python", "-I", "-B", "-c",
		    relocate_program, home, be->app_dir, NULL);
}

/* Host settings pip and friends need: the index and its credentials, the CA store. */
static void pass_host_settings(struct build_env *be)
{
	static const char *const names[] = {
		"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_CERT", "PIP_CLIENT_CERT",
		"UV_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL",
		"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", NULL,
	};
	size_t i;

	for (i = 0; names[i]; i++) {
		const char *v = env_get(&be->env, names[i]);

		/* The app's config vars win; otherwise the build host's settings pass through. */
		if (!v && getenv(names[i]) && *getenv(names[i]))
			env_set(&be->env, names[i], v = getenv(names[i]));
		if (v && url_is_url(v) && strstr(names[i], "INDEX")) {
			struct url u = URL_INIT;
			struct error ignored = ERROR_INIT;

			/* An index URL's credentials are secrets from here on. */
			if (url_parse(&u, v, &ignored) == 0) {
				out_add_secret(u.password);
				if (!u.password)
					out_add_secret(u.user);
			}
			url_release(&u);
		}
	}
}

static int write_profiles(struct build_env *be, const struct manager_info *m, struct error *err)
{
	struct buf text = BUF_INIT;
	int r;

	buf_addstr(&text,
		   "# Written by slugc: Python at dyno boot, as heroku-buildpack-python sets it up.\n"
		   "# The interpreter finds its prefix from its own location: no PYTHONHOME.\n"
		   "export PATH=\"$HOME/.heroku/python/bin:$PATH\"\n"
		   "export PYTHONUNBUFFERED=true\n"
		   "export LIBRARY_PATH=\"$HOME/.heroku/python/lib${LIBRARY_PATH:+:${LIBRARY_PATH}}\"\n"
		   "export LD_LIBRARY_PATH=\"$HOME/.heroku/python/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}\"\n"
		   "export LANG=${LANG:-en_US.UTF-8}\n"
		   "export PYTHONPATH=${PYTHONPATH:-$HOME}\n");
	if (!strcmp(m->name, "pip"))
		buf_addstr(&text, "export PIP_DISABLE_PIP_VERSION_CHECK=1\n");
	if (!strcmp(m->name, "pipenv"))
		buf_addstr(&text, "export PIPENV_SYSTEM=1 PIPENV_VERBOSITY=-1\n"
			   "export VIRTUAL_ENV=\"$HOME/.heroku/python\"\n");
	r = runtime_write_profile(be->app_dir, "python.sh", text.ptr, err);
	if (r == 0)
		r = runtime_write_profile(be->app_dir, "python.gunicorn.sh",
					  "# Written by slugc, as heroku-buildpack-python's python.gunicorn.sh.\n"
					  "export FORWARDED_ALLOW_IPS='*'\n"
					  "export GUNICORN_CMD_ARGS=${GUNICORN_CMD_ARGS:-\"--access-logfile -\"}\n",
					  err);
	if (r == 0)
		r = runtime_write_profile(
			be->app_dir, "WEB_CONCURRENCY.sh",
			"# Written by slugc: WEB_CONCURRENCY as heroku-buildpack-python's WEB_CONCURRENCY.sh\n"
			"# sets it: the lower of 2 x CPU cores + 1 and the memory limit / 256 MB.\n"
			"if [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then\n"
			"  slugc_mem=$(( $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) / 1048576 ))\n"
			"  if [ \"$slugc_mem\" -le 1048576 ] && slugc_cores=$(nproc 2>/dev/null); then\n"
			"    export DYNO_RAM=$slugc_mem\n"
			"    if [ -z \"${WEB_CONCURRENCY+set}\" ]; then\n"
			"      slugc_wc=$(( slugc_cores * 2 + 1 ))\n"
			"      [ $(( slugc_mem / 256 )) -lt $slugc_wc ] && slugc_wc=$(( slugc_mem / 256 ))\n"
			"      [ \"$slugc_wc\" -lt 1 ] && slugc_wc=1\n"
			"      export WEB_CONCURRENCY=$slugc_wc WEB_CONCURRENCY_SET_BY=heroku/python\n"
			"    fi\n"
			"  fi\n"
			"  unset slugc_mem slugc_cores slugc_wc\n"
			"fi\n",
			err);
	buf_release(&text);
	return r;
}

static int python_build(struct build_env *be, const struct resolved *r, struct error *err)
{
	const struct manager_info *m = manager_of(be);
	char *home = path_join(be->app_dir, HOME_REL), *minor = major_minor(r->version);
	char *python = xstrfmt("%s/bin/python", home), *pip = NULL, *key = NULL;
	char *include = xstrfmt("%s/include", home), *lib = xstrfmt("%s/lib", home);
	char *pkgconfig = xstrfmt("%s/lib/pkg-config", home), *caches = NULL;
	int ret = -1;

	/* bin/compile's build environment. */
	env_set(&be->env, "PYTHONHOME", "");
	env_set(&be->env, "PYTHONPATH", "");
	env_set(&be->env, "PYTHONUNBUFFERED", "1");
	/*
	 * Imports during the build would leave .pyc files naming the build
	 * directory; the installed packages are compiled once, by relocate().
	 */
	env_set(&be->env, "PYTHONDONTWRITEBYTECODE", "1");
	env_set(&be->env, "C_INCLUDE_PATH", include);
	env_set(&be->env, "CPLUS_INCLUDE_PATH", include);
	env_set(&be->env, "LIBRARY_PATH", lib);
	env_set(&be->env, "PKG_CONFIG_PATH", pkgconfig);
	env_set(&be->env, "PIP_DISABLE_PIP_VERSION_CHECK", "1");
	/* Build servers often run as root; the warning tells the user nothing here. */
	env_set(&be->env, "PIP_ROOT_USER_ACTION", "ignore");
	/* The managers' download caches (wheels) stay in the app's build cache. */
	caches = xstrfmt("%s/python-caches", be->app_cache);
	{
		char *pipc = path_join(caches, "pip"), *poetryc = path_join(caches, "poetry");
		char *pipenvc = path_join(caches, "pipenv"), *uvc = path_join(caches, "uv");

		env_set(&be->env, "PIP_CACHE_DIR", pipc);
		env_set(&be->env, "POETRY_CACHE_DIR", poetryc);
		env_set(&be->env, "PIPENV_CACHE_DIR", pipenvc);
		env_set(&be->env, "UV_CACHE_DIR", uvc);
		free(pipc);
		free(poetryc);
		free(pipenvc);
		free(uvc);
	}
	pass_host_settings(be);
	{
		char *src = path_join(home, "src");

		env_set(&be->env, "PIP_SRC", src);
		free(src);
	}
	if (bundled_pip(home, minor, &pip, err) < 0 || env_key(be, r, &key, err) < 0)
		goto out;

	if (!strcmp(m->name, "pip")) {
		if (install_pip(be, home, minor, python, pip, err) < 0)
			goto out;
	} else if (!strcmp(m->name, "pipenv")) {
		env_set(&be->env, "PIPENV_SYSTEM", "1");
		env_set(&be->env, "PIPENV_VERBOSITY", "-1");
		env_set(&be->env, "PIPENV_NOSPIN", "1");
		env_set(&be->env, "VIRTUAL_ENV", home);
		if (install_tool(be, r, "pipenv", "Pipenv", python, pip, err) < 0)
			goto out;
	} else if (!strcmp(m->name, "poetry")) {
		env_set(&be->env, "POETRY_VIRTUALENVS_CREATE", "false");
		env_set(&be->env, "POETRY_VIRTUALENVS_USE_POETRY_PYTHON", "true");
		/* A Poetry that does not run on this Python (the host's) must still install into it. */
		env_set(&be->env, "VIRTUAL_ENV", home);
		if (install_tool(be, r, "poetry", "Poetry", python, pip, err) < 0)
			goto out;
	} else {
		env_set(&be->env, "UV_PROJECT_ENVIRONMENT", home);
		env_set(&be->env, "UV_NO_MANAGED_PYTHON", "1");
		env_set(&be->env, "UV_PYTHON_DOWNLOADS", "never");
		env_set(&be->env, "UV_LINK_MODE", "copy");
		if (install_tool(be, r, "uv", "uv", python, pip, err) < 0)
			goto out;
	}
	if (install_dependencies(be, m, err) < 0 || collectstatic(be, err) < 0 ||
	    relocate(be, home, err) < 0 || write_profiles(be, m, err) < 0 ||
	    save_packages(be, r, key, err) < 0)
		goto out;
	ret = 0;
out:
	free(home);
	free(minor);
	free(python);
	free(pip);
	free(key);
	free(include);
	free(lib);
	free(pkgconfig);
	free(caches);
	return ret;
}
