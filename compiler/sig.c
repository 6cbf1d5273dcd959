#include "sig.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "error.h"

static volatile sig_atomic_t pending, count;

/*
 * Every signal stays caught: a second SIGTERM (timeout(1) and then a
 * process-group kill, or a dyno stop) arriving while cleanup removes a
 * temporary tree must not kill slugc half-way and leave the tree behind.
 * The first one decides how slugc ends; later ones only hurry it (sig_count).
 */
static void on_signal(int signo)
{
	if (!pending)
		pending = signo;
	if (count < 1000)
		count++;
}

void sig_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	unsigned i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* A closed pipe is reported by write() as EPIPE, with the file named. */
	signal(SIGPIPE, SIG_IGN);
}

int sig_pending(void)
{
	return pending;
}

int sig_count(void)
{
	return count;
}

int sig_check(struct error *err)
{
	if (!pending)
		return 0;
	return error_setk(err, ERROR_INTERRUPTED, "interrupted by %s",
			  pending == SIGINT ? "SIGINT" : pending == SIGTERM ? "SIGTERM" : "SIGHUP");
}

void sig_reraise(void)
{
	int signo = pending;

	if (!signo)
		return;
	signal(signo, SIG_DFL);
	raise(signo);
}

int sig_sleep_ms(long ms, struct error *err)
{
	while (ms > 0) {
		long step = ms < 100 ? ms : 100;
		struct timespec ts = { 0, step * 1000000L };

		if (sig_check(err) < 0)
			return -1;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return sig_check(err);
}
