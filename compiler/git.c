/*
 * Git sources over libgit2 (see git.h for the contract).
 *
 * Invariants:
 *  1. libgit2 only ever sees URLs without credentials; credentials reach it
 *     through credentials_cb(), at most once per connection, and only when
 *     the connection that asks is to their origin (scheme, host, port): every
 *     connection libgit2 makes goes through origin_stream, which records
 *     where it goes and, once credentials were handed out, refuses any other
 *     origin (libgit2 keeps them for the redirected request; its own
 *     off-site check ignores the port).
 *  2. A mirror changes only under its exclusive lock; it is read under a
 *     shared one, held until gitrepo_close().
 *  3. Every tree entry name is checked before anything is written for it:
 *     "", ".", "..", names with '/', and ".git" in any case are refused.
 *  4. Submodule URLs are checked before they are fetched: none may start
 *     with '-', and only https, http and git are fetched, plus local paths
 *     and file URLs when the superproject itself is local.
 */
#include "git.h"

#include <errno.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "error.h"
#include "fsutil.h"
#include "netrc.h"
#include "output.h"
#include "path.h"
#include "sha256.h"
#include "sig.h"
#include "tree_writer.h"
#include "url.h"
#include "xalloc.h"

#define MAX_SUBMODULE_DEPTH 8
#define GITMODULES_MAX_BYTES (1024 * 1024)

/* Credentials and the origin they belong to; the origin is set even when there are none. */
struct creds {
	char *scheme;   /* "https", "http", "git", "file" */
	char *host;     /* lowercase, without IPv6 brackets */
	char *port;     /* explicit or the scheme's default */
	char *user;
	char *password;
	int attempts;   /* per connection */
	int missing;    /* the server asked and we had nothing */
	int rejected;   /* the server refused what we gave */
	int given;      /* handed to libgit2 during this fetch */
	char *elsewhere; /* "host:port" of another origin that asked for them, or that a
			    redirect tried to take them to */
};

struct submodule {
	char *name, *path, *url;
};

struct gitrepo {
	git_repository *repo;
	char *display;      /* path or URL, no credentials */
	char *base_url;     /* relative submodule URLs resolve against this */
	int local;          /* opened from the local file system (or file://) */
	char *cache_dir;
	struct cache_lock lock;
	git_commit *commit;
	git_index *index;   /* for --worktree, loaded on demand */
	struct creds creds;
	unsigned depth;
	struct submodule *subs;
	size_t nsubs, alloc_subs;
	int subs_loaded;
};

static int initialized;

static int origin_stream_new(git_stream **out, const char *host, const char *port);

static void init_once(void)
{
	if (initialized)
		return;
	git_libgit2_init();
	/*
	 * Build servers compile checkouts made by other users. slugc only reads
	 * objects and runs no hooks, filters or configured commands, so git's
	 * safe.directory ownership check would guard nothing here.
	 */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	{
		git_stream_registration reg = { GIT_STREAM_VERSION, origin_stream_new, NULL };

		git_stream_register(GIT_STREAM_STANDARD, &reg);
	}
	initialized = 1;
}

void git_shutdown(void)
{
	if (initialized)
		git_libgit2_shutdown();
	initialized = 0;
}

