#ifndef SLUGC_NETRC_H
#define SLUGC_NETRC_H

struct error;

/*
 * ~/.netrc (or $NETRC): "machine HOST login USER password SECRET" entries,
 * with "default" as the fallback, "macdef" bodies skipped and double-quoted
 * values allowed, as curl reads it. The password is registered as a secret
 * with the output funnel before this returns, so it can never be printed.
 *
 * Returns 1 and fills *login and *password (caller frees; either may be
 * NULL) when an entry applies, 0 when the file or the entry is missing, and
 * -1 when the file cannot be read.
 */
int netrc_lookup(const char *host, char **login, char **password, struct error *err);

#endif
