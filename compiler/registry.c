/*
 * The OCI distribution API client (registry.h): references, credentials,
 * Basic and Bearer challenges, manifests and blobs.
 */
#include "registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "output.h"
#include "sha256.h"
#include "xalloc.h"

#define DOCKER_HUB "registry-1.docker.io"
#define MAX_MANIFEST (4 * 1024 * 1024)
#define MAX_QUOTED 200

/* ---- references ---- */

static int valid_repo_char(int c)
{
	return islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-' || c == '/';
}

/* "name[:port]" (letters, digits, '.', '-') or "[v6]:port"; the port all digits. */
static int valid_host(const char *h)
{
	const char *port;

	if (h[0] == '[') {
		const char *end = strchr(h, ']');

		if (!end || end == h + 1)
			return 0;
		for (port = h + 1; port < end; port++)
			if (!isxdigit((unsigned char)*port) && *port != ':')
				return 0;
		port = end + 1;
	} else {
		for (port = h; *port && *port != ':'; port++)
			if (!isalnum((unsigned char)*port) && *port != '.' && *port != '-')
				return 0;
		if (port == h)
			return 0;
	}
	if (!*port)
		return 1;
	if (*port != ':' || !port[1] || strlen(port + 1) > 5)
		return 0;
	for (port++; *port; port++)
		if (!isdigit((unsigned char)*port))
			return 0;
	return 1;
}

int image_ref_parse(struct image_ref *r, const char *s, struct error *err)
{
	const char *rest = s, *slash, *at, *colon, *last_slash;
	char *name = NULL;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->shown = xstrdup(s);
	if (!strncmp(rest, "docker://", 9))
		rest += 9;
	if (!*rest)
		goto bad;
	slash = strchr(rest, '/');
	if (slash && (memchr(rest, '.', (size_t)(slash - rest)) ||
		      memchr(rest, ':', (size_t)(slash - rest)) ||
		      ((size_t)(slash - rest) == 9 && !strncmp(rest, "localhost", 9)))) {
		r->host = xstrndup(rest, (size_t)(slash - rest));
		rest = slash + 1;
	} else {
		r->host = xstrdup(DOCKER_HUB);
	}
	if (!valid_host(r->host))
		goto bad;
	if (!strcmp(r->host, "docker.io") || !strcmp(r->host, "index.docker.io")) {
		free(r->host);
		r->host = xstrdup(DOCKER_HUB);
	}
	at = strchr(rest, '@');
	if (at) {
		const char *d = at + 1;

		if (strncmp(d, "sha256:", 7) || strlen(d + 7) != 64)
			goto bad;
		for (i = 7; d[i]; i++)
			if (!isxdigit((unsigned char)d[i]) || isupper((unsigned char)d[i]))
				goto bad;
		r->digest = xstrdup(d);
		name = xstrndup(rest, (size_t)(at - rest));
	} else {
		name = xstrdup(rest);
	}
	last_slash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon && (!last_slash || colon > last_slash)) {
		r->tag = xstrdup(colon + 1);
		name[colon - name] = '\0';
		if (!*r->tag || strlen(r->tag) > 128)
			goto bad;
		for (i = 0; r->tag[i]; i++)
			if (!isalnum((unsigned char)r->tag[i]) && !strchr("._-", r->tag[i]))
				goto bad;
	} else if (!r->digest) {
		r->tag = xstrdup("latest");
	}
	if (!*name || name[0] == '/' || name[strlen(name) - 1] == '/' || strstr(name, "//"))
		goto bad;
	for (i = 0; name[i]; i++)
		if (!valid_repo_char((unsigned char)name[i]))
			goto bad;
	if (!strcmp(r->host, DOCKER_HUB) && !strchr(name, '/'))
		r->repository = xstrfmt("library/%s", name);
	else
		r->repository = xstrdup(name);
	free(name);
	return 0;
