/*
 * The Platform API client: authentication, the v3 headers, JSON in and out,
 * and Heroku's error bodies turned into one-line messages (api.h).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "netrc.h"
#include "output.h"
#include "regex.h"
#include "strvec.h"
#include "url.h"
#include "xalloc.h"

#define DEFAULT_API "https://api.heroku.com"
#define APP_RE "^(?:[a-z][a-z0-9-]{1,28}[a-z0-9]|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
#define MAX_MESSAGE 300

int api_check_app(const char *app, struct error *err)
{
	struct error ignored = ERROR_INIT;

	if (regex_match(regex_static(APP_RE, 0), app, strlen(app), NULL, &ignored) == 1)
		return 0;
	return error_setk(err, ERROR_USAGE, "'%s' is not an app name (lowercase letters, digits "
			  "and dashes, 3 to 30 characters, starting with a letter) or app id", app);
}

static int find_token(struct api *a, const struct url *u, struct error *err)
{
	const char *env = getenv("HEROKU_API_KEY");
	char *login = NULL, *password = NULL;
	int r;

	if (env && *env) {
		a->token = xstrdup(env);
		return 0;
	}
	r = netrc_lookup(u->host, &login, &password, err);
	free(login);
	if (r < 0)
		return -1;
	if (r == 1 && password && *password) {
		a->token = password;
		return 0;
	}
	free(password);
	if (getenv("HEROKU_API_TOKEN"))
		return error_setk(err, ERROR_USAGE, "HEROKU_API_TOKEN is set, but the API token is "
				  "read from HEROKU_API_KEY: rename the variable");
	return error_setk(err, ERROR_USAGE, "no API token for %s: set HEROKU_API_KEY, or add "
			  "'machine %s login EMAIL password TOKEN' to ~/.netrc (heroku login does)",
			  u->host, u->host);
}

int api_open(struct api *a, const char *url, struct error *err)
{
	static const struct http_options def = HTTP_OPTIONS_INIT;
	struct url u = URL_INIT;
	const char *host = getenv("HEROKU_HOST");
	char *from_host = NULL;
	size_t n;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	a->http = def;
	if (!url || !*url)
		url = getenv("HEROKU_API_URL");
	/* The heroku CLI's variable: a URL as is, else a domain whose API is api.<domain>. */
	if ((!url || !*url) && host && *host) {
		from_host = strncmp(host, "http", 4) ? xstrfmt("https://api.%s", host) : xstrdup(host);
		url = from_host;
	}
	if (!url || !*url)
		url = DEFAULT_API;
	if (url_parse(&u, url, err) < 0)
		goto out;
	if (strcmp(u.scheme, "https") && strcmp(u.scheme, "http")) {
		/* The whole URL, unless it carries credentials: then only its scheme and host. */
		if (u.user || u.password)
			error_setk(err, ERROR_USAGE, "the API URL '%s://%s/...' must be http:// or "
				   "https://", u.scheme, u.host);
		else
			error_setk(err, ERROR_USAGE, "the API URL '%s' must be http:// or https://", url);
		goto out;
	}
	if (u.user || u.password) {
		error_setk(err, ERROR_USAGE, "the API URL must not hold credentials: use "
			   "HEROKU_API_KEY or ~/.netrc");
		goto out;
	}
	if (strchr(u.path, '?') || strchr(u.path, '#')) {
		error_setk(err, ERROR_USAGE, "the API URL must not have a query or fragment");
		goto out;
	}
	a->base = xstrdup(url);
	n = strlen(a->base);
	while (n && a->base[n - 1] == '/')
		a->base[--n] = '\0';
	if (find_token(a, &u, err) < 0)
		goto out;
	out_add_secret(a->token);
	ret = 0;
out:
	free(from_host);
	url_release(&u);
	if (ret)
		api_close(a);
	return ret;
}

