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

int cmd_bad_option(struct error *err, const char *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return cmd_usage(err, cmd, "option '%s' needs a value", arg);
	if (optopt && optopt != '?')
		return cmd_usage(err, cmd, "unknown option '-%c'", optopt);
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
