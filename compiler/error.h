#ifndef SLUGC_ERROR_H
#define SLUGC_ERROR_H

/*
 * The error record every fallible function fills. A function that can fail
 * returns int (0 on success, -1 on failure) and takes `struct error *err` as
 * its last parameter. Only the command layer prints the message; main() maps
 * the kind to the exit status (usage → 2, everything else → 1).
 */

enum error_kind {
	ERROR_NONE = 0,
	ERROR_USAGE,     /* bad command line: exit 2 */
	ERROR_INPUT,     /* the source, a file or an argument is wrong */
	ERROR_NETWORK,   /* a transfer failed */
	ERROR_API,       /* the Platform API refused */
	ERROR_INTERNAL,  /* a bug or an environment fault (disk, permissions) */
	ERROR_INTERRUPTED, /* SIGINT/SIGTERM arrived */
	ERROR_EXIT,        /* slugc run: pass a command's own exit status on (status) */
};

struct error {
	enum error_kind kind;
	int status;        /* for ERROR_EXIT */
	char msg[1536];
};

#define ERROR_INIT { ERROR_NONE, 0, "" }

/* Record an ERROR_INPUT failure; always returns -1. */
int error_set(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record a failure of the given kind; always returns -1. */
int error_setk(struct error *err, enum error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record a system-call failure: "<what>: strerror(errno)", kind INTERNAL. */
int error_errno(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put context in front of an existing message ("reading 'x': <old>"); returns -1. */
int error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forget a recorded failure. */
void error_clear(struct error *err);

/* Process exit status for a failure of this kind. */
int error_exit_code(const struct error *err);

#endif