bad:
	free(name);
	error_setk(err, ERROR_USAGE, "'%s' is not an image reference ([HOST[:PORT]/]NAME[:TAG]"
		   "[@sha256:DIGEST], lowercase name)", s);
	image_ref_release(r);
	return -1;
}

void image_ref_release(struct image_ref *r)
{
	free(r->host);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	free(r->shown);
	memset(r, 0, sizeof(*r));
}

/* ---- small helpers ---- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_encode(struct buf *out, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		buf_addch(out, b64chars[s[i] >> 2]);
		buf_addch(out, b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		buf_addch(out, b64chars[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)]);
		buf_addch(out, b64chars[s[i + 2] & 63]);
	}
	if (n - i == 1) {
		buf_addch(out, b64chars[s[i] >> 2]);
		buf_addch(out, b64chars[(s[i] & 3) << 4]);
		buf_addstr(out, "==");
	} else if (n - i == 2) {
		buf_addch(out, b64chars[s[i] >> 2]);
		buf_addch(out, b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		buf_addch(out, b64chars[(s[i + 1] & 15) << 2]);
		buf_addch(out, '=');
	}
}

/* Strict base64 (padding optional); -1 on anything else. */
static int base64_decode(struct buf *out, const char *s)
{
	unsigned acc = 0;
	int bits = 0;

	for (; *s && *s != '='; s++) {
		const char *p = strchr(b64chars, *s);

		if (!p || !*s)
			return -1;
		acc = (acc << 6) | (unsigned)(p - b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (int)((acc >> bits) & 0xff));
		}
	}
	while (*s == '=')
		s++;
	return *s ? -1 : 0;
}

static void add_pct(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c))
			buf_addch(b, c);
		else
			buf_addf(b, "%%%02X", c);
	}
}

void registry_digest(const void *data, size_t len, char out[72])
{
	struct sha256 s = SHA256_INIT;
	unsigned char d[32];
	char hex[SHA256_HEX_LEN + 1];

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	snprintf(out, 72, "sha256:%s", hex);
}

static int is_loopback(const char *host)
{
	return !strncmp(host, "localhost", 9) && (!host[9] || host[9] == ':') ? 1 :
	       !strncmp(host, "127.", 4) || !strncmp(host, "[::1]", 5);
}

static int is_insecure(const char *host)
{
	const char *list = getenv("SLUGC_INSECURE_REGISTRIES"), *p;
	size_t n = strlen(host);

	if (is_loopback(host))
		return 1;
	for (p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, host, n))
			return 1;
		p = end ? end + 1 : p + len;
	}
	return 0;
}

/* ---- credentials ---- */

static int read_docker_config(struct registry *r, struct error *err)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	char *path = dir && *dir ? xstrfmt("%s/config.json", dir)
				 : xstrfmt("%s/.docker/config.json", home ? home : "");
	const char *host = r->ref->host;
	char *keys[4];
	struct json *doc = NULL, *auths, *entry = NULL;
	struct buf dec = BUF_INIT;
	const char *auth;
	size_t i;
	int ret = -1;

	if (!fs_exists(path)) {
		ret = 0;
		goto out;
	}
	doc = json_load(path, 1024 * 1024, err);
	if (!doc)
		goto out;
	auths = json_get(doc, "auths");
	keys[0] = xstrdup(host);
	keys[1] = xstrfmt("https://%s", host);
	keys[2] = xstrfmt("http://%s", host);
	keys[3] = xstrdup(!strcmp(host, DOCKER_HUB) ? "https://index.docker.io/v1/" : host);
	for (i = 0; i < 4; i++) {
		if (!entry && auths)
			entry = json_get(auths, keys[i]);
		free(keys[i]);
	}
	if (!entry) {
		ret = 0;
		goto out;
	}
	auth = json_get_str(entry, "auth");
	if (auth && *auth) {
		char *colon;

		if (base64_decode(&dec, auth) < 0 || !(colon = memchr(dec.ptr, ':', dec.len))) {
			error_set(err, "'%s': the \"auth\" of '%s' is not base64 of USER:PASSWORD",
				  path, host);
			goto out;
		}
		r->user = xstrndup(dec.ptr, (size_t)(colon - dec.ptr));
		r->password = xstrdup(colon + 1);
	} else if (json_get_str(entry, "username") && json_get_str(entry, "password")) {
		r->user = xstrdup(json_get_str(entry, "username"));
		r->password = xstrdup(json_get_str(entry, "password"));
	}
	if (r->password && *r->password)
		out_add_secret(r->password);
	ret = 0;
