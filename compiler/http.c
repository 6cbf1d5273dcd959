/*
 * HTTP over libcurl (see http.h for the contract). No other file includes
 * curl/curl.h.
 *
 * Invariants:
 *  1. Each call owns one easy handle, reused by its attempts (a retry may
 *     reuse the connection); nothing is shared between calls, so calls on
 *     different threads are independent. curl_global_init() runs once,
 *     under a lock.
 *  2. A download's file holds exactly `offset` bytes, a prefix of the
 *     resource, and the digest covers its first `hashed` bytes
 *     (hashed <= offset). The gap is hashed from disk only when a 206
 *     extends the file; a full answer (200) truncates it first.
 *  3. Nothing libcurl hands over is stored past a cap: the body callback
 *     refuses (returns 0, which aborts the transfer) as soon as a cap would
 *     be exceeded or the answer's body is not wanted (a 4xx of a download),
 *     and headers stop at MAX_HEADER_BYTES.
 *  4. Every wait (a transfer, a backoff) checks sig_pending() at least once
 *     a second; libcurl calls the progress callback that often even when
 *     no byte moves.
 *  5. Only URLs without credentials are shown, traced or put in messages.
 */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "sha256.h"
#include "sig.h"
#include "url.h"
#include "version.h"
#include "xalloc.h"

#define MAX_REDIRECTS 5L
#define MAX_HEADER_BYTES (256 * 1024)
#define MAX_RETRY_AFTER 120      /* seconds; a server asking for more is not waited for */
#define MAX_BACKOFF_MS 30000L
#define HASH_CHUNK (64 * 1024)

enum mode {
	MODE_DOWNLOAD, /* into a file, resumable */
	MODE_GET,      /* a document into memory */
	MODE_REQUEST,  /* an API request: any status is an answer */
};

enum verdict {
	V_DONE,
	V_RETRY,   /* a transient failure; `why` says which */
	V_RESTART, /* start the download over at once (its range was refused) */
	V_FAIL,    /* a permanent failure; `why` says which */
	V_ABORT,   /* a local failure or an interrupt; err is filled */
};

struct transfer {
	CURL *curl;
	CURLcode setopt_rc;         /* the first curl_easy_setopt() failure */
	enum mode mode;
	const struct http_options *o;
	const char *method;
	char *shown;                /* the URL without credentials */
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers; /* the caller's, for every attempt */
	struct curl_slist *attempt_headers;

	/* The answer of the current attempt. */
	long status;                /* 0: none yet (or file://) */
	struct buf reason;
	struct strvec rheaders;     /* "name: value", names lowercased */
	size_t header_bytes;
	int header_overflow;
	int started;                /* the body callback has judged the answer */
	int unwanted;               /* the body of this answer was refused */
	int too_big;
	struct error local;         /* a local failure inside a callback */
	int local_failed;

	/* MODE_DOWNLOAD */
	int fd;
	const char *path;
	struct sha256 sha;
	uint64_t offset;            /* bytes in the file */
	uint64_t hashed;            /* bytes of it the digest covers */
	uint64_t from;              /* where this attempt's range starts */
	char *etag;                 /* the strong validator of the first answer, for If-Range */

	/* MODE_GET, MODE_REQUEST */
	struct buf *body;
	size_t base;                /* body->len before the call */
	size_t max;

	/* uploads */
	int upload_fd;
	const char *upload_path;
	uint64_t upload_offset;     /* where the part sent starts in the file */
	uint64_t upload_left;       /* bytes of it still to send in this attempt */
	uint64_t upload_len;