/* "<what>: <libgit2's message>", of the given kind. */
static int git_fail(struct error *err, enum error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int git_fail(struct error *err, enum error_kind kind, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_setk(err, kind, "%s: %s", what,
			  e && e->message ? e->message : "unknown libgit2 error");
}

static void creds_release(struct creds *c)
{
	free(c->scheme);
	free(c->host);
	free(c->port);
	free(c->elsewhere);
	free(c->user);
	free(c->password);
	memset(c, 0, sizeof(*c));
}

/* Fill c's origin from u: scheme, host without brackets, port or the scheme's default. */
static void creds_set_origin(struct creds *c, const struct url *u)
{
	size_t n = strlen(u->host);

	c->scheme = xstrdup(u->scheme);
	if (n >= 2 && u->host[0] == '[' && u->host[n - 1] == ']')
		c->host = xstrndup(u->host + 1, n - 2);
	else
		c->host = xstrdup(u->host);
	if (u->port)
		c->port = xstrdup(u->port);
	else
		c->port = xstrdup(!strcmp(u->scheme, "https") ? "443" : !strcmp(u->scheme, "git") ? "9418"
				  : "80");
}

/* Whether two creds records name the same origin. */
static int same_origin(const struct creds *a, const struct creds *b)
{
	return a->scheme && b->scheme && !strcmp(a->scheme, b->scheme) && !strcasecmp(a->host, b->host) &&
	       !strcmp(a->port, b->port);
}

/*
 * Where libgit2's current connection goes. libgit2 1.5 calls the credential
 * callback with the URL it was given, not the one a redirect led to, so the
 * stream is the only place that knows which server asks.
 */
static struct {
	char host[256], port[16];
	int tls;              /* certificate_cb saw a TLS handshake on it */
	struct creds *active; /* the fetch under way */
} conn;

struct origin_stream {
	git_stream parent;
	int fd;
	char *host, *port;
};

static int origin_connect(git_stream *s)
{
	struct origin_stream *st = (struct origin_stream *)s;
	struct addrinfo hints, *ai = NULL, *a;
	int r, fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(st->host, st->port, &hints, &ai);
	if (r) {
		git_error_set(GIT_ERROR_NET, "cannot resolve '%s': %s", st->host, gai_strerror(r));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		while ((r = connect(fd, a->ai_addr, a->ai_addrlen)) < 0 && errno == EINTR && !sig_pending())
			;
		if (r == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		git_error_set(GIT_ERROR_NET, "cannot connect to %s:%s: %s", st->host, st->port,
			      strerror(errno));
		return -1;
	}
	st->fd = fd;
	return 0;
}

static ssize_t origin_read(git_stream *s, void *data, size_t len)
{
	struct origin_stream *st = (struct origin_stream *)s;
	ssize_t n;

	while ((n = recv(st->fd, data, len, 0)) < 0 && errno == EINTR && !sig_pending())
		;
	if (n < 0)
		git_error_set(GIT_ERROR_NET, "cannot read from %s:%s: %s", st->host, st->port,
			      strerror(errno));
	return n;
}

static ssize_t origin_write(git_stream *s, const char *data, size_t len, int flags)
{
	struct origin_stream *st = (struct origin_stream *)s;
	ssize_t n;

	(void)flags;
	while ((n = send(st->fd, data, len, MSG_NOSIGNAL)) < 0 && errno == EINTR && !sig_pending())
		;
	if (n < 0)
		git_error_set(GIT_ERROR_NET, "cannot write to %s:%s: %s", st->host, st->port,
			      strerror(errno));
	return n;
}

static int origin_close(git_stream *s)
{
	struct origin_stream *st = (struct origin_stream *)s;

	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	return 0;
}

static void origin_free(git_stream *s)
{
	struct origin_stream *st = (struct origin_stream *)s;

	origin_close(s);
	free(st->host);
	free(st->port);
	free(st);
}

/* Every connection libgit2 opens (plain, or under its TLS) starts here. */
static int origin_stream_new(git_stream **out, const char *host, const char *port)
{
	struct origin_stream *st;
	struct creds *c = conn.active;

	if (c && c->given && (strcasecmp(host, c->host) || strcmp(port, c->port))) {
		free(c->elsewhere);
		c->elsewhere = xstrfmt("%s:%s", host, port);
		git_error_set(GIT_ERROR_NET, "refusing to follow a redirect to %s:%s after "
			      "credentials were sent", host, port);
		return -1;
	}
	snprintf(conn.host, sizeof(conn.host), "%s", host);
	snprintf(conn.port, sizeof(conn.port), "%s", port);
	conn.tls = 0;
	st = xcalloc(1, sizeof(*st));
	st->parent.version = GIT_STREAM_VERSION;
	st->parent.connect = origin_connect;
	st->parent.read = origin_read;
	st->parent.write = origin_write;
	st->parent.close = origin_close;
	st->parent.free = origin_free;
	st->fd = -1;
	st->host = xstrdup(host);
	st->port = xstrdup(port);
	*out = &st->parent;
	return 0;
}

static int certificate_cb(git_cert *cert, int valid, const char *host, void *payload)
{
	(void)cert;
	(void)valid;
	(void)host;
	(void)payload;
	conn.tls = 1;
	return GIT_PASSTHROUGH; /* libgit2's own verification decides */
}

/* Whether the connection that asks is to c's origin. */
static int conn_is_origin(const struct creds *c)
{
	return !strcasecmp(conn.host, c->host) && !strcmp(conn.port, c->port) &&
	       conn.tls == !strcmp(c->scheme, "https");
}

static int credentials_cb(git_credential **out, const char *url, const char *username_from_url,
			  unsigned int allowed, void *payload)
{
	struct creds *c = payload;
	struct error ignored = ERROR_INIT;
	struct url u = URL_INIT;
	char *login = NULL, *password = NULL;
	int r = GIT_EUSER;

	(void)username_from_url;
	if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	/* A redirect led elsewhere: credentials from the URL, netrc or a parent are not for it. */
	if (!conn_is_origin(c)) {
		free(c->elsewhere);
		c->elsewhere = xstrfmt("%s%s:%s", conn.tls ? "https://" : "http://", conn.host, conn.port);
		return GIT_EUSER;
	}
	if (c->attempts++) {
		c->rejected = 1; /* what we gave was refused: do not loop */
		return GIT_EUSER;
	}
	if (c->password || c->user) {
		r = git_credential_userpass_plaintext_new(out, c->user ? c->user : "",
							  c->password ? c->password : "");
		c->given = r == 0;
		return r < 0 ? GIT_EUSER : 0;
	}
	if (url_parse(&u, url, &ignored) == 0 &&
	    netrc_lookup(u.host, &login, &password, &ignored) == 1) {
		r = git_credential_userpass_plaintext_new(out, login ? login : "",
							  password ? password : "");
		c->given = r == 0;
		r = r < 0 ? GIT_EUSER : 0;
	} else {
		c->missing = 1;
	}
	url_release(&u);
	free(login);
	free(password);
	return r;
}

static int progress_cb(const git_indexer_progress *stats, void *payload)
{
	(void)stats;
	(void)payload;
	return sig_pending() ? -1 : 0;
}

/* Turn a failed network operation into a message a user can act on. */
static int fetch_fail(struct error *err, const struct creds *c, const char *url, const char *what)
{
	if (sig_pending())
		return sig_check(err);
	if (c->elsewhere)
		return error_setk(err, ERROR_NETWORK, "'%s' redirected to another server (%s) that wants "
				  "credentials; slugc sends credentials only to the scheme, host and port "
				  "they were given for: use the final URL", url, c->elsewhere);
	if (c->missing)
		return error_setk(err, ERROR_NETWORK, "authentication required for '%s': put "
				  "credentials in the URL (https://user:token@host/...) or in ~/.netrc",
				  url);
	if (c->rejected)
		return error_setk(err, ERROR_NETWORK, "the credentials for '%s' were refused", url);
	return git_fail(err, ERROR_NETWORK, "cannot %s '%s'", what, url);
}

/* Fetch every branch and tag of origin into a bare repository and point HEAD at its default branch. */
static int fetch(git_repository *repo, const char *url, int create, struct creds *c,
		 struct git_fetch_stats *stats, struct error *err)
{
	git_remote *remote = NULL;
	git_remote_callbacks cb;
	git_remote_connect_options co;
	git_fetch_options fo;
	git_buf head = GIT_BUF_INIT;
	const git_indexer_progress *st;
	int ret = -1, has_head;

	/* The *_INIT macros leave fields out, which -Wextra rejects; the functions do the same. */
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);

	if (create) {
		if (git_remote_create_with_fetchspec(&remote, repo, "origin", url,
						     "+refs/heads/*:refs/heads/*") < 0) {
			git_fail(err, ERROR_INTERNAL, "cannot set up a mirror of '%s'", url);
			goto out;
		}
	} else if (git_remote_lookup(&remote, repo, "origin") < 0) {
		git_fail(err, ERROR_INTERNAL, "the cached mirror of '%s' is damaged", url);
		goto out;
	}
	git_remote_connect_options_init(&co, GIT_REMOTE_CONNECT_OPTIONS_VERSION);
	cb.credentials = credentials_cb;
	cb.certificate_check = certificate_cb;
	cb.transfer_progress = progress_cb;
	cb.payload = c;
	fo.callbacks = cb;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	/* As git's default, whatever a gitconfig says: another host only for the first request. */
	fo.follow_redirects = GIT_REMOTE_REDIRECT_INITIAL;
	co.callbacks = cb;
	co.follow_redirects = GIT_REMOTE_REDIRECT_INITIAL;
	c->attempts = c->missing = c->rejected = c->given = 0;
	free(c->elsewhere);
	c->elsewhere = NULL;
	conn.active = c;

	if (git_remote_connect_ext(remote, GIT_DIRECTION_FETCH, &co) < 0) {
		fetch_fail(err, c, url, "reach");
		goto out;
	}
	has_head = git_remote_default_branch(&head, remote) == 0;
	if (git_remote_download(remote, NULL, &fo) < 0 ||
	    git_remote_update_tips(remote, &cb, 0, GIT_REMOTE_DOWNLOAD_TAGS_ALL, NULL) < 0 ||
	    git_remote_prune(remote, &cb) < 0) {
		fetch_fail(err, c, url, "fetch");
		goto out;
	}
	st = git_remote_stats(remote);
	stats->objects = st->received_objects;
	stats->bytes = st->received_bytes;
	git_remote_disconnect(remote);
	if (has_head && git_repository_set_head(repo, head.ptr) < 0) {
		git_fail(err, ERROR_INTERNAL, "cannot record the default branch of '%s'", url);
		goto out;
	}
	ret = 0;
out:
	conn.active = NULL;
	git_buf_dispose(&head);
	git_remote_free(remote);
	return ret;
}

static struct gitrepo *repo_new(git_repository *repo, const char *display)
{
	struct gitrepo *r = xcalloc(1, sizeof(*r));

	r->repo = repo;
	r->display = xstrdup(display);
	r->lock.fd = -1;
	return r;
}

int git_is_repository(const char *path)
{
	git_repository *repo = NULL;
	int ok;

	init_once();
	ok = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0;
	git_repository_free(repo);
	return ok;
}

int gitrepo_open(struct gitrepo **out, const char *path, struct error *err)
{
	git_repository *repo = NULL;
	git_remote *origin = NULL;
	struct gitrepo *r;
	char real[PATH_MAX];

	init_once();
	if (!realpath(path, real))
		return error_errno(err, "cannot resolve '%s'", path);
	if (git_repository_open_ext(&repo, real, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return git_fail(err, ERROR_INPUT, "'%s' is not a git repository", path);
	r = repo_new(repo, real);
	r->local = 1;
	/* Relative submodule URLs are relative to the superproject's own remote, as in git. */
	if (git_remote_lookup(&origin, repo, "origin") == 0 && git_remote_url(origin))
		r->base_url = url_strip_credentials(git_remote_url(origin));
	else
		r->base_url = xstrdup(real);
	git_remote_free(origin);
	*out = r;
	return 0;
}

static int open_remote(struct gitrepo **out, const char *url, const char *cache,
		       const struct creds *inherited, struct git_fetch_stats *stats,
		       struct error *err)
{
	struct url u = URL_INIT;
	struct creds c;
	struct cache_lock lock = CACHE_LOCK_INIT;
	git_repository *repo = NULL;
	char *clean = NULL, *dir = NULL, *mirror = NULL, *lockpath = NULL, *tmp = NULL;
	char key[SHA256_HEX_LEN + 1];
	int ret = -1;

	init_once();
	memset(&c, 0, sizeof(c));
	memset(stats, 0, sizeof(*stats));
	clean = url_strip_credentials(url);
	if (url_parse(&u, url, err) < 0)
		goto out;
	if (strcmp(u.scheme, "https") && strcmp(u.scheme, "http") && strcmp(u.scheme, "git") &&
	    strcmp(u.scheme, "file")) {
		error_set(err, "'%s' uses %s://; slugc fetches git sources over https, http, git "
			  "and file (for private repositories, put a token in an https URL or ~/.netrc)",
			  clean, u.scheme);
		goto out;
	}
	creds_set_origin(&c, &u);
	if (u.user || u.password) {
		c.user = xstrdup(u.user ? u.user : "");
		c.password = u.password ? xstrdup(u.password) : NULL;
		/* A token is often given as the user name alone. */
		out_add_secret(u.password ? u.password : u.user);
	} else if (inherited && same_origin(inherited, &c)) {
		/* A submodule on the superproject's origin (scheme, host and port) shares its login. */
		c.user = inherited->user ? xstrdup(inherited->user) : NULL;
		c.password = inherited->password ? xstrdup(inherited->password) : NULL;
	}

	cache_key(clean, key);
	if (cache_dir(cache, "git", &dir, err) < 0)
		goto out;
	mirror = xstrfmt("%s/%s.git", dir, key);
	lockpath = xstrfmt("%s/%s.lock", dir, key);
	if (cache_lock(&lock, lockpath, 1, err) < 0)
		goto out;

	out_step("Fetching %s", clean);
	if (fs_is_dir(mirror) && git_repository_open_bare(&repo, mirror) == 0) {
		if (fetch(repo, clean, 0, &c, stats, err) < 0)
			goto out;
		out_info("Updated the cached mirror: %lu new objects", stats->objects);
	} else {
		/* Build the first clone aside and rename it in: a mirror is never half made. */
		tmp = xstrfmt("%s.tmp-XXXXXX", mirror);
		if (!mkdtemp(tmp)) {
			error_errno(err, "cannot create a mirror in '%s'", dir);
			goto out;
		}
		if (git_repository_init(&repo, tmp, 1) < 0) {
			git_fail(err, ERROR_INTERNAL, "cannot create a mirror in '%s'", tmp);
			goto out;
		}
		if (fetch(repo, clean, 1, &c, stats, err) < 0)
			goto out;
		git_repository_free(repo);
		repo = NULL;
		if (fs_remove_tree(mirror, err) < 0)
			goto out;
		if (rename(tmp, mirror) < 0) {
			error_errno(err, "cannot move the new mirror into '%s'", mirror);
			goto out;
		}
		free(tmp);
		tmp = NULL;
		if (git_repository_open_bare(&repo, mirror) < 0) {
			git_fail(err, ERROR_INTERNAL, "cannot open the mirror '%s'", mirror);
			goto out;
		}
		stats->cloned = 1;
		out_info("Cloned into the cache: %lu objects", stats->objects);
	}
	if (!cache_meta_exists(mirror)) {
		/* What it is, for slugc cache ls: the URL without credentials. */
		struct cache_meta m = CACHE_META_INIT;
		struct error ignored = ERROR_INIT;
		char *what = xstrfmt("git mirror of %s", clean);

		m.description = what;
		m.url = clean;
		cache_meta_put(mirror, &m, &ignored);
		free(what);
	}
	if (cache_lock_share(&lock, err) < 0)
		goto out;

	*out = repo_new(repo, clean);
	repo = NULL;
	(*out)->base_url = xstrdup(clean);
	(*out)->local = !strcmp(u.scheme, "file");
	(*out)->lock = lock;
	(*out)->creds = c;
	(*out)->cache_dir = cache ? xstrdup(cache) : NULL;
	lock.fd = -1;
	memset(&c, 0, sizeof(c));
	ret = 0;
out:
	if (tmp) {
		struct error ignored = ERROR_INIT;

		git_repository_free(repo);
		repo = NULL;
		fs_remove_tree(tmp, &ignored);
		free(tmp);
	}
	git_repository_free(repo);
	cache_unlock(&lock);
	creds_release(&c);
	url_release(&u);
	free(clean);
	free(dir);
	free(mirror);
	free(lockpath);
	return ret;
}

int gitrepo_open_remote(struct gitrepo **out, const char *url, const char *cache,
			struct git_fetch_stats *stats, struct error *err)
{
	return open_remote(out, url, cache, NULL, stats, err);
}

const char *gitrepo_display(const struct gitrepo *r)
{
	return r->display;
}

void gitrepo_set_cache_dir(struct gitrepo *r, const char *cache)
{
	free(r->cache_dir);
	r->cache_dir = cache ? xstrdup(cache) : NULL;
}

const char *gitrepo_workdir(const struct gitrepo *r)
{
	return git_repository_workdir(r->repo);
}

int gitrepo_resolve(struct gitrepo *r, const char *rev, struct git_commit_info *info,
		    struct error *err)
{
	git_object *obj = NULL;
	const char *summary;
	int ret = -1;

	memset(info, 0, sizeof(*info));
	if (!rev)
		rev = "HEAD";
	/* HEAD on an unborn branch: libgit2's is_empty() only knows "master" as the first branch. */
	if (git_repository_is_empty(r->repo) == 1 ||
	    (!strcmp(rev, "HEAD") && git_repository_head_unborn(r->repo) == 1))
		return error_set(err, "'%s' has no commits; commit something first", r->display);
	if (git_revparse_single(&obj, r->repo, rev) < 0) {
		error_set(err, "revision '%s' not found in '%s'", rev, r->display);
		goto out;
	}
	git_commit_free(r->commit);
	r->commit = NULL;
	if (git_object_peel((git_object **)&r->commit, obj, GIT_OBJECT_COMMIT) < 0) {
		error_set(err, "revision '%s' in '%s' does not name a commit", rev, r->display);
		goto out;
	}
	git_oid_tostr(info->sha, sizeof(info->sha), git_commit_id(r->commit));
	summary = git_commit_summary(r->commit);
	info->summary = summary && *summary ? xstrdup(summary) : NULL;
	info->time = (int64_t)git_commit_time(r->commit);
	ret = 0;
out:
	git_object_free(obj);
	return ret;
}

/* Invariant 3. */
static int valid_entry_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	       strcasecmp(name, ".git");
}

static struct submodule *submodule_named(struct gitrepo *r, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < r->nsubs; i++)
		if (strlen(r->subs[i].name) == len && !strncmp(r->subs[i].name, name, len))
			return &r->subs[i];
	ALLOC_GROW(r->subs, r->nsubs + 1, r->alloc_subs);
	memset(&r->subs[r->nsubs], 0, sizeof(r->subs[0]));
	r->subs[r->nsubs].name = xstrndup(name, len);
	return &r->subs[r->nsubs++];
}

static int gitmodules_entry(const git_config_entry *e, void *payload)
{
	struct gitrepo *r = payload;
	const char *name = e->name + strlen("submodule.");
	const char *dot = strrchr(name, '.');
	struct submodule *s;

	if (!dot || dot == name || !e->value)
		return 0;
	s = submodule_named(r, name, (size_t)(dot - name));
	if (!strcmp(dot, ".path")) {
		free(s->path);
		s->path = xstrdup(e->value);
	} else {
		free(s->url);
		s->url = xstrdup(e->value);
	}
	return 0;
}

/* Read .gitmodules of the resolved commit, once, with libgit2's config parser. */
static int load_gitmodules(struct gitrepo *r, struct error *err)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	git_config *cfg = NULL;
	char *path = NULL;
	const char *tmpdir = getenv("TMPDIR");
	int fd = -1, ret = -1;

	if (r->subs_loaded)
		return 0;
	r->subs_loaded = 1;
	if (git_commit_tree(&root, r->commit) < 0)
		return git_fail(err, ERROR_INPUT, "cannot read the tree of %s", r->display);
	if (git_tree_entry_bypath(&e, root, ".gitmodules") < 0) {
		ret = 0; /* gitlinks without .gitmodules are reported where they are met */
		goto out;
	}
	if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(e)) < 0) {
		git_fail(err, ERROR_INPUT, "cannot read .gitmodules in %s", r->display);
		goto out;
	}
	if (git_blob_rawsize(blob) > GITMODULES_MAX_BYTES) {
		error_set(err, ".gitmodules in %s is larger than 1 MB; refusing it", r->display);
		goto out;
	}
	path = xstrfmt("%s/slugc-gitmodules-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		error_errno(err, "cannot create a temporary file for .gitmodules");
		free(path);
		path = NULL;
		goto out;
	}
	if (fs_write_all(fd, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), path, err) < 0)
		goto out;
	if (git_config_open_ondisk(&cfg, path) < 0 ||
	    git_config_foreach_match(cfg, "^submodule\\..*\\.(path|url)$", gitmodules_entry, r) < 0) {
		git_fail(err, ERROR_INPUT, ".gitmodules in %s cannot be parsed", r->display);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (path)
		unlink(path);
	free(path);
	git_config_free(cfg);
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(root);
	return ret;
}