out:
	if (dec.len)
		memset(dec.ptr, 0, dec.len);
	buf_release(&dec);
	json_free(doc);
	free(path);
	return ret;
}

int registry_open(struct registry *r, const struct image_ref *ref, struct error *err)
{
	static const struct http_options def = HTTP_OPTIONS_INIT;

	memset(r, 0, sizeof(*r));
	strvec_init(&r->scopes);
	r->ref = ref;
	r->http = def;
	r->base = xstrfmt("%s://%s", is_insecure(ref->host) ? "http" : "https", ref->host);
	return read_docker_config(r, err);
}

void registry_release(struct registry *r)
{
	if (r->password)
		memset(r->password, 0, strlen(r->password));
	free(r->base);
	free(r->user);
	free(r->password);
	free(r->authorization);
	strvec_clear(&r->scopes);
	memset(r, 0, sizeof(*r));
}

/* ---- errors ---- */

static const char *reason(long status)
{
	switch (status) {
	case 401: return "401 Unauthorized";
	case 403: return "403 Forbidden";
	case 404: return "404 Not Found";
	case 405: return "405 Method Not Allowed";
	case 416: return "416 Range Not Satisfiable";
	case 429: return "429 Too Many Requests";
	default: return NULL;
	}
}

/* "'ref': GET /v2/...: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)" */
static int answer_error(struct registry *r, const char *method, const char *path,
			const struct http_response *rs, const char *hint, struct error *err)
{
	struct buf msg = BUF_INIT;
	struct json *doc = NULL, *errors, *first;
	struct error ignored = ERROR_INIT;
	const char *why = reason(rs->status);

	buf_addf(&msg, "'%s': %s %s%s: ", r->ref->shown, method, r->base, path);
	if (why)
		buf_addstr(&msg, why);
	else
		buf_addf(&msg, "HTTP %ld", rs->status);
	if (rs->body.len)
		doc = json_parse(rs->body.ptr, rs->body.len, "the registry's answer", &ignored);
	errors = doc ? json_get(doc, "errors") : NULL;
	first = errors ? json_child(errors) : NULL;
	if (first && json_get_str(first, "code")) {
		const char *m = json_get_str(first, "message");

		buf_addstr(&msg, " (");
		buf_add_quoted(&msg, json_get_str(first, "code"), strlen(json_get_str(first, "code")),
			       60);
		if (m) {
			buf_addstr(&msg, ": ");
			buf_add_quoted(&msg, m, strlen(m), MAX_QUOTED);
		}
		buf_addch(&msg, ')');
	}
	if (hint)
		buf_addf(&msg, "; %s", hint);
	error_setk(err, rs->status == 404 ? ERROR_INPUT : ERROR_NETWORK, "%s", msg.ptr);
	json_free(doc);
	buf_release(&msg);
	return -1;
}

/* ---- challenges ---- */

char *registry_challenge_param(const char *c, const char *key)
{
	size_t n = strlen(key);
	const char *p = c;

	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncasecmp(p, key, n) && p[n] == '=') {
			p += n + 1;
			if (*p == '"') {
				const char *end = strchr(p + 1, '"');

				return end ? xstrndup(p + 1, (size_t)(end - p - 1)) : NULL;
			}
			return xstrndup(p, strcspn(p, ","));
		}
		while (*p && *p != ',') {
			if (*p == '"') {
				const char *end = strchr(p + 1, '"');

				p = end ? end : p + strlen(p) - 1;
			}
			p++;
		}
	}
	return NULL;
}

