#ifndef SLUGC_API_H
#define SLUGC_API_H

#include "http.h"

struct error;
struct json;

/*
 * The Heroku Platform API v3 client, over http.c and json.c.
 *
 * Invariants:
 *  1. The base URL is --api-url, else $HEROKU_API_URL, else
 *     https://api.heroku.com; it is http or https and has no trailing slash.
 *  2. The token is $HEROKU_API_KEY, else the password of the ~/.netrc
 *     ($NETRC) entry for the API's host. It is registered with the output
 *     funnel as a secret before any request, so no output can show it; it
 *     travels only in "Authorization: Bearer".
 *  3. Every request sends "Accept: application/vnd.heroku+json; version=3";
 *     a body is JSON with "Content-Type: application/json".
 *  4. A GET is retried on 5xx, 408 and a dropped connection; every request
 *     is retried on 429 (honouring Retry-After) and when no connection could
 *     be made. A POST is never sent twice once it may have been acted on.
 *  5. A non-2xx answer is ERROR_API, one line: the request, the API's
 *     message and id, and the Request-Id header.
 */

struct api {
	char *base;                 /* scheme://host[:port][/prefix], no trailing '/' */
	char *token;
	struct http_options http;
};

/* Set up from `url` (--api-url; NULL: the environment, then the default). */
int api_open(struct api *a, const char *url, struct error *err);
void api_close(struct api *a);

struct api_response {
	long status;
	struct json *doc;           /* the parsed body; NULL when it had none */
	char *next_range;           /* Next-Range header (206 pages), or NULL */
	char *request_id;           /* Request-Id header, or NULL */
};
#define API_RESPONSE_INIT { 0, NULL, NULL, NULL }
void api_response_release(struct api_response *r);

/*
 * One request: `method` on `path` (below the base URL, starting with '/'),
 * with `body` (NULL: none) and a Range header when `range` is not NULL.
 * Returns 0 with *r filled on a 2xx answer whose body is JSON (or empty);
 * -1 otherwise (ERROR_API for an API refusal, ERROR_NETWORK when no answer
 * came). On an API refusal r->status is still set, so callers can tell a
 * 403 or 5xx apart.
 */
int api_call(struct api *a, const char *method, const char *path, const struct json *body,
	     const char *range, struct api_response *r, struct error *err);

/*
 * An app is a name as Heroku allows them (^[a-z][a-z0-9-]{1,28}[a-z0-9]$) or
 * a uuid; anything else is an ERROR_USAGE error, before any request.
 */
int api_check_app(const char *app, struct error *err);

#endif
