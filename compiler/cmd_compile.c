#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "build.h"
#include "cmd.h"
#include "envdir.h"
#include "error.h"
#include "image.h"
#include "fsutil.h"
#include "json.h"
#include "manifest.h"
#include "xalloc.h"
#include "output.h"

static const char usage[] =
	"usage: slugc compile SOURCE [options]\n"
	"\n"
	"Turn SOURCE into a Heroku slug and its JSON manifest. SOURCE is a directory,\n"
	"a git work tree or bare repository (the committed tree at --rev is built),\n"
	"a git URL (file://, git://, http://, https://) or a .tar.gz of source.\n"
	"The source is never modified.\n"
	"\n"
	"%s"
	"\n"
	"Then, optionally, an OCI image of the slug (as slugc image; docs/images.md):\n"
	"      --image REF       push the image to a registry as HOST/NAME:TAG\n"
	"      --image-output DIR  write the image as an OCI layout directory\n"
	"      --image-base REF  its base: a registry reference, oci:DIR[:TAG] or scratch\n"
	"                        (default: heroku/heroku:NN for stack heroku-NN)\n"
	"      --image-tag TAG   also tag the image TAG (repeatable)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Environment: SOURCE_DATE_EPOCH (mtime of every entry; default: the commit's\n"
	"time), SLUGC_THREADS, SLUGC_CACHE_DIR, SLUGC_MIRROR_<LANG>, TMPDIR; ~/.netrc for\n"
	"git credentials.\n"
	"Exit status: 0 success, 1 the build failed, 2 usage error.\n";

const char compile_options_help[] =
	"  -o, --output FILE     write the slug here (compile: default slug.tgz; deploy:\n"
	"                        none is kept without -o)\n"
	"      --manifest FILE   write the manifest here (default: FILE with .json for .tgz)\n"
	"      --rev REV         git revision: branch, tag, SHA or revspec (default: HEAD)\n"
	"      --worktree        build a work tree's files as they are on disk\n"
	"      --app-dir PATH    the app is this subdirectory of the source\n"
	"      --cache-dir DIR   git mirrors, runtimes, build caches (default: ~/.cache/slugc)\n"
	"      --env-dir DIR     config vars for the build: one file per variable\n"
	"  -e, --env NAME=VALUE  a config var for the build (repeatable; over --env-dir's)\n"
	"      --mirror LANG=URL runtime downloads from URL instead of the official index\n"
	"                        (nodejs, go, ruby, python; http(s):// or file://; repeatable)\n"
	"      --offline         use only the cache: no downloads\n"
	"      --runtime-sha256 LANG=HEX  pin a runtime archive's digest (must agree with\n"
	"                        a published one; Ruby has none published)\n"
	"      --buildpack REF   run this buildpack (repeatable, in order): a built-in name\n"
	"                        (nodejs, ruby, go, python, heroku/...), a directory, a git\n"
	"                        URL[#ref] or an http(s) .tgz URL[#sha256=HEX]; without it:\n"
	"                        BUILDPACK_URL, .buildpacks, app.json, else detection\n"
	"      --timeout SECS    time limit of the buildpack steps (default: 900)\n"
	"      --inventory FILE  a TOML inventory of pinned runtime artifacts\n"
	"                        (default: the app's inventory.toml, when it has one)\n"
	"      --stack NAME      stack recorded in the manifest (default: heroku-24)\n"
	"      --max-size MB     fail when the compressed slug is larger (default: 500)\n"
	"      --max-unpacked SIZE  fail when the slug, the source tarball or a runtime\n"
	"                        archive expands to more (K, M, G, T; default: 4G)\n"
	"      --max-entries N   fail when one of them has more entries (default: 1000000)\n"
	"  -j, --jobs N          compression threads (default: SLUGC_THREADS or all cores)\n"
	"      --level N         compression level 1-12 (default: 6)\n"
	"      --json            print the result as one JSON document on stdout\n"
	"  -q, --quiet           print only warnings and errors\n"
	"  -v, --verbose         also print what each stage does\n";

enum { OPT_MANIFEST = 256, OPT_STACK, OPT_MAX_SIZE, OPT_LEVEL, OPT_JSON, OPT_REV, OPT_WORKTREE,
       OPT_APP_DIR, OPT_CACHE_DIR, OPT_ENV_DIR, OPT_MIRROR, OPT_OFFLINE, OPT_PIN, OPT_INVENTORY,
       OPT_BUILDPACK, OPT_TIMEOUT };