static int write_tree(struct gitrepo *r, git_tree *tree, struct buf *repo_path,
		      struct buf *out_path, struct tree_writer *w, struct error *err);

/* A refused submodule URL, quoted: .gitmodules may put a newline or escapes in it. */
static int refuse_url(struct error *err, const char *url, const char *why)
{
	struct buf q = BUF_INIT;

	buf_add_quoted(&q, url, strlen(url), 200);
	error_set(err, "its URL '%s' %s", q.ptr, why);
	buf_release(&q);
	return -1;
}

/* Check a submodule URL (invariant 4) and open a repository holding its objects. */
static int open_submodule(struct gitrepo *r, const struct submodule *s, struct gitrepo **out,
			  struct error *err)
{
	struct git_fetch_stats stats;
	char *resolved = NULL, *modules = NULL;
	int ret = -1;

	if (s->url[0] == '-')
		return refuse_url(err, s->url, "starts with '-'; refusing it");
	resolved = url_resolve_relative(r->base_url, s->url);
	if (url_is_url(resolved)) {
		struct url u = URL_INIT;
		int ok;

		if (url_parse(&u, resolved, err) < 0)
			goto out;
		ok = !strcmp(u.scheme, "https") || !strcmp(u.scheme, "http") || !strcmp(u.scheme, "git") ||
		     (r->local && !strcmp(u.scheme, "file"));
		url_release(&u);
		if (!ok) {
			char *shown = url_strip_credentials(resolved);

			refuse_url(err, shown, "is not allowed; slugc fetches submodules over https, "
				   "http and git (file only for local sources)");
			free(shown);
			goto out;
		}
	} else if (!r->local || resolved[0] != '/' || strstr(resolved, "::")) {
		refuse_url(err, resolved, "is not one slugc may fetch (use https, http or git)");
		goto out;
	}

