#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vset(struct error *err, enum error_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vset(struct error *err, enum error_kind kind, const char *fmt, va_list ap)
{
	err->kind = kind;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int error_set(struct error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, ERROR_INPUT, fmt, ap);
	va_end(ap);
	return -1;
}

int error_setk(struct error *err, enum error_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int error_errno(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vset(err, saved == ENOSPC || saved == EACCES || saved == EPERM || saved == ENOENT ||
			saved == EROFS || saved == EDQUOT ? ERROR_INPUT : ERROR_INTERNAL,
	     fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t len;
	va_list ap;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", old);
	if (err->kind == ERROR_NONE)
		err->kind = ERROR_INTERNAL;
	return -1;
}

void error_clear(struct error *err)
{
	err->kind = ERROR_NONE;
	err->msg[0] = '\0';
}

int error_exit_code(const struct error *err)
{
	switch (err->kind) {
	case ERROR_NONE:
		return 0;
	case ERROR_USAGE:
		return 2;
	case ERROR_INTERRUPTED:
		return 130;
	case ERROR_EXIT:
		return err->status;
	default:
		return 1;
	}
}
