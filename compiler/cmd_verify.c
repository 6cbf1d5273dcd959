#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "build.h"
#include "cmd.h"
#include "envdir.h"
#include "error.h"
#include "fsutil.h"
#include "inspect.h"
#include "json.h"
#include "manifest.h"
#include "output.h"
#include "path.h"
#include "sha256.h"
#include "verify.h"
#include "xalloc.h"

static const char usage[] =
	"usage: slugc verify SLUG.tgz --manifest slug.json SOURCE [options]\n"
	"\n"
	"Rebuild the commit the manifest names from SOURCE (the same repository,\n"
	"local or remote, or the directory or tarball it was built from) with the\n"
	"settings the manifest records, and report whether the result has the\n"
	"slug's sha256. When it does not, name the first entry that differs.\n"
	"The manifest records the runtimes' mirrors (without credentials) and\n"
	"digests, the --env-dir and the names of its config vars, and the digest of\n"
	"the defaults file; the rebuild uses them unless told otherwise.\n"
	"The slug is first verified as slugc inspect and slugc run verify it.\n"
	"\n"
	"      --manifest FILE   the slug's manifest (required)\n"
	"%s"
	"      --mirror LANG=URL a runtime mirror instead of the recorded one (e.g. with credentials)\n"
	"      --offline         only the cache: no index or runtime download\n"
	"      --env-dir DIR     the config vars instead of the recorded directory\n"
	"      --cache-dir DIR   git mirrors (default: ~/.cache/slugc)\n"
	"  -e, --env NAME=VALUE  a config var for the rebuild, as given to compile (repeatable)\n"
	"      --json            print one JSON document on stdout\n"
	"  -v, --verbose         show the rebuild's steps\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 reproducible, 1 not reproducible or the rebuild failed, 2 usage error.\n";

enum { OPT_MANIFEST = 256, OPT_CACHE_DIR, OPT_JSON, OPT_MIRROR, OPT_OFFLINE, OPT_ENV_DIR };

static const struct option longopts[] = {
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "env", required_argument, NULL, 'e' },
	{ "mirror", required_argument, NULL, OPT_MIRROR },
	{ "offline", no_argument, NULL, OPT_OFFLINE },
	{ "env-dir", required_argument, NULL, OPT_ENV_DIR },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	CMD_UNPACK_LONGOPTS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void report(const char *slug, const char *commit, const char *source, const char *want,
		   const char *got, const char *difference)
{
	if (out_json_mode()) {
		struct json *doc = json_new_object();
		char *text;

		json_add_str(doc, "slug", slug);
		json_add_bool(doc, "reproducible", difference == NULL);
		json_add_str(doc, "commit", commit);
		json_add_str(doc, "slug_checksum", want);
		json_add_str(doc, "rebuilt_checksum", got);
		json_add_str(doc, "first_difference", difference);
		text = json_print(doc, 0);
		out_json(text);
		free(text);
		json_free(doc);
	} else if (!difference) {
		out_text("reproducible: %s matches a rebuild of %s from %s (%s)\n", slug,
			 commit ? commit : "the source", source, want);
	}
}

/* Whether a "lang=..." entry for lang is in list. */
static int has_lang(const struct strvec *list, const char *lang)
{
	size_t i, n = strlen(lang);

	for (i = 0; i < list->nr; i++)
		if (!strncmp(list->v[i], lang, n) && list->v[i][n] == '=')
			return 1;
	return 0;
}

/*
 * The build settings the manifest records, for what the command line does
 * not override: each runtime's mirror (unless --mirror or SLUGC_MIRROR_<LANG>
 * names one) and digest (a pin: the rebuild must use the same artifact), the
 * env dir with the same config var names, the same defaults file.
 */
static int recorded_settings(const struct manifest *m, const char *mpath, struct build_options *opt,
			     struct strvec *mirrors, struct strvec *pins, struct error *err)
{
	const struct json *slugc = json_get(m->doc, "slugc");
	const struct json *rebuild = json_get(slugc, "rebuild"), *rt, *names, *n;
	const char *dir = json_get_str(rebuild, "env_dir"), *digest = json_get_str(rebuild, "defaults_sha256");
	const struct defaults *def;
	struct strvec vars = STRVEC_INIT;
	int ret = -1;