	/* A local superproject may already hold the submodule's objects in .git/modules/<name>. */
	if (r->local && git_repository_commondir(r->repo)) {
		modules = xstrfmt("%smodules/%s", git_repository_commondir(r->repo), s->name);
		if (!path_has_dotdot(s->name) && fs_is_dir(modules) && gitrepo_open(out, modules, err) == 0) {
			ret = 0;
			goto out;
		}
	}
	if (!url_is_url(resolved)) {
		ret = gitrepo_open(out, resolved, err);
		goto out;
	}
	ret = open_remote(out, resolved, r->cache_dir, &r->creds, &stats, err);
out:
	free(resolved);
	free(modules);
	return ret;
}

static int checkout_submodule(struct gitrepo *r, const char *repo_path, const git_oid *id,
			      struct buf *out_path, struct tree_writer *w, struct error *err)
{
	struct gitrepo *sub = NULL;
	const struct submodule *s = NULL;
	struct buf sub_path = BUF_INIT;
	git_tree *tree = NULL;
	char sha[GIT_OID_HEXSZ + 1];
	size_t i;
	int ret = -1;

	git_oid_tostr(sha, sizeof(sha), id);
	if (r->depth >= MAX_SUBMODULE_DEPTH)
		return error_set(err, "submodules are nested more than %d deep at '%s'",
				 MAX_SUBMODULE_DEPTH, repo_path);
	if (load_gitmodules(r, err) < 0)
		return -1;
	for (i = 0; i < r->nsubs; i++)
		if (r->subs[i].path && r->subs[i].url && !strcmp(r->subs[i].path, repo_path))
			s = &r->subs[i];
	if (!s)
		return error_set(err, "submodule at '%s' has no path and url in .gitmodules of %s",
				 repo_path, r->display);
	out_step("Checking out submodule %s at %.12s", repo_path, sha);
	if (open_submodule(r, s, &sub, err) < 0) {
		struct buf q = BUF_INIT;

		buf_add_quoted(&q, repo_path, strlen(repo_path), 200);
		error_prefix(err, "submodule '%s'", q.ptr);
		buf_release(&q);
		return -1;
	}
	sub->depth = r->depth + 1;
	gitrepo_set_cache_dir(sub, r->cache_dir);
	if (git_commit_lookup(&sub->commit, sub->repo, id) < 0) {
		error_set(err, "submodule '%s' is recorded at commit %s, which %s does not have",
			  repo_path, sha, sub->display);
		goto out;
	}
	if (git_commit_tree(&tree, sub->commit) < 0) {
		git_fail(err, ERROR_INPUT, "cannot read the tree of submodule '%s'", repo_path);
		goto out;
	}
	if (tree_writer_mkdir(w, out_path->ptr, err) < 0)
		goto out;
	ret = write_tree(sub, tree, &sub_path, out_path, w, err);
out:
	git_tree_free(tree);
	buf_release(&sub_path);
	gitrepo_close(sub);
	return ret;
}

