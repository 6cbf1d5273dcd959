#include "url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "xalloc.h"

int url_is_url(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return p[0] == ':' && p[1] == '/' && p[2] == '/';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *decode(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			buf_addch(&b, hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			buf_addch(&b, s[i]);
		}
	}
	return buf_detach(&b, NULL);
}

static char *lower(const char *s, size_t n)
{
	char *r = xstrndup(s, n);
	char *p;

	for (p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* The authority part of "scheme://authority/path": start and length. */
static const char *authority(const char *s, size_t *len)
{
	const char *a = strstr(s, "://") + 3;

	*len = strcspn(a, "/?#");
	return a;
}

int url_parse(struct url *u, const char *s, struct error *err)
{
	const char *a, *at, *hostp, *colon, *end;
	size_t alen;

	if (!url_is_url(s))
		return error_set(err, "'%s' is not a URL (expected scheme://host/path)", s);
	memset(u, 0, sizeof(*u));
	u->scheme = lower(s, (size_t)(strstr(s, "://") - s));
	a = authority(s, &alen);
	end = a + alen;
	at = memrchr(a, '@', alen);
	hostp = a;
	if (at) {
		const char *pc = memchr(a, ':', (size_t)(at - a));

		if (pc) {
			u->user = decode(a, (size_t)(pc - a));
			u->password = decode(pc + 1, (size_t)(at - pc - 1));
		} else {
			u->user = decode(a, (size_t)(at - a));
		}
		hostp = at + 1;
	}
	if (*hostp == '[') {
		const char *close = memchr(hostp, ']', (size_t)(end - hostp));

		if (!close) {
			url_release(u);
			return error_set(err, "URL has an unclosed '[' in its host");
		}
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		u->host = lower(hostp, (size_t)(close + 1 - hostp));
	} else {
		colon = memchr(hostp, ':', (size_t)(end - hostp));
		u->host = lower(hostp, (size_t)((colon ? colon : end) - hostp));
	}
	if (colon)
		u->port = xstrndup(colon + 1, (size_t)(end - colon - 1));
	u->path = xstrdup(*end ? end : "/");
	if (strcmp(u->scheme, "file") && !*u->host) {
		url_release(u);
		return error_set(err, "URL has no host");
	}
	return 0;
}

void url_release(struct url *u)
{
	free(u->scheme);
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->port);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

char *url_strip_credentials(const char *s)
{
	const char *a, *at;
	size_t alen;

	if (!url_is_url(s))
		return xstrdup(s);
	a = authority(s, &alen);
	at = memrchr(a, '@', alen);
	if (!at)
		return xstrdup(s);
	return xstrfmt("%.*s%s", (int)(a - s), s, at + 1);
}

char *url_hostport(const struct url *u)
{
	return u->port ? xstrfmt("%s:%s", u->host, u->port) : xstrdup(u->host);
}

char *url_resolve_relative(const char *base, const char *rel)
{
	struct buf b = BUF_INIT;
	size_t root = 0;

	if (strncmp(rel, "./", 2) && strncmp(rel, "../", 3))
		return xstrdup(rel);
	buf_addstr(&b, base);
	while (b.len > 1 && b.ptr[b.len - 1] == '/')
		buf_setlen(&b, b.len - 1);
	if (url_is_url(base)) {
		size_t alen;
		const char *a = authority(base, &alen);

		root = (size_t)(a - base) + alen; /* never climb above the host */
	}
	for (;;) {
		if (!strncmp(rel, "./", 2)) {
			rel += 2;
		} else if (!strncmp(rel, "../", 3)) {
			char *slash = strrchr(b.ptr, '/');

			rel += 3;
			if (slash && (size_t)(slash - b.ptr) >= root)
				buf_setlen(&b, (size_t)(slash - b.ptr));
		} else {
			break;
		}
	}
	buf_addch(&b, '/');
	buf_addstr(&b, rel);
	return buf_detach(&b, NULL);
}
