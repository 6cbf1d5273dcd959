#ifndef SLUGC_CHILD_H
#define SLUGC_CHILD_H

#include <sys/types.h>

#include "buf.h"
#include "strvec.h"

struct error;

/*
 * Child processes, the one way slugc runs a program (npm, go, bundle, a
 * slug's command):
 *
 *   struct child c = CHILD_INIT;
 *   strvec_push(&c.argv, "npm"); strvec_push(&c.argv, "ci");
 *   c.dir = app_dir; (fill c.env, or leave it empty to inherit)
 *   if (child_run(&c, err) < 0) ...
 *   child_release(&c);
 *
 * The child runs in its own process group with stdin from /dev/null and
 * stdout and stderr merged into one pipe. Each line it prints is shown
 * indented under the current step (through the output funnel, so secrets
 * are redacted and -q/--json silence it) unless `quiet`, and the last lines
 * are kept for the error message. A SIGINT or SIGTERM to slugc terminates
 * the whole group (SIGTERM, then SIGKILL after a grace period) and fails
 * with ERROR_INTERRUPTED. With `passthrough` the child shares slugc's
 * terminal instead (slugc run), and signals are forwarded to it.
 */
struct child {
	struct strvec argv;  /* argv[0] is looked up in the PATH of env */
	struct strvec env;   /* "NAME=value"; empty: inherit slugc's environment */
	const char *dir;     /* working directory, or NULL */
	int quiet;           /* do not show the output, only keep its tail */
	int passthrough;     /* inherit stdin/stdout/stderr; forward signals */
	const char *what;    /* how the step is named in messages; default: argv joined */
	unsigned timeout;    /* seconds; 0: none. Past it the group is stopped and the step fails */
	struct buf *capture; /* when set, every output line is appended here too (capped at 1 MB) */

	pid_t pid;
	int out_fd;
	struct buf tail;     /* the last lines of output */
	int status;          /* exit status, or 128 + signal */
};

#define CHILD_INIT { STRVEC_INIT, STRVEC_INIT, NULL, 0, 0, NULL, 0, NULL, -1, -1, BUF_INIT, 0 }

int child_start(struct child *c, struct error *err);
/*
 * Wait for the child, relaying its output. A non-zero exit fails with
 * "'<what>' failed with exit status N; last output: ...".
 */
int child_finish(struct child *c, struct error *err);
/* child_start() and child_finish(). */
int child_run(struct child *c, struct error *err);
void child_release(struct child *c);

/* Set NAME=value in an environment vector (replacing an existing NAME). */
void env_set(struct strvec *env, const char *name, const char *value);
/* The value of NAME in an environment vector, or NULL. */
const char *env_get(const struct strvec *env, const char *name);

#endif