static int write_blob(struct gitrepo *r, const git_tree_entry *e, const char *path, int mode,
		      struct tree_writer *w, struct error *err)
{
	git_blob *blob = NULL;
	int ret = -1;

	if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(e)) < 0)
		return git_fail(err, ERROR_INPUT, "cannot read '%s' from %s", path, r->display);
	if (mode == GIT_FILEMODE_LINK) {
		size_t n = (size_t)git_blob_rawsize(blob);
		char *target;

		if (n >= PATH_MAX || memchr(git_blob_rawcontent(blob), '\0', n)) {
			error_set(err, "symlink '%s' in %s has an invalid target", path, r->display);
			goto out;
		}
		target = xstrndup(git_blob_rawcontent(blob), n);
		ret = tree_writer_symlink(w, path, target, err);
		free(target);
	} else {
		ret = tree_writer_file(w, path, mode == GIT_FILEMODE_BLOB_EXECUTABLE,
				       git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), err);
	}
out:
	git_blob_free(blob);
	return ret;
}

static void push_component(struct buf *b, const char *name)
{
	if (b->len)
		buf_addch(b, '/');
	buf_addstr(b, name);
}

static int write_tree(struct gitrepo *r, git_tree *tree, struct buf *repo_path,
		      struct buf *out_path, struct tree_writer *w, struct error *err)
{
	size_t i, n = git_tree_entrycount(tree);
	size_t repo_len = repo_path->len, out_len = out_path->len;

	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_filemode_t mode = git_tree_entry_filemode(e);
		int r2 = 0;

