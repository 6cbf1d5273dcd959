#ifndef SLUGC_OUTPUT_H
#define SLUGC_OUTPUT_H

#include <stdarg.h>
#include <stdint.h>

struct error;

/*
 * The one output funnel. Every line slugc shows goes through here: buildpack
 * style steps ("-----> ...") and sub-steps on stdout, warnings and traces on
 * stderr. Registered secrets are redacted here and nowhere else. In --json
 * mode the human lines go to stderr instead, so stdout carries exactly the
 * one document given to out_json() (on failure, main() writes one).
 */

enum out_level {
	OUT_QUIET = 0,   /* -q: warnings and errors only */
	OUT_NORMAL = 1,
	OUT_VERBOSE = 2, /* -v: also traces */
};

void out_setup(enum out_level level, int json);
enum out_level out_level(void);
int out_json_mode(void);
/* Whether stderr is a terminal (progress bars and colour only then). */
int out_is_tty(void);

void out_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Seconds since *t0, a CLOCK_MONOTONIC time: the durations -v traces. */
struct timespec;
double out_seconds_since(const struct timespec *t0);
/* One line on stderr: "slugc: <message>" (or "slugc <cmd>: ..."). */
void out_error(const char *cmd, const struct error *err);
/* The single JSON document of --json mode (a newline is added). */
void out_json(const char *doc);
/* Whether out_json() was called (main() writes the error document otherwise). */
int out_json_written(void);
/* Text printed as is on stdout, redacted (help, tables). */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A progress bar on stderr, redrawn in place ("\r") at most five times a
 * second: `label` (redacted), bytes done and, when total is not 0, of how
 * many. Only on a terminal, and never with -q. Any other line
 * printed meanwhile clears it first; out_progress_end() clears it for good.
 */
void out_progress(const char *label, uint64_t done, uint64_t total);
void out_progress_end(void);

/*
 * Never show this string again; every later line has it replaced by
 * "[REDACTED]": anywhere when 8 bytes or longer, as a whole token when 4 to
 * 7, not at all when shorter or a plain word ("true", "none"); each line of
 * a multi-line value on its own. The passwords of URLs in any line
 * (scheme://user:password@...), and user names alone of 16 bytes or more
 * (scheme://TOKEN@...), are redacted without being registered.
 */
void out_add_secret(const char *secret);
/*
 * Register the credentials of every URL in text: each password (as written
 * and percent-decoded), and a user name alone of 16 bytes or more (a token).
 */
void out_add_url_secrets(const char *text);
/* Whether out_add_secret() can hide this value (else: too short to match safely). */
int out_secret_redactable(const char *secret);
/* Redact registered secrets in a copy of s (caller frees). */
char *out_redact(const char *s);
/* Forget secrets and settings (end of main). */
void out_release(void);

#endif
