#ifndef SLUGC_SIG_H
#define SLUGC_SIG_H

struct error;

/*
 * Interrupts. SIGINT, SIGTERM and SIGHUP set a flag instead of killing the
 * process, so a long stage can stop at its next check, return an
 * ERROR_INTERRUPTED error and let every cleanup label run (temp files
 * removed, children killed, locks released). A second signal of the same
 * kind kills at once. main() re-raises the signal after cleanup so the
 * parent sees the real cause.
 */

void sig_install(void);
/* The pending signal number, or 0. */
int sig_pending(void);
/* If a signal is pending, fill err and return -1; else 0. */
int sig_check(struct error *err);
/* Sleep `ms` milliseconds, waking within 100 ms for a pending signal (then -1, as sig_check). */
int sig_sleep_ms(long ms, struct error *err);
/* Restore the default action and raise the pending signal (end of main). */
void sig_reraise(void);

#endif