		if (sig_check(err) < 0)
			return -1;
		if (!valid_entry_name(name)) {
			struct buf q = BUF_INIT;

			buf_add_quoted(&q, name, strlen(name), 100);
			error_set(err, "the tree of %s has an entry named '%s' in '%s'; refusing a "
				  "tree git itself would not check out", r->display, q.ptr,
				  repo_len ? repo_path->ptr : ".");
			buf_release(&q);
			return -1;
		}
		push_component(repo_path, name);
		push_component(out_path, name);
		switch (mode) {
		case GIT_FILEMODE_TREE: {
			git_tree *sub = NULL;

			if (tree_writer_mkdir(w, out_path->ptr, err) < 0)
				return -1;
			if (git_tree_lookup(&sub, r->repo, git_tree_entry_id(e)) < 0)
				return git_fail(err, ERROR_INPUT, "cannot read '%s' from %s", repo_path->ptr,
						r->display);
			r2 = write_tree(r, sub, repo_path, out_path, w, err);
			git_tree_free(sub);
			break;
		}
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
		case GIT_FILEMODE_LINK:
			r2 = write_blob(r, e, out_path->ptr, mode, w, err);
			break;
		case GIT_FILEMODE_COMMIT:
			r2 = checkout_submodule(r, repo_path->ptr, git_tree_entry_id(e), out_path, w, err);
			break;
		default:
			/* Old repositories have 100664 files; anything else is not a file git writes. */
			if ((mode & 0170000) == 0100000)
				r2 = write_blob(r, e, out_path->ptr, GIT_FILEMODE_BLOB, w, err);
			else
				r2 = error_set(err, "'%s' in %s has an unknown mode %o", repo_path->ptr,
					       r->display, (unsigned)mode);
		}
		if (r2 < 0)
			return -1;
		buf_setlen(repo_path, repo_len);
		buf_setlen(out_path, out_len);
	}
	return 0;
}

