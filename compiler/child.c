/*
 * Child processes (contract in child.h).
 *
 * Invariants:
 *  1. A started child is always waited for before child_finish() returns,
 *     whatever happened, so no zombie and no stray process group remains:
 *     when the child exits, what it left running in its group is killed
 *     before it is reaped (its PID, the group's ID, cannot be reused yet).
 *  2. Only this file forks, execs and waits.
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "output.h"
#include "sig.h"
#include "xalloc.h"

#define TAIL_LINES 12
#define CAPTURE_MAX (1024 * 1024)
#define LINE_MAX_SHOWN 4096
#define GRACE_SECONDS 5

void env_set(struct strvec *env, const char *name, const char *value)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->nr; i++) {
		if (!strncmp(env->v[i], name, n) && env->v[i][n] == '=') {
			free(env->v[i]);
			env->v[i] = xstrfmt("%s=%s", name, value);
			return;
		}
	}
	strvec_pushf(env, "%s=%s", name, value);
}

const char *env_get(const struct strvec *env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->nr; i++)
		if (!strncmp(env->v[i], name, n) && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

/* argv[0] found in the PATH the child will have (execvpe() uses the parent's). */
static char *resolve_program(const struct child *c)
{
	const char *prog = c->argv.v[0];
	const char *path = c->env.nr ? env_get(&c->env, "PATH") : getenv("PATH");
	const char *p;

	if (strchr(prog, '/') || !path)
		return xstrdup(prog);
	for (p = path; *p;) {
		size_t n = strcspn(p, ":");
		char *cand = xstrfmt("%.*s/%s", (int)n, n ? p : ".", prog);

		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n;
		if (*p == ':')
			p++;
	}
	return xstrdup(prog);
}

static char *describe(const struct child *c)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (c->what)
		return xstrdup(c->what);
	for (i = 0; i < c->argv.nr; i++) {
		if (i)
			buf_addch(&b, ' ');
		buf_addstr(&b, c->argv.v[i]);
	}
	return buf_detach(&b, NULL);
}