static int fetch_token(struct registry *r, const char *params, struct error *err)
{
	char *realm = registry_challenge_param(params, "realm");
	char *service = registry_challenge_param(params, "service");
	char *scope = registry_challenge_param(params, "scope");
	struct buf url = BUF_INIT, basic = BUF_INIT, b64 = BUF_INIT;
	struct strvec headers = STRVEC_INIT;
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct json *doc = NULL;
	const char *token, *p;
	size_t i;
	int ret = -1;

	if (!realm || (strncmp(realm, "https://", 8) && strncmp(realm, "http://", 7))) {
		error_setk(err, ERROR_NETWORK, "'%s': the registry %s asks for a bearer token "
			   "without a usable realm", r->ref->shown, r->ref->host);
		goto out;
	}
	/* A challenge may name several scopes, space-separated: one parameter each. */
	for (p = scope; p && *p;) {
		size_t n = strcspn(p, " ");

		if (n) {
			char *one = xstrndup(p, n);

			if (strvec_find(&r->scopes, one) < 0)
				strvec_push(&r->scopes, one);
			free(one);
		}
		p += n;
		p += strspn(p, " ");
	}
	buf_addstr(&url, realm);
	buf_addch(&url, strchr(realm, '?') ? '&' : '?');
	if (service) {
		buf_addstr(&url, "service=");
		add_pct(&url, service);
	}
	for (i = 0; i < r->scopes.nr; i++) {
		buf_addstr(&url, "&scope=");
		add_pct(&url, r->scopes.v[i]);
	}
	if (r->user && r->password) {
		buf_addf(&basic, "%s:%s", r->user, r->password);
		base64_encode(&b64, (const unsigned char *)basic.ptr, basic.len);
		out_add_secret(b64.ptr);
		strvec_pushf(&headers, "Authorization: Basic %s", b64.ptr);
	}
	rq.url = url.ptr;
	rq.headers = &headers;
	rq.idempotent = 1;
	rq.max_response = 1024 * 1024;
	if (http_request(&rq, &rs, &r->http, err) < 0)
		goto out;
	if (rs.status != 200) {
		error_setk(err, ERROR_NETWORK, "'%s': the token service %s answered %ld%s",
			   r->ref->shown, realm, rs.status,
			   rs.status == 401 ? (r->user ? " (the credentials were refused)" :
					       " (no credentials for this registry in the docker config)")
					    : "");
		goto out;
	}
	doc = json_parse(rs.body.ptr, rs.body.len, "the token service's answer", err);
	if (!doc)
		goto out;
	token = json_get_str(doc, "token");
	if (!token || !*token)
		token = json_get_str(doc, "access_token");
	if (!token || !*token) {
		error_setk(err, ERROR_NETWORK, "'%s': the token service %s gave no token",
			   r->ref->shown, realm);
		goto out;
	}
	out_add_secret(token);
	free(r->authorization);
	r->authorization = xstrfmt("Authorization: Bearer %s", token);
	ret = 0;
out:
	if (basic.len)
		memset(basic.ptr, 0, basic.len);
	buf_release(&basic);
	buf_release(&b64);
	buf_release(&url);
	strvec_clear(&headers);
	http_response_release(&rs);
	json_free(doc);
	free(realm);
	free(service);
	free(scope);
	return ret;
}