	for (rt = json_child(json_get(slugc, "runtimes")); rt; rt = json_next(rt)) {
		const char *name = json_get_str(rt, "name"), *mirror = json_get_str(rt, "mirror");
		const char *sha = json_get_str(rt, "sha256");
		char env[64];
		size_t i;

		if (!name || strspn(name, "abcdefghijklmnopqrstuvwxyz") != strlen(name) || strlen(name) > 32)
			continue;
		snprintf(env, sizeof(env), "SLUGC_MIRROR_%s", name);
		for (i = 13; env[i]; i++)
			env[i] = (char)(env[i] - 'a' + 'A');
		if (mirror && !has_lang(mirrors, name) && !(getenv(env) && *getenv(env)))
			strvec_pushf(mirrors, "%s=%s", name, mirror);
		if (sha && !has_lang(pins, name))
			strvec_pushf(pins, "%s=%s", name, sha);
	}
	def = defaults_get(err);
	if (!def)
		goto out;
	if (digest && strcmp(digest, def->sha256)) {
		error_set(err, "'%s' was built with defaults whose sha256 is %s, but this slugc's are %s: "
			  "point SLUGC_DEFAULTS at the same defaults file", mpath, digest, def->sha256);
		goto out;
	}
	names = json_get(rebuild, "config_vars");
	if (!opt->env_dir)
		opt->env_dir = dir;
	if (json_child(names) && !opt->env_dir) {
		error_set(err, "'%s' was built with config vars but records no --env-dir; pass --env-dir",
			  mpath);
		goto out;
	}
	if (!opt->env_dir) {
		ret = 0;
		goto out;
	}
	if (envdir_load(opt->env_dir, &vars, err) < 0) {
		error_prefix(err, "the build's config vars (pass --env-dir to use another directory)");
		goto out;
	}
	/* The same names: a missing or extra var would build something else, not prove anything. */
	for (n = json_child(names); n; n = json_next(n)) {
		const char *want = json_string(n);
		size_t i, len = want ? strlen(want) : 0;
		int found = 0;

		for (i = 0; want && i < vars.nr && !found; i++)
			found = !strncmp(vars.v[i], want, len) && vars.v[i][len] == '=';
		if (!found) {
			error_set(err, "config var '%s', which '%s' records, is not in '%s'; pass "
				  "--env-dir with the build's config vars", want ? want : "?", mpath,
				  opt->env_dir);
			goto out;
		}
	}
	if (vars.nr != json_size(names)) {
		error_set(err, "'%s' holds config vars the build of '%s' did not have; pass --env-dir "
			  "with exactly the build's config vars", opt->env_dir, mpath);
		goto out;
	}
	ret = 0;
out:
	strvec_clear(&vars);
	return ret;
}

