/*
 * slugc: the command table and dispatch. Each row names a subcommand, the
 * function that runs it and the summary --help prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "detectors.h"
#include "error.h"
#include "fsutil.h"
#include "git.h"
#include "http.h"
#include "json.h"
#include "output.h"
#include "regex.h"
#include "sig.h"
#include "version.h"

/* struct cmd_row (cmd.h): completion reads this table too. */
#define command cmd_row

static const struct command commands[] = {
	{ "compile", cmd_compile, "turn a source tree into a slug and its manifest" },
	{ "detect", cmd_detect, "print the languages of an app, with versions and process types" },
	{ "buildpacks", cmd_buildpacks, "print the buildpacks a compile would run, and where the list comes from" },
	{ "inspect", cmd_inspect, "verify a slug; show its size, checksum, files and process types" },
	{ "verify", cmd_verify, "rebuild a slug's commit and check that the bytes are the same" },
	{ "resolve", cmd_resolve, "print the exact runtime version, URL and sha256 a build would use" },
	{ "cache", cmd_cache, "list, prune or import into the cache of mirrors and runtimes" },
	{ "run", cmd_run, "run a slug's process locally, as a dyno would" },
	{ "publish", cmd_publish, "upload a slug to the Heroku Platform API and release it" },
	{ "deploy", cmd_deploy, "compile and publish in one step (for CI)" },
	{ "promote", cmd_promote, "release one app's newest slug on another app" },
	{ "releases", cmd_releases, "list an app's releases" },
	{ "image", cmd_image, "make an OCI image of a slug; write a layout or push it to a registry" },
	{ "completion", cmd_completion, "print a shell completion script (bash, zsh, fish)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cmd_row *cmd_table(size_t *nr)
{
	*nr = NCOMMANDS;
	return commands;
}

/* The overview: on stdout when asked for (--help), on stderr after a usage error. */
static void print_help(FILE *to)
{
	size_t i;

	fprintf(to, "usage: slugc <command> [options]\n\n"
		    "slugc compiles application source into a reproducible Heroku slug.\n\n"
		    "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "\n"
		    "  slugc <command> --help   options of one command\n"
		    "  slugc --version          print the version\n\n"
		    "Exit status: 0 success, 1 failure (the reason on stderr), 2 usage error.\n");
	fflush(to);
}

static int no_command(const char *name, struct error *err)
{
	const char *names[NCOMMANDS], *hint;
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	hint = cmd_suggest(name, names, NCOMMANDS);
	if (hint)
		return error_setk(err, ERROR_USAGE, "no command '%s'; did you mean '%s'? (see 'slugc "
				  "--help')", name, hint);
	return error_setk(err, ERROR_USAGE, "no command '%s' (see 'slugc --help')", name);
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int run(int argc, char **argv, const char **cmdname, struct error *err)
{
	const struct command *cmd;
	char *help_argv[3];

	if (argc < 2)
		return print_help(stderr), error_setk(err, ERROR_USAGE, "missing command");
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		out_text("slugc %s\n", SLUGC_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			print_help(stdout);
			return 0;
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			return no_command(argv[2], err);
		help_argv[0] = argv[2];
		help_argv[1] = "--help";
		help_argv[2] = NULL;
		*cmdname = cmd->name;
		return cmd->fn(2, help_argv, err);
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return no_command(argv[1], err);
	*cmdname = cmd->name;
	return cmd->fn(argc - 1, argv + 1, err);
}

/*
 * --json promises one JSON document on stdout, also when the command fails:
 * {"error": {"kind": ..., "message": ..., "exit_status": N}} (docs/schema/error.json).
 */
static void json_error(const char *cmd, const struct error *err, int status)
{
	static const char *const kinds[] = {
		[ERROR_NONE] = "none", [ERROR_USAGE] = "usage", [ERROR_INPUT] = "input",
		[ERROR_NETWORK] = "network", [ERROR_API] = "api", [ERROR_INTERNAL] = "internal",
		[ERROR_INTERRUPTED] = "interrupted", [ERROR_EXIT] = "exit",
	};
	struct json *doc = json_new_object(), *e = json_new_object();
	char *text;

	json_add_str(e, "command", cmd);
	json_add_str(e, "kind", (size_t)err->kind < sizeof(kinds) / sizeof(kinds[0]) &&
				kinds[err->kind] ? kinds[err->kind] : "internal");
	json_add_str(e, "message", err->msg);
	json_add_int(e, "exit_status", status);
	json_add(doc, "error", e);
	text = json_print(doc, 0);
	out_json(text);
	free(text);
	json_free(doc);
}

int main(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	const char *cmdname = NULL;
	int status = 0;

	sig_install();
	fs_raise_fd_limit();
	if (run(argc, argv, &cmdname, &err) < 0) {
		/* An empty message: nothing to report (slugc run's process stopped by SIGTERM). */
		if (err.msg[0])
			out_error(cmdname, &err);
		status = error_exit_code(&err);
		/* Also for a usage error found before --json itself was parsed. */
		if ((out_json_mode() || (err.kind == ERROR_USAGE && cmd_json_asked())) &&
		    !out_json_written() && err.kind != ERROR_INTERRUPTED)
			json_error(cmdname, &err, status);
	}
	regex_cleanup();
	defaults_release();
	git_shutdown();
	http_cleanup();
	out_release();
	if (err.kind == ERROR_INTERRUPTED)
		sig_reraise();
	return status;
}
