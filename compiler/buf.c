#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "xalloc.h"

char buf_empty[1];

void buf_init(struct buf *b, size_t hint)
{
	b->ptr = buf_empty;
	b->len = b->alloc = b->max = 0;
	if (hint)
		buf_grow(b, hint);
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->ptr);
	b->ptr = buf_empty;
	b->len = b->alloc = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (!b->alloc)
		buf_grow(b, 0);
	p = b->ptr;
	if (len)
		*len = b->len;
	b->ptr = buf_empty;
	b->len = b->alloc = 0;
	return p;
}

void buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

void buf_setlen(struct buf *b, size_t len)
{
	if (!b->alloc)
		return;
	b->len = len < b->len ? len : b->len;
	b->ptr[b->len] = '\0';
}

void buf_grow(struct buf *b, size_t extra)
{
	char *old = b->alloc ? b->ptr : NULL;
	size_t need = b->len + extra + 1;

	if (need < b->len)
		abort();
	if (need <= b->alloc)
		return;
	b->ptr = xgrow(old, 1, need, &b->alloc);
	if (!old)
		b->ptr[0] = '\0';
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->max && (len > b->max || b->len > b->max - len))
		return -1;
	buf_grow(b, len);
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_add(b, &ch, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int len;

	va_copy(cp, ap);
	len = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (len < 0)
		return -1;
	if (b->max && ((size_t)len > b->max || b->len > b->max - (size_t)len))
		return -1;
	buf_grow(b, (size_t)len);
	vsnprintf(b->ptr + b->len, (size_t)len + 1, fmt, ap);
	b->len += (size_t)len;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_rtrim(struct buf *b)
{
	while (b->len && (b->ptr[b->len - 1] == ' ' || b->ptr[b->len - 1] == '\t' ||
			  b->ptr[b->len - 1] == '\n' || b->ptr[b->len - 1] == '\r'))
		b->len--;
	if (b->alloc)
		b->ptr[b->len] = '\0';
}

int buf_read_file(struct buf *b, const char *path, size_t max, struct error *err)
{
	size_t oldlen = b->len, oldalloc = b->alloc;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot open '%s'", path);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return error_set(err, "'%s' is a directory, not a file", path);
	}
	for (;;) {
		ssize_t n;

		buf_grow(b, 8192);
		n = read(fd, b->ptr + b->len, b->alloc - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_errno(err, "cannot read '%s'", path);
			goto fail;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
		if (max && b->len - oldlen > max) {
			struct buf sz = BUF_INIT;

			buf_add_size(&sz, max);
			error_set(err, "'%s' is larger than %s; refusing to read it", path, sz.ptr);
			buf_release(&sz);
			goto fail;
		}
	}
	close(fd);
	return 0;
fail:
	close(fd);
	if (oldalloc)
		buf_setlen(b, oldlen);
	else
		buf_release(b);
	return -1;
}

int buf_read_prefix(struct buf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -1;
	buf_grow(b, max);
	do
		n = read(fd, b->ptr + b->len, max);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	b->len += (size_t)n;
	b->ptr[b->len] = '\0';
	return 0;
}

void buf_add_size(struct buf *b, unsigned long long bytes)
{
	static const char *units[] = { "KB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		buf_addf(b, "%llu B", bytes);
		return;
	}
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	buf_addf(b, "%.1f %s", v, units[i]);
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq(u + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

void buf_add_quoted(struct buf *b, const char *s, size_t len, size_t limit)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = b->len;
	size_t i = 0;

	while (i < len) {
		unsigned char c = u[i];
		size_t n;

		if (limit && b->len - start >= limit) {
			buf_addstr(b, "...");
			return;
		}
		if (c == '\n')
			buf_addstr(b, "\\n");
		else if (c == '\r')
			buf_addstr(b, "\\r");
		else if (c == '\t')
			buf_addstr(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_addf(b, "\\x%02x", c);
		else if ((n = utf8_seq(u + i, len - i)) > 0) {
			buf_add(b, u + i, n);
			i += n;
			continue;
		} else
			buf_addf(b, "\\x%02x", c);
		i++;
	}
}

void buf_add_shell_word(struct buf *b, const char *s)
{
	const char *p;

	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			    "_-./:=@%+,") == strlen(s)) {
		buf_addstr(b, s);
		return;
	}
	buf_addch(b, '\'');
	for (p = s; *p; p++)
		if (*p == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addch(b, *p);
	buf_addch(b, '\'');
}
