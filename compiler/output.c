#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "strvec.h"
#include "xalloc.h"

static enum out_level level = OUT_NORMAL;
static int json_mode;
static int json_written;               /* out_json() was called */
static struct strvec secrets = STRVEC_INIT;
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

void out_add_secret(const char *secret)
{
	/* Very short strings would redact ordinary words; no real token is that short. */
	if (!secret || strlen(secret) < 4 || strvec_find(&secrets, secret) >= 0)
		return;
	strvec_push(&secrets, secret);
}

static void redact(struct buf *b)
{
	size_t i;

	for (i = 0; i < secrets.nr; i++) {
		const char *s = secrets.v[i];
		size_t slen = strlen(s);
		char *hit;

		while ((hit = memmem(b->ptr, b->len, s, slen))) {
			struct buf nb = BUF_INIT;
			size_t off = (size_t)(hit - b->ptr);

			buf_add(&nb, b->ptr, off);
			buf_addstr(&nb, "[REDACTED]");
			buf_add(&nb, hit + slen, b->len - off - slen);
			buf_release(b);
			*b = nb;
		}
	}
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

	if (level < OUT_NORMAL)
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
	strvec_clear(&secrets);
	level = OUT_NORMAL;
	json_mode = 0;
	json_written = 0;
}