/* Answer a 401's challenge: 1 when there is something new to send, 0 when not. */
static int answer_challenge(struct registry *r, const struct http_response *rs, struct error *err)
{
	const char *c = http_header(rs, "www-authenticate");

	if (!c)
		return 0;
	if (!strncasecmp(c, "Basic", 5)) {
		struct buf basic = BUF_INIT, b64 = BUF_INIT;

		if (!r->user || !r->password || (r->authorization &&
						 !strncmp(r->authorization, "Authorization: Basic", 20)))
			return 0;
		buf_addf(&basic, "%s:%s", r->user, r->password);
		base64_encode(&b64, (const unsigned char *)basic.ptr, basic.len);
		out_add_secret(b64.ptr);
		free(r->authorization);
		r->authorization = xstrfmt("Authorization: Basic %s", b64.ptr);
		memset(basic.ptr, 0, basic.len);
		buf_release(&basic);
		buf_release(&b64);
		return 1;
	}
	if (!strncasecmp(c, "Bearer", 6))
		return fetch_token(r, c + 6, err) < 0 ? -1 : 1;
	return 0;
}

/*
 * One request to the registry: with the current authorization, and once
 * more after answering a 401's challenge. `path` is "/v2/..." or an
 * absolute URL (an upload Location).
 */
static int reg_send(struct registry *r, struct http_request *rq, const char *path,
		const struct strvec *extra, struct http_response *rs, struct error *err)
{
	struct strvec headers = STRVEC_INIT;
	char *url = strncmp(path, "http://", 7) && strncmp(path, "https://", 8)
			    ? xstrfmt("%s%s", r->base, path) : xstrdup(path);
	int attempt, ret = -1;

	rq->url = url;
	for (attempt = 0; attempt < 2; attempt++) {
		int a;

		strvec_clear(&headers);
		if (extra)
			strvec_pushv(&headers, (const char *const *)extra->v);
		/* Credentials go to the registry only, never to where a Location points elsewhere. */
		if (r->authorization && !strncmp(url, r->base, strlen(r->base)) &&
		    (url[strlen(r->base)] == '/' || !url[strlen(r->base)]))
			strvec_push(&headers, r->authorization);
		rq->headers = &headers;
		if (http_request(rq, rs, &r->http, err) < 0)
			goto out;
		if (rs->status != 401 || attempt)
			break;
		a = answer_challenge(r, rs, err);
		if (a < 0)
			goto out;
		if (!a)
			break;
	}
	ret = 0;
out:
	rq->headers = NULL;
	rq->url = NULL;
	strvec_clear(&headers);
	free(url);
	return ret;
}

static const char *auth_hint(struct registry *r, long status)
{
	if (status != 401)
		return NULL;
	return r->user ? "the registry refused the credentials from the docker config"
		       : "no credentials for this registry: add them to ~/.docker/config.json "
			 "(docker login) or $DOCKER_CONFIG/config.json";
}

/* ---- manifests and blobs ---- */

int registry_get_manifest(struct registry *r, const char *repo, const char *reference,
			  struct buf *body, char **media_type, char digest[72], struct error *err)
{
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct strvec h = STRVEC_INIT;
	char *path = xstrfmt("/v2/%s/manifests/%s", repo, reference);
	const char *ct, *dcd;
	int ret = -1;

	strvec_push(&h, "Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST
			", " MT_DOCKER_LIST);
	rq.idempotent = 1;
	rq.max_response = MAX_MANIFEST;
	if (reg_send(r, &rq, path, &h, &rs, err) < 0)
		goto out;
	if (rs.status != 200) {
		answer_error(r, "GET", path, &rs, auth_hint(r, rs.status), err);
		goto out;
	}
	registry_digest(rs.body.ptr, rs.body.len, digest);
	dcd = http_header(&rs, "docker-content-digest");
	if ((!strncmp(reference, "sha256:", 7) && strcmp(reference, digest)) ||
	    (dcd && !strncmp(dcd, "sha256:", 7) && strcmp(dcd, digest))) {
		error_setk(err, ERROR_NETWORK, "'%s': digest mismatch: the manifest %s%s has digest "
			   "%s, not %s", r->ref->shown, r->base, path, digest,
			   !strncmp(reference, "sha256:", 7) ? reference : dcd);
		goto out;
	}
	ct = http_header(&rs, "content-type");
	*media_type = xstrndup(ct ? ct : "", ct ? strcspn(ct, "; ") : 0);
	buf_add(body, rs.body.ptr, rs.body.len);
	ret = 0;
out:
	http_response_release(&rs);
	strvec_clear(&h);
	free(path);
	return ret;
}