int gitrepo_checkout(struct gitrepo *r, const char *subdir, struct tree_writer *w,
		     struct error *err)
{
	struct buf repo_path = BUF_INIT, out_path = BUF_INIT;
	git_tree *root = NULL, *tree = NULL;
	git_tree_entry *e = NULL;
	int ret = -1;

	if (git_commit_tree(&root, r->commit) < 0)
		return git_fail(err, ERROR_INPUT, "cannot read the tree of %s", r->display);
	if (subdir && *subdir) {
		char sha[GIT_OID_HEXSZ + 1];

		git_oid_tostr(sha, sizeof(sha), git_commit_id(r->commit));
		if (git_tree_entry_bypath(&e, root, subdir) < 0) {
			error_set(err, "--app-dir '%s' does not exist in commit %.12s of %s", subdir, sha,
				  r->display);
			goto out;
		}
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
			error_set(err, "--app-dir '%s' is not a directory in commit %.12s of %s", subdir,
				  sha, r->display);
			goto out;
		}
		if (git_tree_lookup(&tree, r->repo, git_tree_entry_id(e)) < 0) {
			git_fail(err, ERROR_INPUT, "cannot read '%s' from %s", subdir, r->display);
			goto out;
		}
		buf_addstr(&repo_path, subdir);
		while (repo_path.len && repo_path.ptr[repo_path.len - 1] == '/')
			buf_setlen(&repo_path, repo_path.len - 1);
	}
	ret = write_tree(r, tree ? tree : root, &repo_path, &out_path, w, err);
