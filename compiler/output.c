#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "strvec.h"
#include "xalloc.h"

static enum out_level level = OUT_NORMAL;
static int json_mode;
static int json_written;               /* out_json() was called */
static size_t progress_width;          /* bytes of the bar on screen; 0: none */
static struct timespec progress_last;  /* when it was last drawn */

void out_setup(enum out_level lvl, int json)
{
	level = lvl;
	json_mode = json;
}

enum out_level out_level(void)
{
	return level;
}

int out_json_mode(void)
{
	return json_mode;
}

int out_is_tty(void)
{
	return isatty(STDERR_FILENO);
}

/*
 * Secrets are matched by value. Rules (docs/security.md, "Secrets never
 * appear in output"):
 *  - under SECRET_MIN (4) bytes: never matched (it would erase ordinary
 *    text, and no real secret is that short); out_secret_redactable() lets
 *    callers warn about such a value;
 *  - plain configuration words (true, no, none, ...): never matched;
 *  - SECRET_MIN to SECRET_ANYWHERE - 1 (7) bytes: matched as a whole token
 *    only, not inside a longer word or number ("1234" in "12345" stays);
 *  - SECRET_ANYWHERE (8) bytes or more: matched anywhere;
 *  - a multi-line value is registered line by line, as output is redacted
 *    a line at a time; a value with '"' or '\' also in its JSON form.
 * Independently of registration, the password of every URL in any line
 * (scheme://user:password@host) is replaced, whatever its length.
 */
#define SECRET_MIN 4
#define SECRET_ANYWHERE 8
#define REDACTED "[REDACTED]"
/* A user name alone may be a token (https://TOKEN@host): one this long is taken for one. */
#define USER_TOKEN_MIN 16

struct secret {
	char *s;
	size_t len;
	int whole_token;
};

static struct secret *secrets;
static size_t nsecrets, alloc_secrets;

static int is_config_word(const char *s, size_t len)
{
	static const char *const words[] = {
		"true", "false", "yes", "no", "on", "off", "null", "none", "nil", "enabled",
		"disabled", "enable", "disable", NULL,
	};
	size_t i;

	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == len && !strncasecmp(s, words[i], len))
			return 1;
	return 0;
}

int out_secret_redactable(const char *secret)
{
	/* A multi-line value is redacted line by line. */
	if (strchr(secret, '\n'))
		return 1;
	return strlen(secret) >= SECRET_MIN || !*secret || is_config_word(secret, strlen(secret));
}

static void add_one(const char *s, size_t len)
{
	size_t i;

	while (len && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len < SECRET_MIN || is_config_word(s, len))
		return;
	for (i = 0; i < nsecrets; i++)
		if (secrets[i].len == len && !memcmp(secrets[i].s, s, len))
			return;
	if (nsecrets == alloc_secrets) {
		alloc_secrets = alloc_secrets ? 2 * alloc_secrets : 16;
		secrets = xrealloc(secrets, alloc_secrets * sizeof(*secrets));
	}
	secrets[nsecrets].s = xstrndup(s, len);
	secrets[nsecrets].len = len;
	secrets[nsecrets].whole_token = len < SECRET_ANYWHERE;
	nsecrets++;
}

void out_add_secret(const char *secret)
{
	const char *line, *nl;
	struct buf j = BUF_INIT;

	if (!secret)
		return;
	for (line = secret; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		add_one(line, nl ? (size_t)(nl - line) : strlen(line));
	}
	/* As a JSON string shows it (--json, error bodies): '"' and '\' escaped. */
	if (!strchr(secret, '\n') && strpbrk(secret, "\"\\")) {
		const char *p;

		for (p = secret; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addch(&j, '\\');
			buf_addch(&j, *p);
		}
		add_one(j.ptr, j.len);
	}
	buf_release(&j);
}

static int is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * The next URL's user information in text[from..len): 1 with *user (up to
 * the ':' or the '@'), *pass (after the ':', or pass_len 0) and *next (where
 * to go on), 0 when there is none. The authority ends at '/', '?', '#',
 * whitespace, a quote or a bracket; its last '@' ends the user information,
 * whose first ':' starts the password.
 */