	int progress_shown;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;

static int global_init(struct error *err)
{
	CURLcode rc = CURLE_OK;

	pthread_mutex_lock(&init_lock);
	if (!initialized) {
		rc = curl_global_init(CURL_GLOBAL_DEFAULT);
		initialized = rc == CURLE_OK;
	}
	pthread_mutex_unlock(&init_lock);
	if (rc != CURLE_OK)
		return error_setk(err, ERROR_INTERNAL, "cannot initialise libcurl: %s",
				  curl_easy_strerror(rc));
	return 0;
}

void http_cleanup(void)
{
	pthread_mutex_lock(&init_lock);
	if (initialized)
		curl_global_cleanup();
	initialized = 0;
	pthread_mutex_unlock(&init_lock);
}

/* Record the first failing option; checked once after setup. */
#define SETOPT(t, opt, val)                                                   \
	do {                                                                  \
		CURLcode rc_ = curl_easy_setopt((t)->curl, opt, val);         \
		if (rc_ != CURLE_OK && (t)->setopt_rc == CURLE_OK)            \
			(t)->setopt_rc = rc_;                                 \
	} while (0)

static int is_success(long status)
{
	/* file:// has no status. */
	return status == 0 || (status >= 200 && status < 300);
}

static int is_transient_status(long status)
{
	return status >= 500 || status == 429 || status == 408;
}

static const char *find_header(const struct strvec *h, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < h->nr; i++)
		if (!strncasecmp(h->v[i], name, n) && h->v[i][n] == ':')
			return h->v[i] + n + 1 + (h->v[i][n + 1] == ' ');
	return NULL;
}