int child_start(struct child *c, struct error *err)
{
	int pipefd[2] = { -1, -1 };
	char *prog = NULL, *what;
	pid_t pid;

	if (!c->argv.nr)
		return error_setk(err, ERROR_INTERNAL, "child_start() without a program");
	if (!c->passthrough && pipe2(pipefd, O_CLOEXEC) < 0)
		return error_errno(err, "cannot create a pipe");
	prog = resolve_program(c);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		what = describe(c);
		error_errno(err, "cannot start '%s'", what);
		free(what);
		free(prog);
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return -1;
	}
	if (pid == 0) {
		/* The child: its own process group, so an interrupt can stop everything it starts. */
		struct sigaction dfl;
		int devnull;

		setpgid(0, 0);
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		if (!c->passthrough) {
			devnull = open("/dev/null", O_RDONLY);
			if (devnull >= 0)
				dup2(devnull, 0);
			dup2(pipefd[1], 1);
			dup2(pipefd[1], 2);
		}
		if (c->dir && chdir(c->dir) < 0) {
			dprintf(2, "slugc: cannot enter '%s': %s\n", c->dir, strerror(errno));
			_exit(127);
		}
		if (c->env.nr)
			execve(prog, c->argv.v, c->env.v);
		else
			execv(prog, c->argv.v);
		dprintf(2, "slugc: cannot run '%s': %s\n", c->argv.v[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* Both sides set the group: whichever runs first, it exists before any kill(). */
	setpgid(pid, pid);
	free(prog);
	c->pid = pid;
	if (!c->passthrough) {
		close(pipefd[1]);
		c->out_fd = pipefd[0];
	}
	return 0;
}

/* Keep the last TAIL_LINES lines in c->tail, "\n"-separated. */
static void remember(struct child *c, const char *line, size_t n)
{
	unsigned lines = 0;
	size_t i;

	if (c->capture && c->capture->len + n < CAPTURE_MAX) {
		buf_add(c->capture, line, n);
		buf_addch(c->capture, '\n');
	}
	buf_add(&c->tail, line, n);
	buf_addch(&c->tail, '\n');
	for (i = c->tail.len; i > 0; i--)
		if (c->tail.ptr[i - 1] == '\n' && ++lines > TAIL_LINES) {
			memmove(c->tail.ptr, c->tail.ptr + i, c->tail.len - i);
			buf_setlen(&c->tail, c->tail.len - i);
			break;
		}
}

static void emit_line(struct child *c, const char *line, size_t n)
{
	if (n > LINE_MAX_SHOWN)
		n = LINE_MAX_SHOWN;
	if (n && line[n - 1] == '\r')
		n--;
	if (!n)
		return; /* blank lines only spread the log out */
	remember(c, line, n);
	if (!c->quiet)
		out_info("%.*s", (int)n, line);
}

/* Read what is available; 0 at end of output. */
static int relay(struct child *c, struct buf *pending)
{
	char chunk[8192];
	ssize_t n = read(c->out_fd, chunk, sizeof(chunk));
	char *nl;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0) {
		if (pending->len)
			emit_line(c, pending->ptr, pending->len);
		buf_reset(pending);
		return 0;
	}
	buf_add(pending, chunk, (size_t)n);
	while ((nl = memchr(pending->ptr, '\n', pending->len))) {
		size_t len = (size_t)(nl - pending->ptr);

		emit_line(c, pending->ptr, len);
		memmove(pending->ptr, nl + 1, pending->len - len - 1);
		buf_setlen(pending, pending->len - len - 1);
	}
	/* A line longer than we show is flushed in pieces. */
	if (pending->len > LINE_MAX_SHOWN) {
		emit_line(c, pending->ptr, pending->len);
		buf_reset(pending);
	}
	return 1;
}

/* Stop the child's group: SIGTERM, then SIGKILL if it lingers or another signal arrives. */
static void terminate(struct child *c, int *status)
{
	time_t deadline = time(NULL) + GRACE_SECONDS;

	kill(-c->pid, SIGTERM);
	while (waitpid(c->pid, status, WNOHANG) == 0) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };

		if (time(NULL) >= deadline || sig_count() > 1) {
			kill(-c->pid, SIGKILL);
			waitpid(c->pid, status, 0);
			break;
		}
		nanosleep(&pause, NULL);
	}
	/* Whatever the group left behind goes too. */
	kill(-c->pid, SIGKILL);
}

/*
 * Once the child itself has exited (seen without reaping it, so its PID and
 * so its group ID cannot be reused yet), kill what it left running in its
 * group: a build step's background jobs must not outlive the build, nor hold
 * its output pipe open. 1 done, 0 the child is still running.
 */
static int kill_leftovers(struct child *c)
{
	siginfo_t si;

	si.si_pid = 0;
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || !si.si_pid)
		return 0;
	kill(-c->pid, SIGKILL);
	return 1;
}

/* Whether `limit` seconds have passed since start (monotonic clock). */
static int timed_out_since(const struct timespec *start, unsigned limit)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - start->tv_sec >= (time_t)limit;
}