const struct option compile_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "rev", required_argument, NULL, OPT_REV },
	{ "worktree", no_argument, NULL, OPT_WORKTREE },
	{ "app-dir", required_argument, NULL, OPT_APP_DIR },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "env-dir", required_argument, NULL, OPT_ENV_DIR },
	{ "env", required_argument, NULL, 'e' },
	{ "mirror", required_argument, NULL, OPT_MIRROR },
	{ "offline", no_argument, NULL, OPT_OFFLINE },
	{ "runtime-sha256", required_argument, NULL, OPT_PIN },
	{ "inventory", required_argument, NULL, OPT_INVENTORY },
	{ "buildpack", required_argument, NULL, OPT_BUILDPACK },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "stack", required_argument, NULL, OPT_STACK },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	CMD_UNPACK_LONGOPTS,
	{ "jobs", required_argument, NULL, 'j' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void compile_args_init(struct compile_args *a)
{
	static const struct build_options def = BUILD_OPTIONS_INIT;

	memset(a, 0, sizeof(*a));
	a->opt = def;
	strvec_init(&a->mirrors);
	strvec_init(&a->pins);
	strvec_init(&a->buildpacks);
	strvec_init(&a->env);
	a->level = OUT_NORMAL;
}

void compile_args_release(struct compile_args *a)
{
	strvec_clear(&a->mirrors);
	strvec_clear(&a->pins);
	strvec_clear(&a->buildpacks);
	strvec_clear(&a->env);
}

static int valid_stack(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int compile_args_option(struct compile_args *a, int c, const char *cmd, struct error *err)
{
	unsigned long long v;

	switch (c) {
	case 'o':
		if (!*optarg)
			return cmd_usage(err, cmd, "--output must not be empty");
		a->opt.output = optarg;
		return 1;
	case OPT_MANIFEST:
		a->opt.manifest = optarg;
		return 1;
	case OPT_REV:
		if (!*optarg)
			return cmd_usage(err, cmd, "--rev must not be empty");
		a->opt.rev = optarg;
		return 1;
	case OPT_WORKTREE:
		a->opt.worktree = 1;
		return 1;
	case OPT_APP_DIR:
		a->opt.app_dir = optarg;
		return 1;
	case OPT_CACHE_DIR:
		a->opt.cache_dir = optarg;
		return 1;
	case OPT_ENV_DIR:
		a->opt.env_dir = optarg;
		return 1;
	case 'e':
		return envdir_add(optarg, &a->env, err) < 0 ? -1 : 1;
	case OPT_MIRROR:
		return cmd_lang_value(optarg, "--mirror", cmd, &a->mirrors, err) < 0 ? -1 : 1;
	case OPT_PIN:
		return cmd_lang_value(optarg, "--runtime-sha256", cmd, &a->pins, err) < 0 ? -1 : 1;
	case OPT_OFFLINE:
		a->opt.offline = 1;
		return 1;
	case OPT_INVENTORY:
		a->opt.inventory = optarg;
		return 1;
	case OPT_BUILDPACK:
		if (!*optarg)
			return cmd_usage(err, cmd, "--buildpack must not be empty");
		strvec_push(&a->buildpacks, optarg);
		return 1;
	case OPT_TIMEOUT:
		if (cmd_parse_uint(optarg, "--timeout", cmd, 1, 7 * 24 * 3600, &v, err) < 0)
			return -1;
		a->opt.timeout = (unsigned)v;
		return 1;
	case OPT_STACK:
		if (!valid_stack(optarg))
			return cmd_usage(err, cmd, "--stack expects a stack name like 'heroku-24', not '%s'",
					 optarg);
		a->opt.stack = optarg;
		return 1;
	case OPT_MAX_SIZE:
		if (cmd_parse_uint(optarg, "--max-size", cmd, 1, 1 << 20, &v, err) < 0)
			return -1;
		a->opt.max_size = (uint64_t)v << 20;
		return 1;
	case 'j':
		if (cmd_parse_uint(optarg, "--jobs", cmd, 1, 256, &v, err) < 0)
			return -1;
		a->opt.jobs = (unsigned)v;
		a->jobs_set = 1;
		return 1;
	case OPT_LEVEL:
		if (cmd_parse_uint(optarg, "--level", cmd, 1, 12, &v, err) < 0)
			return -1;
		a->opt.level = (int)v;
		return 1;
	case OPT_JSON:
		a->json = 1;
		return 1;
	case 'q':
		a->quiet = 1;
		return 1;
	case 'v':
		a->verbose = 1;
		return 1;
	default:
		return cmd_unpack_option(&a->opt.limits, c, cmd, err);
	}
}

int compile_args_finish(struct compile_args *a, const char *cmd, struct error *err)
{
	if (a->opt.rev && a->opt.worktree)
		return cmd_usage(err, cmd, "--rev and --worktree exclude each other");
	if (cmd_out_level(a->quiet, a->verbose, cmd, &a->level, err) < 0)
		return -1;
	/* A missing env dir is a typo in the command line: before any work, not after the copy. */
	if (a->opt.env_dir && !fs_is_dir(a->opt.env_dir))
		return cmd_usage(err, cmd, "--env-dir '%s' is not a directory", a->opt.env_dir);
	if (!a->jobs_set && cmd_default_jobs(&a->opt.jobs, cmd, err) < 0)
		return -1;
	a->opt.mirrors = &a->mirrors;
	a->opt.pins = &a->pins;
	a->opt.buildpacks = &a->buildpacks;
	a->opt.env = &a->env;
	out_setup(a->level, a->json);
	return 0;
}

enum { OPT_IMAGE = 512, OPT_IMAGE_OUTPUT, OPT_IMAGE_BASE, OPT_IMAGE_TAG };

/* compile's own options: the shared ones plus the image step's. */
static const struct option image_longopts[] = {
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "image-output", required_argument, NULL, OPT_IMAGE_OUTPUT },
	{ "image-base", required_argument, NULL, OPT_IMAGE_BASE },
	{ "image-tag", required_argument, NULL, OPT_IMAGE_TAG },
};

static struct option *compile_options(void)
{
	size_t n = 0, i;
	struct option *all;

	while (compile_longopts[n].name)
		n++;
	all = xcalloc(n + ARRAY_SIZE(image_longopts) + 1, sizeof(*all));
	memcpy(all, compile_longopts, n * sizeof(*all));
	for (i = 0; i < ARRAY_SIZE(image_longopts); i++)
		all[n + i] = image_longopts[i];
	return all;
}

static void print_result(const struct build *b, const struct image_result *img)
{
	char checksum[8 + SHA256_HEX_LEN];
	struct buf size = BUF_INIT;

	build_checksum(b, checksum);
	if (out_json_mode()) {
		struct json *doc = json_new_object();
		char *text;

		json_add_str(doc, "slug", b->opt.output);
		json_add_str(doc, "manifest_path", b->manifest_path);
		json_add(doc, "manifest", manifest_from_build(b));
		if (img) {
			struct json *i = json_new_object();

			json_add_str(i, "digest", img->digest);
			json_add_str(i, "config", img->config);
			json_add_int(i, "layers", img->layers);
			json_add(doc, "image", i);
		}
		text = json_print(doc, 0);
		out_json(text);
		free(text);
		json_free(doc);
		return;
	}
	buf_add_size(&size, b->slug_size);
	out_step("Slug written to %s (%s)", b->opt.output, size.ptr);
	out_info("checksum %s", checksum);
	out_info("manifest %s", b->manifest_path);
	if (img)
		out_step("Image %s (%u layers)", img->digest, img->layers);
	buf_release(&size);
}

int cmd_compile(int argc, char **argv, struct error *err)
{
	struct compile_args a;
	struct build b;
	struct image_options io;
	struct image_result ir;
	struct strvec tags = STRVEC_INIT;
	struct option *opts = compile_options();
	int c, r, ret = -1;

	compile_args_init(&a);
	memset(&io, 0, sizeof(io));
	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":" COMPILE_SHORTOPTS "h", opts)) != -1) {
		if (c == 'h') {
			out_text(usage, compile_options_help);
			ret = 0;
			goto out;
		}
		switch (c) {
		case OPT_IMAGE: io.push = optarg; continue;
		case OPT_IMAGE_OUTPUT: io.output = optarg; continue;
		case OPT_IMAGE_BASE: io.base = optarg; continue;
		case OPT_IMAGE_TAG: strvec_push(&tags, optarg); continue;
		}
		r = compile_args_option(&a, c, "compile", err);
		if (r < 0)
			goto out;
		if (!r) {
			cmd_bad_option(err, "compile", c, argv);
			goto out;
		}
	}
	if (cmd_one_operand(argc, argv, "compile", "SOURCE", err) < 0)
		goto out;
	a.opt.source = argv[optind];
	if (compile_args_finish(&a, "compile", err) < 0)
		goto out;

	if ((io.base || tags.nr) && !io.push && !io.output) {
		cmd_usage(err, "compile", "--image-base and --image-tag need --image or --image-output");
		goto out;
	}

	build_init(&b, &a.opt);
	ret = build_run(&b, err);
	if (!ret && (io.push || io.output)) {
		io.slug = b.opt.output;
		io.manifest = b.manifest_path;
		io.tags = &tags;
		io.cache_dir = a.opt.cache_dir;
		io.threads = a.opt.jobs;
		ret = image_build(&io, &ir, err);
	}
	if (!ret)
		print_result(&b, io.push || io.output ? &ir : NULL);
	build_release(&b);
out:
	compile_args_release(&a);
	strvec_clear(&tags);
	free(opts);
	return ret;
}