void api_close(struct api *a)
{
	free(a->base);
	free(a->token);
	memset(a, 0, sizeof(*a));
}

void api_response_release(struct api_response *r)
{
	json_free(r->doc);
	free(r->next_range);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

/* "the API refused POST /apps/x/slugs: MESSAGE (id ID, HTTP 422, Request-Id R)" */
static int refusal(const char *method, const char *path, long status, const struct json *doc,
		   const char *request_id, struct error *err)
{
	const char *id = doc ? json_get_str(doc, "id") : NULL;
	const char *msg = doc ? json_get_str(doc, "message") : NULL;
	struct buf b = BUF_INIT;

	if (!msg && doc)
		msg = json_get_str(doc, "error"); /* the v2-era shape */
	buf_addf(&b, "the API refused %s %s: ", method, path);
	if (msg)
		buf_add_quoted(&b, msg, strlen(msg), MAX_MESSAGE);
	else
		buf_addf(&b, "HTTP %ld with no error message", status);
	buf_addstr(&b, " (");
	if (id) {
		buf_addstr(&b, "id ");
		buf_add_quoted(&b, id, strlen(id), MAX_MESSAGE);
		buf_addstr(&b, ", ");
	}
	buf_addf(&b, "HTTP %ld", status);
	if (request_id) {
		buf_addstr(&b, ", Request-Id ");
		buf_add_quoted(&b, request_id, strlen(request_id), MAX_MESSAGE);
	}
	buf_addch(&b, ')');
	if (status == 401)
		buf_addstr(&b, "; check the token");
	error_setk(err, ERROR_API, "%s", b.ptr);
	buf_release(&b);
	return -1;
}

int api_call(struct api *a, const char *method, const char *path, const struct json *body,
	     const char *range, struct api_response *r, struct error *err)
{
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct strvec headers = STRVEC_INIT;
	struct json *doc = NULL;
	char *url = xstrfmt("%s%s", a->base, path), *text = NULL;
	const char *rid;
	int ret = -1;

	api_response_release(r);
	strvec_push(&headers, "Accept: application/vnd.heroku+json; version=3");
	strvec_pushf(&headers, "Authorization: Bearer %s", a->token);
	if (range)
		strvec_pushf(&headers, "Range: %s", range);
	rq.method = method;
	rq.url = url;
	rq.headers = &headers;
	rq.idempotent = !strcmp(method, "GET");
	if (body) {
		text = json_print(body, 0);
		strvec_push(&headers, "Content-Type: application/json");
		rq.body = text;
		rq.body_len = strlen(text);
	}
	if (http_request(&rq, &rs, &a->http, err) < 0)
		goto out;
	r->status = rs.status;
	rid = http_header(&rs, "request-id");
	if (rid)
		r->request_id = xstrdup(rid);
	if (rs.body.len) {
		struct error perr = ERROR_INIT;

		doc = json_parse(rs.body.ptr, rs.body.len, "the API's answer", &perr);
	}
	if (rs.status < 200 || rs.status >= 300) {
		if (!doc && rs.body.len && rs.status >= 500)
			out_trace("api: %s %s answered %ld with a body that is not JSON", method, path,
				  rs.status);
		refusal(method, path, rs.status, doc, r->request_id, err);
		goto out;
	}
	if (rs.body.len && !doc) {
		error_setk(err, ERROR_API, "the API answered %s %s with a body that is not JSON "
			   "(HTTP %ld%s%s): is %s a Platform API endpoint?", method, path, rs.status,
			   r->request_id ? ", Request-Id " : "", r->request_id ? r->request_id : "",
			   a->base);
		goto out;
	}
	if (http_header(&rs, "next-range"))
		r->next_range = xstrdup(http_header(&rs, "next-range"));
	r->doc = doc;
	doc = NULL;
	ret = 0;
out:
	json_free(doc);
	http_response_release(&rs);
	strvec_clear(&headers);
	free(text);
	free(url);
	return ret;
}
