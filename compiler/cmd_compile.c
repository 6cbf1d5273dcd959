#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "build.h"
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "manifest.h"
#include "output.h"

static const char usage[] =
	"usage: slugc compile SOURCE [options]\n"
	"\n"
	"Turn SOURCE into a Heroku slug and its JSON manifest. SOURCE is a directory,\n"
	"a git work tree or bare repository (the committed tree at --rev is built),\n"
	"a git URL (file://, git://, http://, https://) or a .tar.gz of source.\n"
	"The source is never modified.\n"
	"\n"
	"  -o, --output FILE     write the slug here (default: slug.tgz)\n"
	"      --rev REV         git revision: branch, tag, SHA or revspec (default: HEAD)\n"
	"      --worktree        build a work tree's files as they are on disk\n"
	"      --app-dir PATH    the app is this subdirectory of the source\n"
	"      --cache-dir DIR   git mirrors and downloads (default: ~/.cache/slugc)\n"
	"      --manifest FILE   write the manifest here (default: FILE with .json for .tgz)\n"
	"      --stack NAME      stack recorded in the manifest (default: heroku-24)\n"
	"      --max-size MB     fail when the compressed slug is larger (default: 500)\n"
	"  -j, --jobs N          compression threads (default: SLUGC_THREADS or all cores)\n"
	"      --level N         compression level 1-12 (default: 6)\n"
	"      --json            print the result as one JSON document on stdout\n"
	"  -q, --quiet           print only warnings and errors\n"
	"  -v, --verbose         also print what each stage does\n"
	"  -h, --help            show this help\n"
	"\n"
	"Environment: SOURCE_DATE_EPOCH (mtime of every entry; default: the commit's\n"
	"time), SLUGC_THREADS, SLUGC_CACHE_DIR, TMPDIR; ~/.netrc for git credentials.\n"
	"Exit status: 0 success, 1 the build failed, 2 usage error.\n";

enum { OPT_MANIFEST = 256, OPT_STACK, OPT_MAX_SIZE, OPT_LEVEL, OPT_JSON, OPT_REV, OPT_WORKTREE,
       OPT_APP_DIR, OPT_CACHE_DIR };

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "rev", required_argument, NULL, OPT_REV },
	{ "worktree", no_argument, NULL, OPT_WORKTREE },
	{ "app-dir", required_argument, NULL, OPT_APP_DIR },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "stack", required_argument, NULL, OPT_STACK },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "jobs", required_argument, NULL, 'j' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void print_result(const struct build *b)
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
	buf_release(&size);
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

int cmd_compile(int argc, char **argv, struct error *err)
{
	struct build_options opt = BUILD_OPTIONS_INIT;
	enum out_level level = OUT_NORMAL;
	unsigned long long v;
	int json = 0, jobs_set = 0, c, ret;
	struct build b;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:j:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt.output = optarg;
			break;
		case OPT_MANIFEST:
			opt.manifest = optarg;
			break;
		case OPT_REV:
			if (!*optarg)
				return cmd_usage(err, "compile", "--rev must not be empty");
			opt.rev = optarg;
			break;
		case OPT_WORKTREE:
			opt.worktree = 1;
			break;
		case OPT_APP_DIR:
			opt.app_dir = optarg;
			break;
		case OPT_CACHE_DIR:
			opt.cache_dir = optarg;
			break;
		case OPT_STACK:
			if (!valid_stack(optarg))
				return cmd_usage(err, "compile", "--stack expects a stack name like "
						 "'heroku-24', not '%s'", optarg);
			opt.stack = optarg;
			break;
		case OPT_MAX_SIZE:
			if (cmd_parse_uint(optarg, "--max-size", "compile", 1, 1 << 20, &v, err) < 0)
				return -1;
			opt.max_size = (uint64_t)v << 20;
			break;
		case 'j':
			if (cmd_parse_uint(optarg, "--jobs", "compile", 1, 256, &v, err) < 0)
				return -1;
			opt.jobs = (unsigned)v;
			jobs_set = 1;
			break;
		case OPT_LEVEL:
			if (cmd_parse_uint(optarg, "--level", "compile", 1, 12, &v, err) < 0)
				return -1;
			opt.level = (int)v;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'q':
			level = OUT_QUIET;
			break;
		case 'v':
			level = OUT_VERBOSE;
			break;
		case 'h':
			out_text("%s", usage);
			return 0;
		default:
			return cmd_bad_option(err, "compile", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage(err, "compile", "missing SOURCE");
	if (optind + 1 < argc)
		return cmd_usage(err, "compile", "unexpected argument '%s'", argv[optind + 1]);
	opt.source = argv[optind];
	if (opt.rev && opt.worktree)
		return cmd_usage(err, "compile", "--rev and --worktree exclude each other");
	if (!*opt.output)
		return cmd_usage(err, "compile", "--output must not be empty");
	if (!jobs_set && cmd_default_jobs(&opt.jobs, "compile", err) < 0)
		return -1;
	out_setup(level, json);

	build_init(&b, &opt);
	ret = build_run(&b, err);
	if (!ret)
		print_result(&b);
	build_release(&b);
	return ret;
}
