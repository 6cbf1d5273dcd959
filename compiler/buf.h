#ifndef SLUGC_BUF_H
#define SLUGC_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct error;

/*
 * A growable byte buffer, always NUL-terminated (ptr[len] == '\0'), so its
 * contents can be used as a C string when they hold no NUL. A buffer starts
 * as BUF_INIT, owns its bytes until buf_release() or buf_detach(), and may
 * carry a cap (max): buf_add() refuses to grow past it and returns -1, which
 * is how network bodies and hostile files stay bounded.
 */
struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
	size_t max; /* 0: no cap */
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0, 0 }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);
/* Take the bytes (always a fresh allocation); the buffer is left empty. */
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
void buf_setlen(struct buf *b, size_t len);
void buf_grow(struct buf *b, size_t extra);

/* Append; -1 when the cap would be exceeded (nothing appended then). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, int c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Remove trailing whitespace. */
void buf_rtrim(struct buf *b);

/*
 * Read a whole file. At most `max` bytes (0: unlimited); a larger file is an
 * error naming it. On failure the buffer is left as it was.
 */
int buf_read_file(struct buf *b, const char *path, size_t max, struct error *err);

/* Whether s[0..len) is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
int utf8_valid(const char *s, size_t len);

/* Read at most the first max bytes of a file (no error for a longer file); -1 if unreadable. */
int buf_read_prefix(struct buf *b, const char *path, size_t max);

/* Append a human-readable size ("1.2 MB", "512 B"), in 1024 steps as Heroku reports them. */
void buf_add_size(struct buf *b, unsigned long long bytes);

/*
 * Append s quoted for a one-line message: control bytes and invalid bytes
 * become \n, \t or \xNN escapes and the result is cut at `limit` bytes with "...".
 */
void buf_add_quoted(struct buf *b, const char *s, size_t len, size_t limit);

/*
 * Append s as one word of a POSIX shell command line: as is when it has only
 * characters no shell treats specially, else in single quotes ('\'' for a quote).
 */
void buf_add_shell_word(struct buf *b, const char *s);

#endif