static int next_userinfo(const char *text, size_t len, size_t from, size_t *user, size_t *user_len,
			 size_t *pass, size_t *pass_len, size_t *next)
{
	while (from + 3 <= len) {
		const char *sep = memmem(text + from, len - from, "://", 3);
		size_t start, end, at = 0, k;
		int scheme;

		if (!sep)
			return 0;
		start = (size_t)(sep - text);
		k = start;
		while (k > 0 && (is_word_char(text[k - 1]) || text[k - 1] == '+' || text[k - 1] == '-' ||
				 text[k - 1] == '.'))
			k--;
		scheme = k < start;
		end = start + 3;
		while (end < len && !strchr("/?#\"'<>()[]{}` \t\r\n", text[end]))
			end++;
		for (k = start + 3; k < end; k++)
			if (text[k] == '@')
				at = k;
		*next = end;
		if (!scheme || !at) {
			from = end > start + 3 ? end : start + 3;
			continue;
		}
		*user = start + 3;
		*pass_len = 0;
		for (k = start + 3; k < at && text[k] != ':'; k++)
			;
		*user_len = k - *user;
		if (k < at) {
			*pass = k + 1;
			*pass_len = at - k - 1;
		}
		return 1;
	}
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Register s[0..len) and, when it differs, its percent-decoded form. */
static void add_with_decoded(const char *s, size_t len)
{
	struct buf d = BUF_INIT;
	size_t i;

	add_one(s, len);
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			buf_addch(&d, hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			buf_addch(&d, s[i]);
		}
	}
	if (d.len != len)
		add_one(d.ptr, d.len);
	buf_release(&d);
}

void out_add_url_secrets(const char *text)
{
	size_t from = 0, user, user_len, pass, pass_len, next, len = strlen(text);

	while (next_userinfo(text, len, from, &user, &user_len, &pass, &pass_len, &next)) {
		if (pass_len)
			add_with_decoded(text + pass, pass_len);
		else if (user_len >= USER_TOKEN_MIN)
			add_with_decoded(text + user, user_len);
		from = next;
	}
}

struct range {
	size_t a, b;
};

static void range_add(struct range **v, size_t *n, size_t *alloc, size_t a, size_t b)
{
	if (*n == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 8;
		*v = xrealloc(*v, *alloc * sizeof(**v));
	}
	(*v)[*n].a = a;
	(*v)[*n].b = b;
	(*n)++;
}

static int range_cmp(const void *x, const void *y)
{
	const struct range *p = x, *q = y;

	return p->a < q->a ? -1 : p->a > q->a;
}

/*
 * Every match is found in the line as it was, then all are replaced at
 * once (overlaps merged): no replacement can create or hide another match.
 */
static void redact(struct buf *b)
{
	struct range *r = NULL;
	struct buf nb = BUF_INIT;
	size_t n = 0, alloc = 0, i, off, user, user_len, pass, pass_len, next;

	for (i = 0; i < nsecrets; i++) {
		const struct secret *s = &secrets[i];
		char *hit;

		for (off = 0; off < b->len && (hit = memmem(b->ptr + off, b->len - off, s->s, s->len));) {
			size_t at = (size_t)(hit - b->ptr);

			off = at + 1;
			if (s->whole_token && ((at > 0 && is_word_char(b->ptr[at - 1])) ||
					       (at + s->len < b->len && is_word_char(b->ptr[at + s->len]))))
				continue;
			range_add(&r, &n, &alloc, at, at + s->len);
			off = at + s->len;
		}
	}
	for (off = 0; next_userinfo(b->ptr, b->len, off, &user, &user_len, &pass, &pass_len, &next);
	     off = next) {
		if (pass_len && !(pass_len == strlen(REDACTED) && !memcmp(b->ptr + pass, REDACTED, pass_len)))
			range_add(&r, &n, &alloc, pass, pass + pass_len);
		else if (!pass_len && user_len >= USER_TOKEN_MIN)
			range_add(&r, &n, &alloc, user, user + user_len);
	}
	if (!n)
		return;
	qsort(r, n, sizeof(*r), range_cmp);
	off = 0;
	for (i = 0; i < n; i++) {
		size_t start = r[i].a, end = r[i].b;

		while (i + 1 < n && r[i + 1].a < end) {
			i++;
			if (r[i].b > end)
				end = r[i].b;
		}
		buf_add(&nb, b->ptr + off, start - off);
		buf_addstr(&nb, REDACTED);
		off = end;
	}
	buf_add(&nb, b->ptr + off, b->len - off);
	buf_release(b);
	*b = nb;
	free(r);
}