static int wait_passthrough(struct child *c, int *status, int *interrupted)
{
	int forwarded = 0, killed = 0;

	for (;;) {
		pid_t r = waitpid(c->pid, status, WNOHANG);
		struct timespec pause = { 0, 20 * 1000 * 1000 };

		if (r == c->pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (sig_pending() && !forwarded) {
			/* Forward the signal, as a shell would; the child decides how to stop. */
			kill(-c->pid, sig_pending());
			forwarded = 1;
			*interrupted = 1;
		}
		if (sig_count() > 1 && !killed) {
			/* A second signal: stop now (slugc itself still cleans up). */
			kill(-c->pid, SIGKILL);
			killed = 1;
		}
		nanosleep(&pause, NULL);
	}
}

int child_finish(struct child *c, struct error *err)
{
	struct buf pending = BUF_INIT;
	int status = 0, interrupted = 0, timed_out = 0, ret = -1;
	struct timespec start;
	char *what;

	clock_gettime(CLOCK_MONOTONIC, &start);

	if (c->passthrough) {
		if (wait_passthrough(c, &status, &interrupted) < 0) {
			error_errno(err, "cannot wait for a child");
			goto out;
		}
	} else {
		int exited = 0;

		for (;;) {
			struct pollfd p = { c->out_fd, POLLIN, 0 };
			int r = poll(&p, 1, 200);

			if (sig_pending()) {
				interrupted = 1;
				terminate(c, &status);
				break;
			}
			if (c->timeout && timed_out_since(&start, c->timeout)) {
				timed_out = 1;
				terminate(c, &status);
				break;
			}
			if (!exited)
				exited = kill_leftovers(c);
			if (r > 0 && !relay(c, &pending)) {
				struct timespec pause = { 0, 20 * 1000 * 1000 };

				/* Output ended: the child exits next (a signal still stops it). */
				while (!exited && !sig_pending() &&
				       !(c->timeout && timed_out_since(&start, c->timeout))) {
					nanosleep(&pause, NULL);
					exited = kill_leftovers(c);
				}
				if (!exited) {
					if (sig_pending())
						interrupted = 1;
					else
						timed_out = 1;
					terminate(c, &status);
					break;
				}
				waitpid(c->pid, &status, 0);
				break;
			}
		}
	}
	c->status = WIFEXITED(status) ? WEXITSTATUS(status)
		    : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	c->pid = -1;
	/*
	 * Interrupted: a build step was stopped by us; a passed-through process
	 * got the signal and, if it died of it, that is the expected end.
	 */
	if (interrupted && (!c->passthrough ||
			    (WIFSIGNALED(status) && (WTERMSIG(status) == sig_pending() || sig_count() > 1)))) {
		sig_check(err);
		goto out;
	}
	if (timed_out) {
		what = describe(c);
		error_set(err, "'%s' did not finish within %u seconds and was stopped (--timeout)",
			  what, c->timeout);
		free(what);
		goto out;
	}
	if (c->status) {
		struct buf last = BUF_INIT;
		size_t i;

		what = describe(c);
		/*
		 * The output was shown as it came: the error does not repeat it.
		 * Unshown (-q, a quiet step), its tail goes into the one error
		 * line, joined with " | ".
		 */
		for (i = 0; (c->quiet || out_level() < OUT_NORMAL) && i < c->tail.len; i++) {
			if (c->tail.ptr[i] != '\n')
				buf_addch(&last, c->tail.ptr[i]);
			else if (i + 1 < c->tail.len)
				buf_addstr(&last, " | ");
		}
		buf_rtrim(&last);
		if (WIFSIGNALED(status))
			error_set(err, "'%s' was killed by signal %d%s%s", what, WTERMSIG(status),
				  last.len ? "; last output: " : "", last.ptr);
		else
			error_set(err, "'%s' failed with exit status %d%s%s", what, c->status,
				  last.len ? "; last output: " : "", last.ptr);
		free(what);
		buf_release(&last);
		goto out;
	}
	ret = 0;
out:
	if (c->out_fd >= 0)
		close(c->out_fd);
	c->out_fd = -1;
	buf_release(&pending);
	return ret;
}

int child_run(struct child *c, struct error *err)
{
	if (child_start(c, err) < 0)
		return -1;
	return child_finish(c, err);
}

void child_release(struct child *c)
{
	if (c->pid > 0) {
		int status;

		terminate(c, &status);
	}
	if (c->out_fd >= 0)
		close(c->out_fd);
	strvec_clear(&c->argv);
	strvec_clear(&c->env);
	buf_release(&c->tail);
	c->pid = -1;
	c->out_fd = -1;
}
