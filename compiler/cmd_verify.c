/*
 * slugc verify: rebuild what a manifest records and compare.
 *
 * The rebuild is independent of earlier builds: it runs with a private,
 * empty cache in its temporary directory, so no per-app build cache (npm,
 * Bundler, Go modules, buildpack caches, restored dependency trees) and no
 * unpacked toolchain of an earlier build takes part. It shares only what is
 * content-addressed and checked: the runtime archives the manifest pins,
 * copied from the user's cache while their sha256 is recomputed (a copy
 * whose digest differs is dropped and downloaded again), and, by symlink,
 * the git mirrors (objects named by their hash, the commit pinned by the
 * manifest) and the index documents (they only name versions; the archives
 * they lead to are pinned), which also keeps --offline working.
 *
 * The slug is verified (inspect's verifier, one pass over it) in a thread
 * while the rebuild runs; its verdict comes first: a slug it refuses is
 * refused with its message, whatever the rebuild did.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "build.h"
#include "cache.h"
#include "child.h"
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
	"      --cache-dir DIR   the cache whose git mirrors, index documents and pinned\n"
	"                        runtime archives (re-checked) the rebuild may use\n"
	"                        (default: ~/.cache/slugc); nothing else of it is used\n"
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
	const char *shown;
	struct strvec vars = STRVEC_INIT;
	size_t k;
	int has_env, ret = -1;

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
	has_env = opt->env && opt->env->nr;
	if (json_child(names) && !opt->env_dir && !has_env) {
		error_set(err, "'%s' was built with config vars but records no --env-dir; pass "
			  "--env-dir or -e NAME=VALUE with the build's config vars", mpath);
		goto out;
	}
	if (!opt->env_dir && !has_env) {
		ret = 0;
		goto out;
	}
	if (opt->env_dir && envdir_load(opt->env_dir, &vars, err) < 0) {
		error_prefix(err, "the build's config vars (pass --env-dir to use another directory)");
		goto out;
	}
	/* -e NAME=VALUE over the directory's, as compile merges them (build_load_config). */
	for (k = 0; has_env && k < opt->env->nr; k++) {
		const char *eq = strchr(opt->env->v[k], '=');
		char *name;

		if (!eq)
			continue;
		name = xstrndup(opt->env->v[k], (size_t)(eq - opt->env->v[k]));
		env_set(&vars, name, eq + 1);
		free(name);
	}
	shown = opt->env_dir ? opt->env_dir : "the -e values";
	/* The same names: a missing or extra var would build something else, not prove anything. */
	for (n = json_child(names); n; n = json_next(n)) {
		const char *want = json_string(n);
		size_t i, len = want ? strlen(want) : 0;
		int found = 0;

		for (i = 0; want && i < vars.nr && !found; i++)
			found = !strncmp(vars.v[i], want, len) && vars.v[i][len] == '=';
		if (!found) {
			error_set(err, "config var '%s', which '%s' records, is not in %s%s%s; pass "
				  "--env-dir or -e with the build's config vars", want ? want : "?", mpath,
				  opt->env_dir ? "'" : "", shown, opt->env_dir ? "'" : "");
			goto out;
		}
	}
	if (vars.nr != json_size(names)) {
		error_set(err, "%s%s%s hold%s config vars the build of '%s' did not have; pass "
			  "--env-dir or -e with exactly the build's config vars", opt->env_dir ? "'" : "",
			  shown, opt->env_dir ? "'" : "", opt->env_dir ? "s" : "", mpath);
		goto out;
	}
	ret = 0;
out:
	strvec_clear(&vars);
	return ret;
}

/*
 * Copy the runtime archive `hex` from the user's cache into the private one,
 * hashing what is copied: 1 when it is there and has that digest, 0 when it
 * is absent or damaged (the rebuild then downloads it), -1 on an error.
 */
static int share_blob(const char *user, const char *priv, const char *hex, struct error *err)
{
	char *src = cache_blob_path(user, hex), *part = xstrfmt("%s/tmp/%s.part", priv, hex);
	char got[SHA256_HEX_LEN + 1];
	unsigned char digest[32], *chunk = NULL;
	struct sha256 sha = SHA256_INIT;
	int in = -1, outfd = -1, ret = -1;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		ret = 0;
		goto out;
	}
	outfd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (outfd < 0) {
		error_errno(err, "cannot create '%s'", part);
		goto out;
	}
	chunk = xmalloc(1 << 20);
	sha256_init(&sha);
	for (;;) {
		ssize_t n = read(in, chunk, 1 << 20);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "cannot read '%s'", src);
			goto out;
		}
		if (!n)
			break;
		sha256_update(&sha, chunk, (size_t)n);
		if (fs_write_all(outfd, chunk, (size_t)n, part, err) < 0)
			goto out;
	}
	sha256_final(&sha, digest);
	sha256_hex(digest, got);
	if (close(outfd) < 0) {
		outfd = -1;
		error_errno(err, "cannot write '%s'", part);
		goto out;
	}
	outfd = -1;
	if (strcasecmp(got, hex)) {
		out_warn("the cached '%s' has sha256 %s, not %s: the rebuild downloads it again", src,
			 got, hex);
		ret = 0;
		goto out;
	}
	if (cache_blob_put(priv, part, hex, err) < 0)
		goto out;
	ret = 1;
