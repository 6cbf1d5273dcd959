#ifndef SLUGC_URL_H
#define SLUGC_URL_H

struct error;

/*
 * URLs of sources and services. Credentials in a URL
 * (https://user:token@host/...) are for connecting only: every URL that is
 * shown, stored or used as a cache key goes through url_strip_credentials()
 * first.
 */
struct url {
	char *scheme;   /* lowercase: "https", "git", "file", ... */
	char *user;     /* percent-decoded, or NULL */
	char *password; /* percent-decoded, or NULL */
	char *host;     /* lowercase; "[::1]" kept with brackets; "" for file:/// */
	char *port;     /* or NULL */
	char *path;     /* from the first '/' after the authority, query included */
};
#define URL_INIT { NULL, NULL, NULL, NULL, NULL, NULL }

/* Whether s has the form "scheme://..." (a remote source rather than a path). */
int url_is_url(const char *s);
/* Parse "scheme://[user[:password]@]host[:port]/path". */
int url_parse(struct url *u, const char *s, struct error *err);
void url_release(struct url *u);
/* s without any user:password@ part; other text unchanged. A fresh string. */
char *url_strip_credentials(const char *s);
/* The host and port only, "host[:port]", for messages and netrc lookups. */
char *url_hostport(const struct url *u);
/*
 * Resolve a relative submodule URL ("../lib.git", "./x") against the URL or
 * path of the superproject, as git does; an absolute one is returned as is.
 */
char *url_resolve_relative(const char *base, const char *rel);

#endif
