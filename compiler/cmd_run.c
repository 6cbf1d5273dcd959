/*
 * slugc run: a slug's process, on this machine, as a dyno would start it:
 * the slug verified and unpacked in one pass by the verifier behind inspect
 * (run refuses exactly what inspect refuses; nothing escapes its directory;
 * the unpack caps apply), HOME set to the app,
 * PORT set, the .profile.d scripts sourced, the command run by bash -c in the app
 * directory. Signals reach the process; its exit status is slugc's; the
 * unpacked copy is removed afterwards, whatever signals arrive (sig.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "child.h"
#include "cmd.h"
#include "envdir.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "inspect.h"
#include "manifest.h"
#include "output.h"
#include "path.h"
#include "procfile.h"
#include "sig.h"
#include "xalloc.h"

static const char usage[] =
	"usage: slugc run SLUG.tgz [TYPE | -- COMMAND...] [options]\n"
	"\n"
	"Run a process type of the slug (default: web), or any command, the way a\n"
	"dyno starts it: unpacked into a temporary directory that is HOME, with PORT\n"
	"set and .profile.d/*.sh sourced, through bash -c in the app directory.\n"
	"Process types come from the manifest (--manifest, default: the slug's name\n"
	"with .json) or else from the slug's Procfile. The slug is verified as it is\n"
	"unpacked: run refuses exactly what slugc inspect refuses.\n"
	"\n"
	"      --port N          PORT for the process (default: 5000)\n"
	"      --manifest FILE   the slug's manifest\n"
	"      --env-dir DIR     config vars: one file per variable, as for compile\n"
	"%s"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: the process's own; 1 when it cannot start, 2 usage error.\n";

enum { OPT_PORT = 256, OPT_MANIFEST, OPT_ENV_DIR };

static const struct option longopts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "env-dir", required_argument, NULL, OPT_ENV_DIR },
	CMD_UNPACK_LONGOPTS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The command of process type `type`, from the manifest or the slug's Procfile. */
static int find_command(const char *app, const char *slug, const char *mpath, const char *type,
			char **command, struct error *err)
{
	struct manifest m = MANIFEST_INIT;
	struct procfile pf = PROCFILE_INIT;
	char *guess = mpath ? NULL : manifest_default_path(slug), *procfile = path_join(app, "Procfile");
	const char *from = mpath ? mpath : guess;
	const struct procfile *types = NULL;
	const struct proc_type *t;
	char *names = NULL;
	int ret = -1;

	if (mpath || fs_exists(guess)) {
		if (manifest_load(&m, from, err) < 0)
			goto out;
		types = &m.process_types;
	} else if (fs_exists(procfile)) {
		if (procfile_load(&pf, procfile, "the slug's Procfile", err) < 0)
			goto out;
		types = &pf;
		from = "the slug's Procfile";
	} else {
		error_set(err, "no manifest beside '%s' and no Procfile in it: give --manifest, or run "
			  "a command with 'slugc run %s -- COMMAND'", slug, slug);
		goto out;
	}
	t = procfile_get(types, type);
	if (!t) {
		names = procfile_names(types);
		error_set(err, "no process type '%s' in %s (it has: %s)", type, from,
			  *names ? names : "none");
		goto out;
	}
	*command = xstrdup(t->command);
	ret = 0;
out:
	free(names);
	free(guess);
	free(procfile);
	manifest_release(&m);
	procfile_release(&pf);
	return ret;
}

