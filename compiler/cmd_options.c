#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "extract.h"
#include "strvec.h"

int cmd_usage(struct error *err, const char *cmd, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_setk(err, ERROR_USAGE, "%s (see 'slugc %s --help')", msg, cmd);
}

int cmd_one_operand(int argc, char **argv, const char *cmd, const char *what, struct error *err)
{
	if (optind >= argc)
		return cmd_usage(err, cmd, "missing %s", what);
	if (optind + 1 < argc)
		return cmd_usage(err, cmd, "unexpected argument '%s'", argv[optind + 1]);
	return 0;
}

/*
 * getopt_long() takes any unambiguous prefix of a long option ("--env" for
 * "--env-dir"), so adding an option can silently change what an old command
 * line means. cmd_getopt() refuses prefixes: after each long option it
 * compares the name as written with the table's. The state below is
 * getopt's own kind of state: one parse at a time.
 */
static const struct option *last_longopts;
static const char *abbrev_full;      /* the option an abbreviation stood for */
static char abbrev_given[64];        /* the abbreviation as written */

static int json_asked;                /* the command line asks for --json */

/* The row of longopts named name[0..n), or NULL. */
static const struct option *long_named(const struct option *longopts, const char *name, size_t n)
{
	for (; longopts && longopts->name; longopts++)
		if (strlen(longopts->name) == n && !strncmp(longopts->name, name, n))
			return longopts;
	return NULL;
}

/*
 * Whether argv has "--json" as an option of a command that takes one: a
 * usage error found before the option itself is parsed must still come as
 * JSON. Option values are skipped ("--app --json" names an app), and "--"
 * ends the options, as for getopt.
 */
static int scan_json(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	int i;

	if (!long_named(longopts, "json", 4))
		return 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *p, *s;
		const struct option *o;

		if (!strcmp(a, "--"))
			return 0;
		if (!strncmp(a, "--", 2)) {
			size_t n = strcspn(a + 2, "=");

			if (!strcmp(a, "--json"))
				return 1;
			o = long_named(longopts, a + 2, n);
			if (o && o->has_arg == required_argument && !a[2 + n])
				i++;
			continue;
		}
		if (a[0] != '-' || !a[1])
			continue;
		/* A cluster of short options; one that takes a value ends it, or takes the next word. */
		for (p = a + 1; *p; p++) {
			s = *p != ':' ? strchr(shortopts, *p) : NULL;
			if (s && s[1] == ':') {
				if (!p[1])
					i++;
				break;
			}
		}
	}
	return 0;
}

int cmd_json_asked(void)
{
	return json_asked;
}

int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	const char *elem, *name;
	size_t n;
	int idx = -1, c;

	/* Each command resets optind to 0 before its first call. */
	if (optind == 0)
		json_asked = scan_json(argc, argv, shortopts, longopts);
	last_longopts = longopts;
	abbrev_full = NULL;
	c = getopt_long(argc, argv, shortopts, longopts, &idx);
	if (c == -1 || c == '?' || c == ':' || idx < 0)
		return c;
	/* The option's own word: before its value when the value was a separate word. */
	elem = optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2] : argv[optind - 1];
	if (strncmp(elem, "--", 2))
		return c;
	name = elem + 2;
	n = strcspn(name, "=");
	if (n == strlen(longopts[idx].name) && !strncmp(name, longopts[idx].name, n))
		return c;
	abbrev_full = longopts[idx].name;
	snprintf(abbrev_given, sizeof(abbrev_given), "--%.*s", (int)(n < 60 ? n : 60), name);
	return '?';
}

/* Edit distance of a and b (short strings), for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[65], cur[65];

	if (la > 64 || lb > 64)
		return 64;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

const char *cmd_suggest(const char *word, const char *const *names, size_t nr)
{
	const char *best = NULL;
	size_t i, d, best_d = 3;

	for (i = 0; i < nr; i++) {
		d = distance(word, names[i]);
		/* Close enough to be a typo: at most 2 edits, and fewer than half the word. */
		if (d < best_d && d * 2 < strlen(names[i])) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

int cmd_bad_option(struct error *err, const char *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1], *names[64], *hint;
	size_t nr = 0, n;
	char word[64];

	if (abbrev_full)
		return cmd_usage(err, cmd, "'%s' is an abbreviation of '--%s': write the option in full",
				 abbrev_given, abbrev_full);
	if (c == ':')
		return cmd_usage(err, cmd, "option '%s' needs a value", arg);
	if (optopt && optopt != '?')
		return cmd_usage(err, cmd, "unknown option '-%c'", optopt);
	if (!strncmp(arg, "--", 2) && last_longopts) {
		n = strcspn(arg + 2, "=");
		snprintf(word, sizeof(word), "%.*s", (int)(n < 60 ? n : 60), arg + 2);
		while (nr < 64 && last_longopts[nr].name) {
			names[nr] = last_longopts[nr].name;
			nr++;
		}
		hint = cmd_suggest(word, names, nr);
		if (hint)
			return cmd_usage(err, cmd, "unknown option '--%s'; did you mean '--%s'?", word, hint);
	}
	return cmd_usage(err, cmd, "unknown option '%s'", arg);
}