out:
	if (outfd >= 0)
		close(outfd);
	if (in >= 0)
		close(in);
	if (ret != 1)
		unlink(part);
	sha256_release(&sha);
	free(chunk);
	free(src);
	free(part);
	return ret;
}

/*
 * The rebuild's private cache, tmp/cache, holding only what may be shared
 * (see the top of this file); *out is its path.
 */
static int private_cache(const char *user_opt, const char *tmp, const struct strvec *pins,
			 char **out, struct error *err)
{
	static const char *const shared[] = { "git", "index" };
	char *user = NULL, *priv = path_join(tmp, "cache"), *dir = NULL, *link = NULL;
	size_t i;
	int ret = -1;

	if (cache_dir(user_opt, NULL, &dir, err) < 0)
		goto out;
	/* Absolute: the symlinks below are read from inside the private cache. */
	user = realpath(dir, NULL);
	if (!user) {
		error_errno(err, "cannot resolve '%s'", dir);
		goto out;
	}
	free(dir);
	dir = NULL;
	if (cache_dir(priv, "tmp", &dir, err) < 0)
		goto out;
	for (i = 0; i < sizeof(shared) / sizeof(*shared); i++) {
		free(dir);
		dir = NULL;
		free(link);
		link = path_join(priv, shared[i]);
		if (cache_dir(user, shared[i], &dir, err) < 0)
			goto out;
		if (symlink(dir, link) < 0) {
			error_errno(err, "cannot create '%s'", link);
			goto out;
		}
	}
	for (i = 0; i < pins->nr; i++) {
		const char *hex = strchr(pins->v[i], '=');

		if (hex && strlen(hex + 1) == SHA256_HEX_LEN &&
		    strspn(hex + 1, "0123456789abcdefABCDEF") == SHA256_HEX_LEN &&
		    share_blob(user, priv, hex + 1, err) < 0)
			goto out;
	}
	*out = priv;
	priv = NULL;
	ret = 0;
out:
	free(user);
	free(priv);
	free(dir);
	free(link);
	return ret;
}

/* The slug's verification, run beside the rebuild. */
struct inspect_job {
	const char *slug;
	const struct unpack_limits *limits;
	struct inspect_result ir;
	struct error err;
	int ret;
};

static void *inspect_thread(void *arg)
{
	struct inspect_job *j = arg;

	j->ret = inspect_slug(j->slug, j->limits, &j->ir, &j->err);
	return NULL;
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
	struct inspect_job job;
	pthread_t inspector;
	char *tmp = NULL, *rebuilt = NULL, *cache = NULL;
	int json = 0, verbose = 0, c, built = 0, ret = -1, r, inspecting = 0;

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
	/*
	 * The same verifier as inspect and run: a slug they refuse is refused
	 * here too. It reads the slug while the rebuild runs (its own thread,
	 * reader and error; nothing shared but the signal flag).
	 */
	memset(&job, 0, sizeof(job));
	job.slug = slug;
	job.limits = &opt.limits;
	job.err = (struct error)ERROR_INIT;
	inspecting = !pthread_create(&inspector, NULL, inspect_thread, &job);
	if (!inspecting)
		inspect_thread(&job);
	if (recorded_settings(&m, mpath, &opt, &mirrors, &pins, err) < 0)
		goto out;
	opt.mirrors = &mirrors;
	opt.pins = &pins;

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
	if (private_cache(opt.cache_dir, tmp, &pins, &cache, err) < 0)
		goto out;
	opt.cache_dir = cache;
	build_init(&b, &opt);
	/* A rebuild proves the slug only if it installs from scratch (docs/performance.md). */
	b.be.no_depcache = 1;
	r = build_run(&b, err);
	if (!r) {
		build_checksum(&b, got);
		built = 1;
	}
	build_release(&b);
	if (inspecting) {
		pthread_join(inspector, NULL);
		inspecting = 0;
	}
	if (job.ret < 0) {
		*err = job.err;
		goto out;
	}
	snprintf(want, sizeof(want), "SHA256:%s", job.ir.sha256);
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
	if (inspecting) {
		pthread_join(inspector, NULL);
		/* Its verdict comes first: the rebuild's settings do not matter for a refused slug. */
		if (job.ret < 0)
			*err = job.err;
	}
	if (tmp) {
		struct error ignored = ERROR_INIT;

		fs_remove_tree(tmp, &ignored);
	}
	free(tmp);
	free(rebuilt);
	free(cache);
	buf_release(&diff);
	strvec_clear(&refs);
	strvec_clear(&env);
	manifest_release(&m);
	strvec_clear(&mirrors);
	strvec_clear(&pins);
	return ret;
}
