#ifndef SLUGC_CMD_H
#define SLUGC_CMD_H

/*
 * The command layer: one cmd_<name>() per subcommand, each in its own
 * cmd_<name>.c, parsing its own options. A command returns 0, or -1 with
 * err filled; main() prints the error and maps its kind to the exit status.
 * argv[0] is the subcommand's name.
 */

#include <getopt.h>

#include "build.h"
#include "output.h"
#include "strvec.h"

struct error;
struct unpack_limits;


int cmd_compile(int argc, char **argv, struct error *err);
int cmd_detect(int argc, char **argv, struct error *err);
int cmd_inspect(int argc, char **argv, struct error *err);
int cmd_resolve(int argc, char **argv, struct error *err);
int cmd_cache(int argc, char **argv, struct error *err);
int cmd_run(int argc, char **argv, struct error *err);
int cmd_verify(int argc, char **argv, struct error *err);
int cmd_publish(int argc, char **argv, struct error *err);
int cmd_deploy(int argc, char **argv, struct error *err);
int cmd_promote(int argc, char **argv, struct error *err);
int cmd_releases(int argc, char **argv, struct error *err);
int cmd_image(int argc, char **argv, struct error *err);
int cmd_buildpacks(int argc, char **argv, struct error *err);
int cmd_completion(int argc, char **argv, struct error *err);

/* The command table (main.c): every subcommand's name, function and summary. */
struct cmd_row {
	const char *name;
	int (*fn)(int argc, char **argv, struct error *err);
	const char *summary;
};
const struct cmd_row *cmd_table(size_t *nr);

/* Shared option helpers (cmd_options.c). */

/* Record a usage error that points at the command's --help. */
int cmd_usage(struct error *err, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Exactly one operand, `what` (e.g. "SOURCE"), after the options: argv[optind]. */
int cmd_one_operand(int argc, char **argv, const char *cmd, const char *what, struct error *err);
/*
 * getopt_long() without its prefix matching: an abbreviated long option
 * ("--out" for "--output") comes back as '?', and cmd_bad_option() names
 * the full option. Every command parses through this.
 */
int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/*
 * Whether the command line being parsed asks for --json (an option of this
 * command, not an option's value): main() then writes a usage error found
 * while parsing options as the JSON error document too.
 */
int cmd_json_asked(void);
/* The name in names[] within two edits of word (a typo), or NULL. */
const char *cmd_suggest(const char *word, const char *const *names, size_t nr);
/* Turn cmd_getopt's '?' or ':' for argv into a usage error ("did you mean" for a typo). */
int cmd_bad_option(struct error *err, const char *cmd, int c, char **argv);
/* Parse a whole decimal number in [min, max] for option `name`. */
int cmd_parse_uint(const char *arg, const char *name, const char *cmd, unsigned long long min,
		   unsigned long long max, unsigned long long *out, struct error *err);
/* Compression threads: --jobs, else SLUGC_THREADS, else the online cores. */
int cmd_default_jobs(unsigned *out, const char *cmd, struct error *err);
/* "lang=value" for --mirror and --runtime-sha256: lang is nodejs, go or ruby ("node" too). */
int cmd_lang_value(const char *arg, const char *name, const char *cmd, struct strvec *list,
		   struct error *err);

/*
 * --max-unpacked SIZE and --max-entries N: the caps on what an archive may
 * expand to, one spelling for every command that reads one (compile, deploy,
 * run, inspect, verify). Add CMD_UNPACK_LONGOPTS to a command's options and
 * cmd_unpack_help to its --help; cmd_unpack_option() is 1 when c was one of
 * them (applied), 0 when not, -1 on a bad value.
 */
enum { CMD_OPT_MAX_UNPACKED = 1000, CMD_OPT_MAX_ENTRIES };
#define CMD_UNPACK_LONGOPTS \
	{ "max-unpacked", required_argument, NULL, CMD_OPT_MAX_UNPACKED }, \
	{ "max-entries", required_argument, NULL, CMD_OPT_MAX_ENTRIES }
extern const char cmd_unpack_help[];
int cmd_unpack_option(struct unpack_limits *l, int c, const char *cmd, struct error *err);
/* "4G", "500M", "1048576": bytes with an optional K, M, G or T (powers of 1024). */
int cmd_parse_size(const char *arg, const char *name, const char *cmd, uint64_t *out,
		   struct error *err);

/*
 * The options compile shares with commands that compile (deploy): its
 * long options, short options and help text, and a parser that takes one
 * getopt_long() result at a time (cmd_compile.c).
 */
struct compile_args {
	struct build_options opt;
	struct strvec mirrors, pins, buildpacks, env;
	enum out_level level;
	int quiet, verbose;
	int json;
	int jobs_set;
};
extern const struct option compile_longopts[];
extern const char compile_options_help[];
#define COMPILE_SHORTOPTS "o:j:e:qv"
void compile_args_init(struct compile_args *a);
void compile_args_release(struct compile_args *a);
/* 1 when c was a compile option (applied), 0 when it is not one, -1 on a bad value. */
int compile_args_option(struct compile_args *a, int c, const char *cmd, struct error *err);
/* -q and -v together are a usage error; otherwise the level they ask for. */
int cmd_out_level(int quiet, int verbose, const char *cmd, enum out_level *level,
		  struct error *err);
/* Checks and defaults after the last option; sets up the output funnel. */
int compile_args_finish(struct compile_args *a, const char *cmd, struct error *err);

#endif