int registry_get_blob(struct registry *r, const char *repo, const char *digest, size_t max,
		      struct buf *body, struct error *err)
{
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	char *path = xstrfmt("/v2/%s/blobs/%s", repo, digest);
	char got[72];
	int ret = -1;

	rq.idempotent = 1;
	rq.max_response = max;
	if (reg_send(r, &rq, path, NULL, &rs, err) < 0)
		goto out;
	if (rs.status != 200) {
		answer_error(r, "GET", path, &rs, auth_hint(r, rs.status), err);
		goto out;
	}
	registry_digest(rs.body.ptr, rs.body.len, got);
	if (strcmp(got, digest)) {
		error_setk(err, ERROR_NETWORK, "'%s': digest mismatch: the blob %s%s has digest %s",
			   r->ref->shown, r->base, path, got);
		goto out;
	}
	buf_add(body, rs.body.ptr, rs.body.len);
	ret = 0;
out:
	http_response_release(&rs);
	free(path);
	return ret;
}

int registry_blob_exists(struct registry *r, const char *repo, const char *digest,
			 struct error *err)
{
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	char *path = xstrfmt("/v2/%s/blobs/%s", repo, digest);
	int ret = -1;

	rq.method = "HEAD";
	rq.idempotent = 1;
	if (reg_send(r, &rq, path, NULL, &rs, err) < 0)
		goto out;
	if (rs.status == 200)
		ret = 1;
	else if (rs.status == 404)
		ret = 0;
	else
		answer_error(r, "HEAD", path, &rs, auth_hint(r, rs.status), err);
out:
	http_response_release(&rs);
	free(path);
	return ret;
}

int registry_download_blob(struct registry *r, const char *repo, const char *digest,
			   uint64_t size, const char *path, struct error *err)
{
	struct strvec h = STRVEC_INIT;
	struct http_options o = r->http;
	unsigned char d[32];
	char hex[SHA256_HEX_LEN + 1], *url = xstrfmt("%s/v2/%s/blobs/%s", r->base, repo, digest);
	uint64_t got = 0;
	int ret = -1;

	/* Make sure we hold a token for this repository first: http_download answers no 401. */
	if (registry_blob_exists(r, repo, digest, err) < 0)
		goto out;
	if (r->authorization)
		strvec_push(&h, r->authorization);
	o.headers = &h;
	o.progress = 1;
	o.label = digest;
	if (http_download(url, path, &o, d, &got, err) < 0) {
		error_prefix(err, "'%s'", r->ref->shown);
		goto out;
	}
	sha256_hex(d, hex);
	if (strcmp(hex, digest + 7) || got != size) {
		error_setk(err, ERROR_NETWORK, "'%s': digest mismatch: the blob %s is %llu bytes "
			   "with digest sha256:%s", r->ref->shown, url, (unsigned long long)got, hex);
		goto out;
	}
	ret = 0;
out:
	strvec_clear(&h);
	free(url);
	return ret;
}

static char *with_query(const char *location, const char *query)
{
	return xstrfmt("%s%c%s", location, strchr(location, '?') ? '&' : '?', query);
}

/* The upload URL a 202 points to. */
static int take_location(struct registry *r, const char *path, const struct http_response *rs,
			 char **location, struct error *err)
{
	const char *loc = http_header(rs, "location");

	if (!loc || !*loc)
		return error_setk(err, ERROR_NETWORK, "'%s': %s%s answered %ld without a Location",
				  r->ref->shown, r->base, path, rs->status);
	free(*location);
	*location = xstrdup(loc);
	return 0;
}