int cmd_parse_uint(const char *arg, const char *name, const char *cmd, unsigned long long min,
		   unsigned long long max, unsigned long long *out, struct error *err)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!arg || arg[0] < '0' || arg[0] > '9')
		return cmd_usage(err, cmd, "%s expects a number, not '%s'", name, arg ? arg : "");
	v = strtoull(arg, &end, 10);
	if (*end || errno)
		return cmd_usage(err, cmd, "%s expects a number, not '%s'", name, arg);
	if (v < min || v > max)
		return cmd_usage(err, cmd, "%s must be between %llu and %llu, not %llu", name, min,
				 max, v);
	*out = v;
	return 0;
}

int cmd_default_jobs(unsigned *out, const char *cmd, struct error *err)
{
	const char *env = getenv("SLUGC_THREADS");
	unsigned long long v;
	long n;

	if (env && *env) {
		if (cmd_parse_uint(env, "SLUGC_THREADS", cmd, 1, 256, &v, err) < 0)
			return -1;
		*out = (unsigned)v;
		return 0;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	*out = n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
	return 0;
}

int cmd_lang_value(const char *arg, const char *name, const char *cmd, struct strvec *list,
		   struct error *err)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : 0;
	const char *lang;

	if (!eq || !eq[1])
		return cmd_usage(err, cmd, "%s expects LANG=VALUE, not '%s'", name, arg);
	if ((n == 6 && !strncmp(arg, "nodejs", 6)) || (n == 4 && !strncmp(arg, "node", 4)))
		lang = "nodejs";
	else if (n == 2 && !strncmp(arg, "go", 2))
		lang = "go";
	else if (n == 4 && !strncmp(arg, "ruby", 4))
		lang = "ruby";
	else if (n == 6 && !strncmp(arg, "python", 6))
		lang = "python";
	else
		return cmd_usage(err, cmd, "%s: '%.*s' is not nodejs, go, ruby or python", name, (int)n,
				 arg);
	strvec_pushf(list, "%s=%s", lang, eq + 1);
	return 0;
}

const char cmd_unpack_help[] =
	"      --max-unpacked SIZE  refuse an archive that expands to more than SIZE\n"
	"                        bytes (K, M, G, T suffixes; default: 4G)\n"
	"      --max-entries N   refuse an archive of more than N entries (default: 1000000)\n";

int cmd_parse_size(const char *arg, const char *name, const char *cmd, uint64_t *out,
		   struct error *err)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;
	unsigned shift = 0;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		goto bad;
	v = strtoull(arg, &end, 10);
	if (errno)
		goto bad;
	if (*end) {
		u = strchr(units, *end >= 'a' && *end <= 'z' ? *end - 'a' + 'A' : *end);
		if (!u || !*u || end[1])
			goto bad;
		shift = 10 * (unsigned)(u - units + 1);
	}
	if (!v || v > (UINT64_MAX >> shift))
		return cmd_usage(err, cmd, "%s must be at least 1 byte and at most 16E, not '%s'",
				 name, arg);
	*out = (uint64_t)v << shift;
	return 0;
bad:
	return cmd_usage(err, cmd, "%s expects a size like 4G, 500M or 1048576, not '%s'", name,
			 arg);
}

int cmd_unpack_option(struct unpack_limits *l, int c, const char *cmd, struct error *err)
{
	unsigned long long v;

	switch (c) {
	case CMD_OPT_MAX_UNPACKED:
		return cmd_parse_size(optarg, "--max-unpacked", cmd, &l->max_bytes, err) < 0 ? -1 : 1;
	case CMD_OPT_MAX_ENTRIES:
		if (cmd_parse_uint(optarg, "--max-entries", cmd, 1, UINT32_MAX, &v, err) < 0)
			return -1;
		l->max_entries = v;
		return 1;
	default:
		return 0;
	}
}

int cmd_out_level(int quiet, int verbose, const char *cmd, enum out_level *level,
		  struct error *err)
{
	if (quiet && verbose)
		return cmd_usage(err, cmd, "-q and -v exclude each other");
	*level = quiet ? OUT_QUIET : verbose ? OUT_VERBOSE : OUT_NORMAL;
	return 0;
}