char *out_redact(const char *s)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, s);
	redact(&b);
	return buf_detach(&b, NULL);
}

/* Erase the bar so that a line printed meanwhile starts at column 0 of a clean line. */
static void progress_clear(void)
{
	if (!progress_width)
		return;
	fprintf(stderr, "\r%*s\r", (int)progress_width, "");
	fflush(stderr);
	progress_width = 0;
}

static void emit(FILE *f, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void emit(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	progress_clear();
	buf_addstr(&b, prefix);
	buf_vaddf(&b, fmt, ap);
	redact(&b);
	buf_addch(&b, '\n');
	fwrite(b.ptr, 1, b.len, f);
	fflush(f);
	buf_release(&b);
}

/* As pack and the heroku CLI do: with --json, the human log goes to stderr, stdout holds only JSON. */
void out_step(const char *fmt, ...)
{
	va_list ap;

	if (level < OUT_NORMAL)
		return;
	va_start(ap, fmt);
	emit(json_mode ? stderr : stdout, "-----> ", fmt, ap);
	va_end(ap);
}

void out_info(const char *fmt, ...)
{
	va_list ap;

	if (level < OUT_NORMAL)
		return;
	va_start(ap, fmt);
	emit(json_mode ? stderr : stdout, "       ", fmt, ap);
	va_end(ap);
}

void out_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(stderr, " !     ", fmt, ap);
	va_end(ap);
}

void out_trace(const char *fmt, ...)
{
	va_list ap;

	if (level < OUT_VERBOSE)
		return;
	va_start(ap, fmt);
	emit(stderr, "trace: ", fmt, ap);
	va_end(ap);
}

static void emit_plain(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit_plain(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(f, "", fmt, ap);
	va_end(ap);
}

void out_error(const char *cmd, const struct error *err)
{
	char line[sizeof(err->msg)];
	char *p;

	/* One line, whatever a server or a file put into the message. */
	memcpy(line, err->msg, sizeof(line));
	for (p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (cmd)
		emit_plain(stderr, "slugc %s: %s", cmd, line);
	else
		emit_plain(stderr, "slugc: %s", line);
}

void out_json(const char *doc)
{
	json_written = 1;
	emit_plain(stdout, "%s", doc);
}

int out_json_written(void)
{
	return json_written;
}

void out_text(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	progress_clear();
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	redact(&b);
	fwrite(b.ptr, 1, b.len, stdout);
	fflush(stdout);
	buf_release(&b);
}

void out_progress(const char *label, uint64_t done, uint64_t total)
{
	struct buf line = BUF_INIT;
	struct timespec now;
	char *shown;
	long ms;

	/* -q, and --json (its log goes to stderr as lines a program reads): no bar. */
	if (level < OUT_NORMAL || json_mode)
		return;
	/* Throttle before anything else: libcurl calls this for every chunk. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(now.tv_sec - progress_last.tv_sec) * 1000 +
	     (now.tv_nsec - progress_last.tv_nsec) / 1000000;
	if (progress_width && ms >= 0 && ms < 200)
		return;
	if (!out_is_tty())
		return;
	progress_last = now;
	/* Redact before cutting, so no cut can leave part of a secret. */
	shown = out_redact(label ? label : "");
	buf_addstr(&line, "       ");
	buf_add_quoted(&line, shown, strlen(shown), 40);
	buf_addstr(&line, "  ");
	buf_add_size(&line, done);
	if (total) {
		buf_addstr(&line, " / ");
		buf_add_size(&line, total);
		buf_addf(&line, " (%.0f%%)", done >= total ? 100.0 : (double)done * 100 / (double)total);
	}
	while (line.len < progress_width)
		buf_addch(&line, ' ');
	fputc('\r', stderr);
	fwrite(line.ptr, 1, line.len, stderr);
	fflush(stderr);
	progress_width = line.len;
	buf_release(&line);
	free(shown);
}

void out_progress_end(void)
{
	progress_clear();
}

void out_release(void)
{
	size_t i;

	for (i = 0; i < nsecrets; i++)
		free(secrets[i].s);
	free(secrets);
	secrets = NULL;
	nsecrets = alloc_secrets = 0;
	level = OUT_NORMAL;
	json_mode = 0;
	json_written = 0;
}

double out_seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}