out:
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_tree_free(root);
	buf_release(&repo_path);
	buf_release(&out_path);
	return ret;
}

int gitrepo_is_ignored(struct gitrepo *r, const char *relpath, int is_dir, struct error *err)
{
	int ignored = 0;

	if (git_ignore_path_is_ignored(&ignored, r->repo, relpath) < 0)
		return git_fail(err, ERROR_INPUT, "cannot check .gitignore for '%s'", relpath);
	if (!ignored)
		return 0;
	/* A tracked file stays, whatever .gitignore says; so does a directory holding one. */
	if (!r->index && git_repository_index(&r->index, r->repo) < 0)
		return git_fail(err, ERROR_INPUT, "cannot read the index of %s", r->display);
	if (!is_dir)
		return git_index_get_bypath(r->index, relpath, 0) ? 0 : 1;
	{
		char *prefix = xstrfmt("%s/", relpath);
		size_t pos;
		int found = git_index_find_prefix(&pos, r->index, prefix) == 0;

		free(prefix);
		return found ? 0 : 1;
	}
}

int gitrepo_changes(struct gitrepo *r, const char *subdir, unsigned long *changed,
		    unsigned long *untracked, struct error *err)
{
	git_status_options o;
	git_status_list *list = NULL;
	char *spec = subdir ? xstrfmt("%s/", subdir) : NULL;
	size_t i, n;

	*changed = *untracked = 0;
	git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION);
	if (git_repository_is_bare(r->repo)) {
		free(spec);
		return 0;
	}
	o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (spec) {
		o.pathspec.strings = &spec;
		o.pathspec.count = 1;
	}
	if (git_status_list_new(&list, r->repo, &o) < 0) {
		free(spec);
		return git_fail(err, ERROR_INPUT, "cannot read the status of %s", r->display);
	}
	n = git_status_list_entrycount(list);
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);

		if (e->status == GIT_STATUS_WT_NEW)
			(*untracked)++;
		else if (e->status != GIT_STATUS_CURRENT && !(e->status & GIT_STATUS_IGNORED))
			(*changed)++;
	}
	git_status_list_free(list);
	free(spec);
	return 0;
}

void gitrepo_close(struct gitrepo *r)
{
	size_t i;

	if (!r)
		return;
	git_commit_free(r->commit);
	git_index_free(r->index);
	git_repository_free(r->repo);
	cache_unlock(&r->lock);
	creds_release(&r->creds);
	for (i = 0; i < r->nsubs; i++) {
		free(r->subs[i].name);
		free(r->subs[i].path);
		free(r->subs[i].url);
	}
	free(r->subs);
	free(r->display);
	free(r->base_url);
	free(r->cache_dir);
	free(r);
}

void git_commit_info_release(struct git_commit_info *c)
{
	free(c->summary);
	c->summary = NULL;
}
