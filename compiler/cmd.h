#ifndef SLUGC_CMD_H
#define SLUGC_CMD_H

/*
 * The command layer: one cmd_<name>() per subcommand, each in its own
 * cmd_<name>.c, parsing its own options. A command returns 0, or -1 with
 * err filled; main() prints the error and maps its kind to the exit status.
 * argv[0] is the subcommand's name.
 */

struct error;

int cmd_compile(int argc, char **argv, struct error *err);
int cmd_detect(int argc, char **argv, struct error *err);
int cmd_inspect(int argc, char **argv, struct error *err);
int cmd_verify(int argc, char **argv, struct error *err);

/* Shared option helpers (cmd_options.c). */

/* Record a usage error that points at the command's --help. */
int cmd_usage(struct error *err, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Turn getopt_long's '?' or ':' for argv into a usage error. */
int cmd_bad_option(struct error *err, const char *cmd, int c, char **argv);
/* Parse a whole decimal number in [min, max] for option `name`. */
int cmd_parse_uint(const char *arg, const char *name, const char *cmd, unsigned long long min,
		   unsigned long long max, unsigned long long *out, struct error *err);
/* Compression threads: --jobs, else SLUGC_THREADS, else the online cores. */
int cmd_default_jobs(unsigned *out, const char *cmd, struct error *err);

#endif