int cmd_verify(int argc, char **argv, struct error *err)
{
	struct build_options opt = BUILD_OPTIONS_INIT;
	struct manifest m = MANIFEST_INIT;
	struct buf diff = BUF_INIT;
	struct strvec refs = STRVEC_INIT;
	struct strvec env = STRVEC_INIT;
	struct strvec mirrors = STRVEC_INIT, pins = STRVEC_INIT;
	struct build b;
	const char *mpath = NULL, *slug, *source;
	char want[8 + SHA256_HEX_LEN], got[8 + SHA256_HEX_LEN];
	struct inspect_result ir;
	char *tmp = NULL, *rebuilt = NULL;
	int json = 0, verbose = 0, c, built = 0, ret = -1, r;

	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":e:vh", longopts)) != -1) {
		switch (c) {
		case OPT_MANIFEST:
			mpath = optarg;
			break;
		case OPT_CACHE_DIR:
			opt.cache_dir = optarg;
			break;
		case 'e':
			if (envdir_add(optarg, &env, err) < 0)
				goto out;
			break;
		case OPT_MIRROR:
			if (cmd_lang_value(optarg, "--mirror", "verify", &mirrors, err) < 0)
				goto out;
			break;
		case OPT_OFFLINE:
			opt.offline = 1;
			break;
		case OPT_ENV_DIR:
			opt.env_dir = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			out_text(usage, cmd_unpack_help);
			ret = 0;
			goto out;
		default:
			r = cmd_unpack_option(&opt.limits, c, "verify", err);
			if (r < 0)
				goto out;
			if (!r) {
				cmd_bad_option(err, "verify", c, argv);
				goto out;
			}
			break;
		}
	}
	if (argc - optind != 2) {
		cmd_usage(err, "verify", "expected SLUG.tgz and SOURCE");
		goto out;
	}
	if (!mpath) {
		cmd_usage(err, "verify", "--manifest is required");
		goto out;
	}
	slug = argv[optind];
	source = argv[optind + 1];
	opt.env = &env;
	out_setup(verbose ? OUT_VERBOSE : OUT_QUIET, json);

	if (manifest_load(&m, mpath, err) < 0)
		goto out;
	if (m.dirty) {
		error_set(err, "'%s' records a --worktree build of uncommitted files; only a commit "
			  "can be rebuilt", mpath);
		goto out;
	}
	/* The same verifier as inspect and run: a slug they refuse is refused here too. */
	if (inspect_slug(slug, &opt.limits, &ir, err) < 0 ||
	    recorded_settings(&m, mpath, &opt, &mirrors, &pins, err) < 0)
		goto out;
	opt.mirrors = &mirrors;
	opt.pins = &pins;
	snprintf(want, sizeof(want), "SHA256:%s", ir.sha256);

	/* Rebuild with everything the manifest recorded. */
	opt.source = source;
	opt.rev = m.commit;
	opt.app_dir = m.app_dir;
	opt.epoch = m.source_date_epoch;
	if (m.stack)
		opt.stack = m.stack;
	if (m.level > 0)
		opt.level = (int)m.level;
	opt.max_size = UINT64_MAX;
	/* The buildpacks that ran, pinned to the commits and digests the manifest records. */
	if (manifest_buildpack_refs(&m, &refs, err) < 0)
		goto out;
	opt.buildpacks = &refs;
	if (cmd_default_jobs(&opt.jobs, "verify", err) < 0)
		goto out;
	tmp = fs_make_temp_dir("slugc-verify-", err);
	if (!tmp)
		goto out;
	rebuilt = path_join(tmp, "rebuilt.tgz");
	opt.output = rebuilt;
	build_init(&b, &opt);
	/* A rebuild proves the slug only if it installs from scratch (docs/performance.md). */
	b.be.no_depcache = 1;
	r = build_run(&b, err);
	if (!r) {
		build_checksum(&b, got);
		built = 1;
	}
	build_release(&b);
	if (!built) {
		error_prefix(err, "cannot rebuild %s from '%s'", m.commit ? m.commit : "the source",
			     source);
		goto out;
	}

	if (!strcmp(want, got)) {
		report(slug, m.commit, source, want, got, NULL);
		ret = 0;
		goto out;
	}
	r = slug_compare(slug, rebuilt, &opt.limits, &diff, err);
	if (r < 0)
		goto out;
	if (r == 0)
		buf_addstr(&diff, "every entry is the same; the compression differs (another slugc or "
			   "libdeflate version?)");
	report(slug, m.commit, source, want, got, diff.ptr);
	error_set(err, "not reproducible: '%s' (%s) differs from a rebuild of %s (%s): %s", slug,
		  want, m.commit ? m.commit : "the source", got, diff.ptr);
out:
	if (tmp) {
		struct error ignored = ERROR_INIT;

		fs_remove_tree(tmp, &ignored);
	}
	free(tmp);
	free(rebuilt);
	buf_release(&diff);
	strvec_clear(&refs);
	strvec_clear(&env);
	manifest_release(&m);
	strvec_clear(&mirrors);
	strvec_clear(&pins);
	return ret;
}
