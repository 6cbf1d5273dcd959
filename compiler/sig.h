#ifndef SLUGC_SIG_H
#define SLUGC_SIG_H

struct error;

/*
 * Interrupts. SIGINT, SIGTERM and SIGHUP set a flag instead of killing the
 * process, so a long stage can stop at its next check, return an
 * ERROR_INTERRUPTED error and let every cleanup label run (temp files
 * removed, children killed, locks released). Later signals are caught too,
 * so cleanup always finishes: a second one only makes slugc kill its
 * children at once instead of giving them a grace period (SIGKILL or
 * SIGQUIT stop slugc without cleanup). main() re-raises the first signal
 * after cleanup so the parent sees the real cause.
 */

void sig_install(void);
/* The pending signal number, or 0. */
int sig_pending(void);
/* How many signals arrived (0, 1, or more: hurry). */
int sig_count(void);
/* If a signal is pending, fill err and return -1; else 0. */
int sig_check(struct error *err);
/* Sleep `ms` milliseconds, waking within 100 ms for a pending signal (then -1, as sig_check). */
int sig_sleep_ms(long ms, struct error *err);
/* Restore the default action and raise the pending signal (end of main). */
void sig_reraise(void);

#endif