/* A decimal number at *p, advancing *p; -1 when there is none or it overflows. */
static int parse_u64(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

/*
 * "bytes FIRST-LAST/TOTAL" or "bytes * /TOTAL" (416); an unknown total ("*")
 * is UINT64_MAX, as is a missing first/last. -1 when malformed.
 */
static int parse_content_range(const char *v, uint64_t *first, uint64_t *last, uint64_t *total)
{
	const char *p = v;

	*first = *last = *total = UINT64_MAX;
	if (!v || strncasecmp(p, "bytes ", 6))
		return -1;
	p += 6;
	if (*p == '*') {
		p++;
	} else if (parse_u64(&p, first) < 0 || *p++ != '-' || parse_u64(&p, last) < 0 ||
		   *last < *first) {
		return -1;
	}
	if (*p++ != '/')
		return -1;
	if (*p == '*')
		return 0;
	return parse_u64(&p, total);
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n, l = len, namelen, i;
	const char *colon, *value, *end;
	struct buf line = BUF_INIT;

	t->header_bytes += len;
	if (t->header_bytes > MAX_HEADER_BYTES) {
		t->header_overflow = 1;
		return 0;
	}
	while (l && (data[l - 1] == '\n' || data[l - 1] == '\r'))
		l--;
	if (l >= 5 && !memcmp(data, "HTTP/", 5)) {
		/* A new answer begins (after a redirect or a 100 Continue). */
		const char *p = memchr(data, ' ', l);
		long code = 0;

		end = data + l;
		strvec_clear(&t->rheaders);
		buf_reset(&t->reason);
		if (p) {
			for (p++; p < end && *p >= '0' && *p <= '9' && code < 1000; p++)
				code = code * 10 + (*p - '0');
			while (p < end && *p == ' ')
				p++;
			buf_add_quoted(&t->reason, p, (size_t)(end - p), 80);
		}
		t->status = code;
		return len;
	}
	colon = memchr(data, ':', l);
	if (!colon || colon == data)
		return len;
	namelen = (size_t)(colon - data);
	for (i = 0; i < namelen; i++) {
		char c = data[i];

		buf_addch(&line, c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	buf_addstr(&line, ": ");
	value = colon + 1;
	end = data + l;
	while (value < end && (*value == ' ' || *value == '\t'))
		value++;
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	buf_add(&line, value, (size_t)(end - value));
	strvec_push(&t->rheaders, line.ptr);
	buf_release(&line);
	return len;
}

/* Hash file bytes [hashed, upto) from disk: the prefix an earlier run left. */
static int hash_prefix(struct transfer *t, uint64_t upto)
{
	char *chunk = xmalloc(HASH_CHUNK);
	int ret = -1;

	while (t->hashed < upto) {
		size_t want = upto - t->hashed < HASH_CHUNK ? (size_t)(upto - t->hashed) : HASH_CHUNK;
		ssize_t r = pread(t->fd, chunk, want, (off_t)t->hashed);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error_errno(&t->local, "cannot read '%s'", t->path);
			goto out;
		}
		if (r == 0) {
			error_setk(&t->local, ERROR_INTERNAL, "'%s' shrank while it was downloaded",
				   t->path);
			goto out;
		}
		sha256_update(&t->sha, chunk, (size_t)r);
		t->hashed += (uint64_t)r;
	}
	ret = 0;
out:
	free(chunk);
	if (ret < 0)
		t->local_failed = 1;
	return ret;
}

/* The answer is the whole resource: empty the file and the digest. */
static int restart_file(struct transfer *t)
{
	if (!t->offset && !t->hashed)
		return 0;
	if (ftruncate(t->fd, 0) < 0 || lseek(t->fd, 0, SEEK_SET) < 0) {
		error_errno(&t->local, "cannot truncate '%s'", t->path);
		t->local_failed = 1;
		return -1;
	}
	sha256_release(&t->sha);
	sha256_init(&t->sha);
	t->offset = t->hashed = 0;
	return 0;
}

/*
 * The first body bytes of an answer arrived (or it ended without any):
 * decide whether they are wanted and, for a download, where they go.
 */
static int start_body(struct transfer *t)
{
	uint64_t first, last, total;

	t->started = 1;
	if (!is_success(t->status)) {
		if (t->mode == MODE_REQUEST)
			return 0;
		t->unwanted = 1;
		return -1;
	}
	if (t->mode != MODE_DOWNLOAD)
		return 0;
	if (t->status == 206) {
		if (parse_content_range(find_header(&t->rheaders, "content-range"), &first, &last,
					&total) < 0 || first != t->from) {
			error_setk(&t->local, ERROR_NETWORK,
				   "cannot download '%s': the server answered 206 with a range that does "
				   "not start at byte %llu", t->shown, (unsigned long long)t->from);
			t->local_failed = 1;
			return -1;
		}
		return hash_prefix(t, t->from);
	}
	if (t->status == 0 && t->from)
		return hash_prefix(t, t->from); /* file:// honoured the range */
	return restart_file(t);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;

	if (sig_pending())
		return 0;
	if (!t->started && start_body(t) < 0)
		return 0;
	if (t->mode == MODE_DOWNLOAD) {
		if (fs_write_all(t->fd, data, len, t->path, &t->local) < 0) {
			t->local_failed = 1;
			return 0;
		}
		sha256_update(&t->sha, data, len);
		t->offset += len;
		t->hashed += len;
		return len;
	}
	if (len > t->max - (t->body->len - t->base) || buf_add(t->body, data, len) < 0) {
		t->too_big = 1;
		return 0;
	}
	return len;
}

static size_t on_read(char *dst, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	ssize_t r;

	if (sig_pending())
		return CURL_READFUNC_ABORT;
	if (size * n > t->upload_left)
		n = (size_t)t->upload_left, size = 1;
	if (!n)
		return 0;
	do
		r = read(t->upload_fd, dst, size * n);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		t->upload_left -= (uint64_t)r;
	if (r < 0) {
		error_errno(&t->local, "cannot read '%s'", t->upload_path);
		t->local_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)r;
}

/* libcurl rewinds the upload when a redirect or a reused connection needs it sent again. */
static int on_seek(void *ctx, curl_off_t offset, int origin)
{
	struct transfer *t = ctx;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > t->upload_len)
		return CURL_SEEKFUNC_CANTSEEK;
	if (lseek(t->upload_fd, (off_t)(t->upload_offset + (uint64_t)offset), SEEK_SET) < 0)
		return CURL_SEEKFUNC_FAIL;
	t->upload_left = t->upload_len - (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct transfer *t = ctx;
	const char *label;

	if (sig_pending())
		return 1;
	if (!t->o->progress)
		return 0;
	label = t->o->label ? t->o->label : t->shown;
	if (t->upload_fd >= 0) {
		out_progress(label, (uint64_t)ulnow, (uint64_t)ultotal);
		t->progress_shown = 1;
	} else if (t->started && !t->unwanted) {
		uint64_t done = t->mode == MODE_DOWNLOAD ? t->offset : (uint64_t)dlnow;
		uint64_t total = (uint64_t)dltotal;

		if (t->mode == MODE_DOWNLOAD && t->status == 206 && total)
			total += t->from;
		out_progress(label, done, total);
		t->progress_shown = 1;
	}
	return 0;
}

static int transfer_open(struct transfer *t, enum mode mode, const char *method, const char *url,
			 const struct http_options *o, struct error *err)
{
	static const struct http_options defaults = HTTP_OPTIONS_INIT;

	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->o = o ? o : &defaults;
	o = t->o;
	t->method = method;
	t->shown = url_strip_credentials(url);
	buf_init(&t->reason, 0);
	strvec_init(&t->rheaders);
	t->fd = -1;
	t->upload_fd = -1;
	if (global_init(err) < 0)
		return -1;
	t->curl = curl_easy_init();
	if (!t->curl)
		return error_setk(err, ERROR_INTERNAL, "cannot create a libcurl handle");

	SETOPT(t, CURLOPT_URL, url);
	/* Only the web; file:// only for a file:// mirror, and never where a server points. */
	SETOPT(t, CURLOPT_PROTOCOLS_STR, o->allow_file ? "http,https,file" : "http,https");
	SETOPT(t, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(t, CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(t, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
	SETOPT(t, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(t, CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(t, CURLOPT_USERAGENT, "slugc/" SLUGC_VERSION);
	/* Threads: no SIGALRM-based DNS timeouts; the threaded resolver needs none. */
	SETOPT(t, CURLOPT_NOSIGNAL, 1L);
	SETOPT(t, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	SETOPT(t, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	SETOPT(t, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	SETOPT(t, CURLOPT_TCP_KEEPALIVE, 1L);
	/* A proxy's "200 Connection established" is not the answer. */
	SETOPT(t, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	SETOPT(t, CURLOPT_ERRORBUFFER, t->errbuf);
	SETOPT(t, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(t, CURLOPT_HEADERDATA, t);
	SETOPT(t, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(t, CURLOPT_WRITEDATA, t);
	SETOPT(t, CURLOPT_NOPROGRESS, 0L);
	SETOPT(t, CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(t, CURLOPT_XFERINFODATA, t);
	return 0;
}

static int transfer_check_setup(struct transfer *t, struct error *err)
{
	if (t->setopt_rc == CURLE_OK)
		return 0;
	return error_setk(err, ERROR_INTERNAL, "cannot set up a request for '%s': %s", t->shown,
			  curl_easy_strerror(t->setopt_rc));
}

static void transfer_release(struct transfer *t)
{
	if (t->progress_shown)
		out_progress_end();
	if (t->curl)
		curl_easy_cleanup(t->curl);
	curl_slist_free_all(t->headers);
	curl_slist_free_all(t->attempt_headers);
	sha256_release(&t->sha);
	buf_release(&t->reason);
	strvec_clear(&t->rheaders);
	free(t->shown);
	free(t->etag);
	memset(t, 0, sizeof(*t));
}

static int add_header(struct curl_slist **list, const char *h, struct error *err)
{
	struct curl_slist *n = curl_slist_append(*list, h);

	if (!n)
		return error_setk(err, ERROR_INTERNAL, "out of memory for a request header");
	*list = n;
	return 0;
}

/* Reset the state of the previous attempt and set what differs per attempt. */
static int begin_attempt(struct transfer *t, struct error *err)
{
	char range[48];

	t->status = 0;
	buf_reset(&t->reason);
	strvec_clear(&t->rheaders);
	t->header_bytes = 0;
	t->header_overflow = t->started = t->unwanted = t->too_big = 0;
	t->errbuf[0] = '\0';

	if (t->mode == MODE_DOWNLOAD) {
		t->from = t->offset;
		/*
		 * CURLOPT_RANGE rather than CURLOPT_RESUME_FROM: libcurl refuses a 200
		 * to a resumed request (CURLE_RANGE_ERROR), but a server without range
		 * support answering 200 is fine here: the file starts over.
		 */
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)t->from);
		SETOPT(t, CURLOPT_RANGE, t->from ? range : NULL);
		curl_slist_free_all(t->attempt_headers);
		t->attempt_headers = NULL;
		for (size_t i = 0; t->o->headers && i < t->o->headers->nr; i++)
			if (add_header(&t->attempt_headers, t->o->headers->v[i], err) < 0)
				return -1;
		if (t->from && t->etag) {
			char *h = xstrfmt("If-Range: %s", t->etag);
			int r = add_header(&t->attempt_headers, h, err);

			free(h);
			if (r < 0)
				return -1;
		}
		SETOPT(t, CURLOPT_HTTPHEADER, t->attempt_headers);
	} else {
		buf_setlen(t->body, t->base);
	}
	if (t->upload_fd >= 0) {
		if (lseek(t->upload_fd, (off_t)t->upload_offset, SEEK_SET) < 0)
			return error_errno(err, "cannot rewind '%s'", t->upload_path);
		t->upload_left = t->upload_len;
	}
	return transfer_check_setup(t, err);
}

/* Why a transfer failed, in words, from libcurl's result. */
static void describe(struct transfer *t, CURLcode rc, struct buf *why)
{
	const char *detail = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
	curl_off_t connect_us = 0;
	long os_errno = 0;
	char *target = NULL;
	struct url u = URL_INIT;
	struct error ignored = ERROR_INIT;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(t->curl, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno == ECONNREFUSED)
			buf_addstr(why, "the connection was refused");
		else
			buf_addf(why, "cannot connect (%s)", detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(t->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
		if (connect_us > 0 || t->header_bytes)
			buf_addf(why, "low-speed timeout: less than %ld bytes/s for %ld s",
				 t->o->low_speed_limit, t->o->low_speed_time);
		else
			buf_addf(why, "no connection within %ld s", t->o->connect_timeout);
		break;
	case CURLE_PARTIAL_FILE:
		buf_addstr(why, "the connection closed before the end of the body");
		break;
	case CURLE_GOT_NOTHING:
		buf_addstr(why, "the server closed the connection without answering");
		break;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		buf_addf(why, "the connection failed (%s)", detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		buf_addf(why, "the server's TLS certificate cannot be trusted (%s)", detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		buf_addf(why, "the TLS handshake failed (%s)", detail);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (t->status >= 300 && t->status < 400) {
			const char *loc = find_header(&t->rheaders, "location");
			char *eff = NULL;

			if (!loc)
				curl_easy_getinfo(t->curl, CURLINFO_EFFECTIVE_URL, &eff);
			target = url_strip_credentials(loc ? loc : eff ? eff : "?");
			buf_addstr(why, "refusing the redirect to '");
			buf_add_quoted(why, target, strlen(target), 200);
			buf_addstr(why, "' (only http and https are followed)");
		} else {
			buf_addf(why, "only %s URLs are allowed",
				 t->o->allow_file ? "http, https and file" : "http and https");
		}
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		buf_addf(why, "more than %ld redirects", MAX_REDIRECTS);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		if (url_parse(&u, t->shown, &ignored) == 0)
			buf_addf(why, "cannot resolve the host name '%s'", u.host);
		else
			buf_addstr(why, detail);
		url_release(&u);
		break;
	case CURLE_FILE_COULDNT_READ_FILE:
		buf_addstr(why, "cannot read the file");
		break;
	default:
		buf_addstr(why, detail);
		break;
	}
	free(target);
}

static int is_transient_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Whether the request certainly never reached the server (safe to send again). */
static int sent_nothing(struct transfer *t, CURLcode rc)
{
	curl_off_t connect_us = 0;

	if (rc == CURLE_COULDNT_CONNECT)
		return 1;
	if (rc != CURLE_OPERATION_TIMEDOUT)
		return 0;
	curl_easy_getinfo(t->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
	return connect_us == 0 && !t->header_bytes;
}

/* Reason phrases for answers that carry none (HTTP/2 has no reason phrase). */
static const struct {
	long status;
	const char *reason;
} reasons[] = {
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 413, "Content Too Large" },
	{ 416, "Range Not Satisfiable" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

static void add_status(struct transfer *t, struct buf *why)
{
	size_t i;

	buf_addf(why, "the server answered %ld", t->status);
	if (t->reason.len) {
		buf_addf(why, " %s", t->reason.ptr);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(reasons); i++)
		if (reasons[i].status == t->status)
			buf_addf(why, " %s", reasons[i].reason);
}

/* Judge an attempt: done, worth another, or over. */
static enum verdict judge(struct transfer *t, CURLcode rc, int idempotent, struct buf *why,
			  long *wait_ms, struct error *err)
{
	uint64_t first, last, total;
	curl_off_t retry_after = 0;

	if (t->local_failed) {
		*err = t->local;
		return V_ABORT;
	}
	if (sig_pending()) {
		sig_check(err);
		return V_ABORT;
	}
	if (t->too_big) {
		struct buf sz = BUF_INIT;

		buf_add_size(&sz, t->max);
		buf_addf(why, "the server answered with more than %s; refusing it", sz.ptr);
		buf_release(&sz);
		return V_FAIL;
	}
	if (t->header_overflow) {
		buf_addf(why, "the server sent more than %d KB of headers", MAX_HEADER_BYTES / 1024);
		return V_FAIL;
	}
	if (t->mode == MODE_DOWNLOAD && t->from &&
	    (t->status == 416 || (t->status == 0 && rc == CURLE_BAD_DOWNLOAD_RESUME))) {
		/* The range starts at or past the end: complete already, or the file changed. */
		if (t->status == 416 &&
		    parse_content_range(find_header(&t->rheaders, "content-range"), &first, &last,
					&total) == 0 && total == t->from) {
			if (hash_prefix(t, t->from) < 0) {
				*err = t->local;
				return V_ABORT;
			}
			return V_DONE;
		}
		if (restart_file(t) < 0) {
			*err = t->local;
			return V_ABORT;
		}
		buf_addstr(why, "the server refused the range; starting over");
		return V_RESTART;
	}
	if (t->status >= 300 && (rc == CURLE_OK || t->unwanted)) {
		/* A complete non-2xx answer (or one whose body we refused). */
		add_status(t, why);
		/* A 429 means the server did nothing: safe to send again, whatever the method. */
		if ((idempotent && is_transient_status(t->status)) || t->status == 429) {
			curl_easy_getinfo(t->curl, CURLINFO_RETRY_AFTER, &retry_after);
			if (retry_after > MAX_RETRY_AFTER) {
				buf_addf(why, " and asked to retry after %lld s",
					 (long long)retry_after);
				return t->mode == MODE_REQUEST ? V_DONE : V_FAIL;
			}
			*wait_ms = retry_after > 0 ? (long)retry_after * 1000 : 0;
			return V_RETRY;
		}
		return t->mode == MODE_REQUEST ? V_DONE : V_FAIL;
	}
	if (rc == CURLE_OK) {
		if (t->mode != MODE_DOWNLOAD)
			return V_DONE;
		if (!t->started && start_body(t) < 0) {
			*err = t->local;
			return V_ABORT;
		}
		if (t->status == 206 &&
		    parse_content_range(find_header(&t->rheaders, "content-range"), &first, &last,
					&total) == 0 && total != UINT64_MAX && last + 1 < total) {
			buf_addf(why, "the server sent bytes %llu-%llu of %llu only",
				 (unsigned long long)first, (unsigned long long)last,
				 (unsigned long long)total);
			return V_RETRY;
		}
		return V_DONE;
	}
	describe(t, rc, why);
	if (is_transient_error(rc) && (idempotent || sent_nothing(t, rc)))
		return V_RETRY;
	return V_FAIL;
}

static void trace_attempt(struct transfer *t, CURLcode rc, enum verdict v, const struct buf *why)
{
	curl_off_t bytes = 0, us = 0;
	struct buf sz = BUF_INIT;

	if (out_level() < OUT_VERBOSE)
		return;
	curl_easy_getinfo(t->curl, CURLINFO_TOTAL_TIME_T, &us);
	if (t->status && (rc == CURLE_OK || t->unwanted)) {
		curl_easy_getinfo(t->curl, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
		buf_add_size(&sz, (unsigned long long)bytes);
		out_trace("http: %s %s -> %ld (%s in %.2f s)", t->method, t->shown, t->status,
			  sz.ptr, (double)us / 1e6);
	} else if (v == V_DONE) {
		curl_easy_getinfo(t->curl, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
		buf_add_size(&sz, (unsigned long long)bytes);
		out_trace("http: %s %s -> ok (%s in %.2f s)", t->method, t->shown, sz.ptr,
			  (double)us / 1e6);
	} else {
		out_trace("http: %s %s -> failed after %.2f s: %s", t->method, t->shown,
			  (double)us / 1e6, why->ptr);
	}
	buf_release(&sz);
}

/* Sleep, waking at least every 100 ms for a signal. */
static long backoff(const struct http_options *o, int retry)
{
	long ms = o->backoff_ms > 0 ? o->backoff_ms : 0;
	int i;

	for (i = 1; i < retry && ms < MAX_BACKOFF_MS; i++)
		ms *= 2;
	return ms < MAX_BACKOFF_MS ? ms : MAX_BACKOFF_MS;
}

/* Keep a strong ETag of the first full answer: later ranges ask for that version only. */
static void remember_validator(struct transfer *t)
{
	const char *etag;

	if (t->etag || t->mode != MODE_DOWNLOAD || (t->status != 200 && t->status != 206))
		return;
	etag = find_header(&t->rheaders, "etag");
	if (etag && etag[0] == '"')
		t->etag = xstrdup(etag);
}

/*
 * The attempts of one call. Returns 0 when done; for MODE_REQUEST also when
 * the retries ran out on an answer (the caller sees that answer).
 */
static int run(struct transfer *t, int idempotent, struct error *err)
{
	int retries = t->o->retries > 0 ? t->o->retries : 0, retry = 0, restarted = 0;
	struct buf why = BUF_INIT;
	int ret = -1;

	for (;;) {
		enum verdict v;
		long wait_ms = 0;
		CURLcode rc;

		if (sig_check(err) < 0 || begin_attempt(t, err) < 0)
			goto out;
		rc = curl_easy_perform(t->curl);
		remember_validator(t);
		buf_reset(&why);
		v = judge(t, rc, idempotent, &why, &wait_ms, err);
		trace_attempt(t, rc, v, &why);
		if (v == V_DONE) {
			ret = 0;
			goto out;
		}
		if (v == V_ABORT)
			goto out;
		if (v == V_RESTART && !restarted) {
			out_trace("http: %s", why.ptr);
			restarted = 1;
			continue;
		}
		if (v == V_RETRY && retry < retries) {
			retry++;
			if (!wait_ms)
				wait_ms = backoff(t->o, retry);
			out_trace("http: retry %d of %d in %ld ms: %s", retry, retries, wait_ms, why.ptr);
			if (sig_sleep_ms(wait_ms, err) < 0)
				goto out;
			continue;
		}
		if (v == V_RETRY && t->mode == MODE_REQUEST && t->status && rc == CURLE_OK) {
			/* The retries ran out on an answer: the caller reads it. */
			ret = 0;
			goto out;
		}
		if (retry)
			buf_addf(&why, " (%d attempts)", retry + 1);
		if (t->mode == MODE_REQUEST)
			error_setk(err, ERROR_NETWORK, "request %s '%s' failed: %s", t->method, t->shown,
				   why.ptr);
		else
			error_setk(err, ERROR_NETWORK, "cannot download '%s': %s", t->shown, why.ptr);
		goto out;
	}
out:
	buf_release(&why);
	return ret;
}

int http_download(const char *url, const char *path, const struct http_options *o,
		  unsigned char sha256[32], uint64_t *size, struct error *err)
{
	struct transfer t;
	unsigned char digest[32];
	int fd = -1, ret = -1;
	off_t end;

	if (transfer_open(&t, MODE_DOWNLOAD, "GET", url, o, err) < 0)
		goto out;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0) {
		error_errno(err, "cannot open '%s'", path);
		goto out;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		error_errno(err, "cannot seek in '%s'", path);
		goto out;
	}
	t.fd = fd;
	t.path = path;
	t.offset = (uint64_t)end;
	sha256_init(&t.sha);
	if (run(&t, 1, err) < 0)
		goto out;
	/* The digest covers the whole file (a 416 "complete" hashes what was on disk). */
	if (hash_prefix(&t, t.offset) < 0) {
		*err = t.local;
		goto out;
	}
	if (fsync(fd) < 0) {
		error_errno(err, "cannot write '%s'", path);
		goto out;
	}
	sha256_final(&t.sha, digest);
	if (sha256)
		memcpy(sha256, digest, sizeof(digest));
	if (size)
		*size = t.offset;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	transfer_release(&t);
	return ret;
}

int http_get(const char *url, size_t max, const struct http_options *o, struct buf *body,
	     struct error *err)
{
	struct transfer t;
	int ret = -1;

	if (transfer_open(&t, MODE_GET, "GET", url, o, err) < 0)
		goto out;
	t.body = body;
	t.base = body->len;
	t.max = max;
	if (run(&t, 1, err) < 0) {
		buf_setlen(body, t.base);
		goto out;
	}
	ret = 0;
out:
	transfer_release(&t);
	return ret;
}

static int has_header(const struct strvec *h, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; h && i < h->nr; i++)
		if (!strncasecmp(h->v[i], name, n) && h->v[i][n] == ':')
			return 1;
	return 0;
}

int http_request(const struct http_request *rq, struct http_response *rs,
		 const struct http_options *o, struct error *err)
{
	const char *method = rq->method ? rq->method : "GET";
	struct transfer t;
	struct stat st;
	size_t i;
	int ret = -1;

	http_response_release(rs);
	if (transfer_open(&t, MODE_REQUEST, method, rq->url, o, err) < 0)
		goto out;
	t.body = &rs->body;
	t.base = 0;
	t.max = rq->max_response ? rq->max_response : HTTP_DEFAULT_MAX_RESPONSE;

	for (i = 0; rq->headers && i < rq->headers->nr; i++)
		if (add_header(&t.headers, rq->headers->v[i], err) < 0)
			goto out;
	/*
	 * No Content-Type unless the caller gives one: libcurl would add a form
	 * type to a body, which S3 pre-signed URLs count in the signature. And no
	 * "Expect: 100-continue": a round trip for nothing, and servers that never
	 * answer it make libcurl wait a second.
	 */
	if (!has_header(rq->headers, "Content-Type") && add_header(&t.headers, "Content-Type:", err) < 0)
		goto out;
	if (add_header(&t.headers, "Expect:", err) < 0)
		goto out;
	SETOPT(&t, CURLOPT_HTTPHEADER, t.headers);

	if (rq->upload_path) {
		t.upload_path = rq->upload_path;
		t.upload_fd = open(rq->upload_path, O_RDONLY | O_CLOEXEC);
		if (t.upload_fd < 0 || fstat(t.upload_fd, &st) < 0) {
			error_errno(err, "cannot open '%s'", rq->upload_path);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			error_setk(err, ERROR_INTERNAL, "cannot upload '%s': not a regular file",
				   rq->upload_path);
			goto out;
		}
		if (rq->upload_offset > (uint64_t)st.st_size ||
		    rq->upload_len > (uint64_t)st.st_size - rq->upload_offset) {
			error_setk(err, ERROR_INTERNAL, "cannot upload bytes %llu+%llu of '%s': it is "
				   "shorter", (unsigned long long)rq->upload_offset,
				   (unsigned long long)rq->upload_len, rq->upload_path);
			goto out;
		}
		t.upload_offset = rq->upload_offset;
		t.upload_len = rq->upload_len ? rq->upload_len
					      : (uint64_t)st.st_size - rq->upload_offset;
		SETOPT(&t, CURLOPT_UPLOAD, 1L);
		SETOPT(&t, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t.upload_len);
		SETOPT(&t, CURLOPT_READFUNCTION, on_read);
		SETOPT(&t, CURLOPT_READDATA, &t);
		SETOPT(&t, CURLOPT_SEEKFUNCTION, on_seek);
		SETOPT(&t, CURLOPT_SEEKDATA, &t);
		if (strcmp(method, "PUT"))
			SETOPT(&t, CURLOPT_CUSTOMREQUEST, method);
	} else if (!strcmp(method, "HEAD")) {
		SETOPT(&t, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "GET") && !rq->body) {
		SETOPT(&t, CURLOPT_HTTPGET, 1L);
	} else {
		SETOPT(&t, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		SETOPT(&t, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		if (strcmp(method, "POST"))
			SETOPT(&t, CURLOPT_CUSTOMREQUEST, method);
	}
	if (run(&t, rq->idempotent, err) < 0) {
		buf_release(&rs->body);
		goto out;
	}
	rs->status = t.status;
	rs->headers = t.rheaders;
	strvec_init(&t.rheaders);
	ret = 0;
out:
	if (t.upload_fd >= 0)
		close(t.upload_fd);
	transfer_release(&t);
	return ret;
}

const char *http_header(const struct http_response *rs, const char *name)
{
	return find_header(&rs->headers, name);
}

void http_response_release(struct http_response *rs)
{
	rs->status = 0;
	buf_release(&rs->body);
	strvec_clear(&rs->headers);
}