int registry_upload_blob(struct registry *r, const char *repo, const char *digest,
			 const char *path, uint64_t size, uint64_t chunk, const char *mount_from,
			 int *mounted, struct error *err)
{
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct strvec h = STRVEC_INIT;
	char *start = mount_from ? xstrfmt("/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, digest,
					   mount_from)
				 : xstrfmt("/v2/%s/blobs/uploads/", repo);
	char *location = NULL, *q = NULL, *put = NULL;
	uint64_t off;
	int ret = -1;

	*mounted = 0;
	rq.method = "POST";
	rq.body = "";
	if (reg_send(r, &rq, start, NULL, &rs, err) < 0)
		goto out;
	if (rs.status == 201 && mount_from) {
		*mounted = 1;
		ret = 0;
		goto out;
	}
	if (rs.status != 202) {
		answer_error(r, "POST", start, &rs, auth_hint(r, rs.status), err);
		goto out;
	}
	if (take_location(r, start, &rs, &location, err) < 0)
		goto out;

	strvec_push(&h, "Content-Type: application/octet-stream");
	if (chunk && size > chunk) {
		for (off = 0; off < size; off += chunk) {
			uint64_t len = size - off < chunk ? size - off : chunk;
			struct http_request p = HTTP_REQUEST_INIT;

			strvec_clear(&h);
			strvec_push(&h, "Content-Type: application/octet-stream");
			strvec_pushf(&h, "Content-Range: %llu-%llu", (unsigned long long)off,
				     (unsigned long long)(off + len - 1));
			p.method = "PATCH";
			p.upload_path = path;
			p.upload_offset = off;
			p.upload_len = len;
			if (reg_send(r, &p, location, &h, &rs, err) < 0)
				goto out;
			if (rs.status != 202) {
				answer_error(r, "PATCH", "(upload)", &rs, auth_hint(r, rs.status), err);
				goto out;
			}
			if (take_location(r, "(upload)", &rs, &location, err) < 0)
				goto out;
		}
		q = xstrfmt("digest=%s", digest);
		put = with_query(location, q);
		memset(&rq, 0, sizeof(rq));
		rq.method = "PUT";
		rq.body = "";
		if (reg_send(r, &rq, put, NULL, &rs, err) < 0)
			goto out;
	} else {
		struct http_request p = HTTP_REQUEST_INIT;

		q = xstrfmt("digest=%s", digest);
		put = with_query(location, q);
		p.method = "PUT";
		p.upload_path = path;
		if (reg_send(r, &p, put, &h, &rs, err) < 0)
			goto out;
	}
	if (rs.status != 201) {
		answer_error(r, "PUT", "(upload)", &rs,
			     rs.status == 400 ? "the registry computed another digest (digest mismatch)"
					      : auth_hint(r, rs.status), err);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&rs);
	strvec_clear(&h);
	free(start);
	free(location);
	free(q);
	free(put);
	return ret;
}

int registry_put_manifest(struct registry *r, const char *repo, const char *reference,
			  const char *media_type, const char *body, size_t len,
			  const char *digest, struct error *err)
{
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct strvec h = STRVEC_INIT;
	char *path = xstrfmt("/v2/%s/manifests/%s", repo, reference);
	const char *dcd;
	int ret = -1;

	strvec_pushf(&h, "Content-Type: %s", media_type);
	rq.method = "PUT";
	rq.body = body;
	rq.body_len = len;
	rq.idempotent = 1;
	if (reg_send(r, &rq, path, &h, &rs, err) < 0)
		goto out;
	if (rs.status != 201) {
		answer_error(r, "PUT", path, &rs, auth_hint(r, rs.status), err);
		goto out;
	}
	dcd = http_header(&rs, "docker-content-digest");
	if (dcd && strcmp(dcd, digest)) {
		error_setk(err, ERROR_NETWORK, "'%s': digest mismatch: the registry stored the "
			   "manifest as %s, not %s", r->ref->shown, dcd, digest);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&rs);
	strvec_clear(&h);
	free(path);
	return ret;
}
