#ifndef SLUGC_HTTP_H
#define SLUGC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "strvec.h"

struct error;

/*
 * HTTP over libcurl, spoken to from here only.
 *
 * Every transfer is restricted to http and https (file:// only when asked,
 * and never through a redirect), follows at most 5 redirects, verifies TLS
 * certificates (there is no way to turn that off), sends
 * "User-Agent: slugc/<version>", takes proxies from the environment as curl
 * does, and gives up on a server slower than the low-speed limit. Transient
 * failures (connection refused or reset, timeouts, a body cut short, 5xx,
 * 429, 408) are retried with exponential backoff, or after the server's
 * Retry-After (one of more than 120 s is not waited for); an unknown host
 * name is not retried. A SIGINT/SIGTERM stops a transfer within about a second
 * (ERROR_INTERRUPTED). With -v every request and retry is traced through
 * out_trace() (method, URL without credentials, status; never headers or
 * bodies). Failures are ERROR_NETWORK unless said otherwise. Options may
 * be NULL for HTTP_OPTIONS_INIT.
 */

struct http_options {
	long connect_timeout;  /* seconds to establish a connection */
	long low_speed_limit;  /* bytes per second; slower than this ... */
	long low_speed_time;   /* ... for this many seconds aborts the transfer */
	int retries;           /* attempts after the first, for transient failures */
	long backoff_ms;       /* wait before the first retry; doubled for each next one */
	int allow_file;        /* permit file:// URLs (a file:// mirror); never for redirects */
	int progress;          /* draw a progress bar (out_progress(): TTY only) */
	const char *label;     /* what the bar shows; NULL: the URL */
	const struct strvec *headers; /* http_download(): "Name: value" lines sent too */
};
#define HTTP_OPTIONS_INIT { 10, 1024, 30, 4, 500, 0, 0, NULL, NULL }

/*
 * Download `url` into the file `path`. If `path` already holds N bytes (an
 * interrupted earlier download), ask for the rest with "Range: bytes=N-":
 * a 206 appends, a 200 starts the file over. Retries resume the same way
 * from what was received (with If-Range once the server gave a strong
 * ETag). On success `sha256` (when not NULL) is the digest of the whole file
 * as it is on disk and `size` (when not NULL) its length: the caller
 * compares it with the published checksum, which also catches a stale
 * prefix. A .part that is complete already costs one 416 and no transfer.
 * The file is left in place on failure, so a later call can resume it; the
 * caller holds the lock on it, and renames or removes it. A 404 or other
 * 4xx fails at once, naming the URL (without credentials) and the status.
 */
int http_download(const char *url, const char *path, const struct http_options *o,
		  unsigned char sha256[32], uint64_t *size, struct error *err);

/*
 * GET a small document into `body` (appended to). A body of more than `max`
 * bytes is an error, detected as it arrives, so memory stays bounded by
 * `max` whatever the server sends. Non-2xx answers fail as for
 * http_download(); on failure `body` is left as it was.
 */
int http_get(const char *url, size_t max, const struct http_options *o, struct buf *body,
	     struct error *err);

/* Responses of more than this are refused when max_response is 0. */
#define HTTP_DEFAULT_MAX_RESPONSE (8 * 1024 * 1024)

/*
 * One API request. `headers` are "Name: value" lines added to (or, with an
 * empty value "Name:", removed from) what libcurl sends. No Content-Type is
 * sent unless `headers` has one (libcurl would otherwise add its form type).
 * The body is `body` (body_len bytes; NULL for none) or, with upload_path,
 * that file streamed from disk with its Content-Length (a retry sends it
 * again from the start). "Expect: 100-continue" is never sent.
 * Only an idempotent request is retried after a 5xx or 408 answer or a
 * dropped connection; any request is retried after a 429 (the server did
 * not act on it) and when the connection could not be made (nothing was
 * sent then).
 */
struct http_request {
	const char *method;            /* "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" */
	const char *url;
	const struct strvec *headers;  /* "Name: value"; NULL for none */
	const char *body;
	size_t body_len;
	const char *upload_path;       /* send this file as the body instead of `body` */
	uint64_t upload_offset;        /* ... from this byte of it */
	uint64_t upload_len;           /* ... this many bytes (0: to its end) */
	size_t max_response;           /* cap on the response body; 0: HTTP_DEFAULT_MAX_RESPONSE */
	int idempotent;                /* retry 5xx/429/408 answers and dropped connections */
};
#define HTTP_REQUEST_INIT { "GET", NULL, NULL, NULL, 0, NULL, 0, 0, 0, 0 }

/* The final response (after redirects). Owned; release with http_response_release(). */
struct http_response {
	long status;
	struct buf body;
	struct strvec headers;         /* "name: value", names lowercased, in arrival order */
};
#define HTTP_RESPONSE_INIT { 0, BUF_INIT, STRVEC_INIT }

/*
 * Send a request. Returns 0 whenever an HTTP response arrived, whatever its
 * status (the caller interprets it; after the retries of an idempotent
 * request it is the last answer). Returns -1 when no complete response
 * arrived after the retries, when the body exceeds the cap, or when the
 * upload file cannot be read. `rs` is reset first.
 */
int http_request(const struct http_request *rq, struct http_response *rs,
		 const struct http_options *o, struct error *err);
/* The value of the first header `name` (any case) of a response, or NULL. */
const char *http_header(const struct http_response *rs, const char *name);
void http_response_release(struct http_response *rs);

/* Release libcurl's global state; main() calls it once at exit. */
void http_cleanup(void);

#endif