int cmd_run(int argc, char **argv, struct error *err)
{
	const char *mpath = NULL, *env_dir = NULL, *type = "web";
	struct strvec config = STRVEC_INIT;
	struct child c = CHILD_INIT;
	struct buf script = BUF_INIT, cmdline = BUF_INIT;
	struct unpack_limits limits = UNPACK_LIMITS_INIT;
	struct inspect_result ir;
	unsigned long long port = 5000;
	unsigned threads = 1;
	char *tmp = NULL, *root = NULL, *app = NULL, *command = NULL, portbuf[16];
	int ch, i, r, ret = -1, dashdash = 0;
	size_t k;

	/* "--" ends slugc's options: what follows is the command. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	optind = 0;
	while ((ch = cmd_getopt(dashdash ? dashdash : argc, argv, ":h", longopts)) != -1) {
		switch (ch) {
		case OPT_PORT:
			if (cmd_parse_uint(optarg, "--port", "run", 1, 65535, &port, err) < 0)
				goto out;
			break;
		case OPT_MANIFEST:
			mpath = optarg;
			break;
		case OPT_ENV_DIR:
			env_dir = optarg;
			break;
		case 'h':
			out_text(usage, cmd_unpack_help);
			ret = 0;
			goto out;
		default:
			r = cmd_unpack_option(&limits, ch, "run", err);
			if (r < 0)
				goto out;
			if (!r) {
				cmd_bad_option(err, "run", ch, argv);
				goto out;
			}
			break;
		}
	}
	if (optind >= (dashdash ? dashdash : argc)) {
		cmd_usage(err, "run", "missing SLUG.tgz");
		goto out;
	}
	if (dashdash) {
		if (optind + 1 != dashdash || dashdash + 1 >= argc) {
			cmd_usage(err, "run", "expected 'slugc run SLUG.tgz -- COMMAND...'");
			goto out;
		}
		/*
		 * As heroku run: one word is a shell command line as is
		 * ("slugc run s.tgz -- 'rake test'"); several are quoted each, so
		 * bash -c gets back exactly the words given.
		 */
		for (i = dashdash + 1; i < argc; i++) {
			if (i > dashdash + 1)
				buf_addch(&cmdline, ' ');
			if (dashdash + 2 == argc)
				buf_addstr(&cmdline, argv[i]);
			else
				buf_add_shell_word(&cmdline, argv[i]);
		}
	} else if (argc - optind > 2) {
		cmd_usage(err, "run", "unexpected argument '%s'", argv[optind + 2]);
		goto out;
	} else if (argc - optind == 2) {
		type = argv[optind + 1];
	}
	if (env_dir && envdir_load(env_dir, &config, err) < 0)
		goto out;

	/* As many threads write and remove the unpacked tree as compression would use. */
	if (cmd_default_jobs(&threads, "run", err) < 0)
		goto out;
	tmp = fs_make_temp_dir("slugc-run-", err);
	if (!tmp)
		goto out;
	root = path_join(tmp, "root");
	app = path_join(root, "app");
	if (slug_unpack(argv[optind], root, &limits, threads, &ir, err) < 0)
		goto out;
	if (!fs_is_dir(app)) {
		error_set(err, "'%s' has no ./app/ directory; it is not a slug", argv[optind]);
		goto out;
	}
	if (!dashdash && find_command(app, argv[optind], mpath, type, &command, err) < 0)
		goto out;

	/* What a dyno does before the command: source the profile scripts, in name order. */
	buf_addstr(&script, "for f in \"$HOME\"/.profile.d/*.sh; do [ -r \"$f\" ] && . \"$f\"; done\n");
	buf_addstr(&script, dashdash ? cmdline.ptr : command);
	strvec_push(&c.argv, "bash");
	strvec_push(&c.argv, "-c");
	strvec_push(&c.argv, script.ptr);
	snprintf(portbuf, sizeof(portbuf), "%llu", port);
	env_set(&c.env, "PATH", "/usr/local/bin:/usr/bin:/bin");
	env_set(&c.env, "HOME", app);
	env_set(&c.env, "PORT", portbuf);
	env_set(&c.env, "DYNO", dashdash ? "run.1" : type);
	env_set(&c.env, "LANG", "C.UTF-8");
	if (getenv("TERM"))
		env_set(&c.env, "TERM", getenv("TERM"));
	for (k = 0; k < config.nr; k++) {
		char *eq = strchr(config.v[k], '='), *name = xstrndup(config.v[k], (size_t)(eq - config.v[k]));

		env_set(&c.env, name, eq + 1);
		free(name);
	}
	c.dir = app;
	c.passthrough = 1;
	c.what = dashdash ? cmdline.ptr : command;
	out_step("Running `%s` on port %s", c.what, portbuf);
	if (child_run(&c, err) < 0) {
		/* The process ran and failed: slugc exits with its status, as a shell would. */
		if (c.status && err->kind != ERROR_INTERRUPTED) {
			err->kind = ERROR_EXIT;
			err->status = c.status;
		}
		/*
		 * Stopped by the one signal we passed on (a dyno's SIGTERM): the
		 * expected end, not an error to report. main() still re-raises it.
		 * A second signal made us kill the group: that is reported.
		 */
		if (err->kind == ERROR_INTERRUPTED && sig_count() == 1)
			err->msg[0] = '\0';
		goto out;
	}
	ret = 0;
out:
	if (tmp) {
		struct error ignored = ERROR_INIT;

		fs_remove_tree_threads(tmp, threads, &ignored);
	}
	child_release(&c);
	strvec_clear(&config);
	buf_release(&script);
	buf_release(&cmdline);
	free(tmp);
	free(root);
	free(app);
	free(command);
	return ret;
}
