#include <getopt.h>
#include <stdlib.h>

#include "build.h"
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "output.h"

static const char usage[] =
	"usage: slugc buildpacks SOURCE [options]\n"
	"\n"
	"Print the buildpacks `slugc compile` would run for SOURCE, in order, and\n"
	"where the list comes from: --buildpack, the BUILDPACK_URL config var (from\n"
	"--env-dir), the app's .buildpacks, app.json's \"buildpacks\", or, with none\n"
	"of them, the languages slugc detects. No buildpack is fetched or run.\n"
	"\n"
	"      --buildpack REF   as for compile (repeatable)\n"
	"      --env-dir DIR     config vars (BUILDPACK_URL)\n"
	"      --rev REV         git revision (default: HEAD)\n"
	"      --app-dir PATH    the app is this subdirectory of the source\n"
	"      --cache-dir DIR   git mirrors (default: ~/.cache/slugc)\n"
	"      --json            {\"from\": ..., \"buildpacks\": [{\"ref\", \"kind\", \"name\"}]}\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 success, 1 a broken list or source, 2 usage error.\n";

enum { OPT_BUILDPACK = 256, OPT_ENV_DIR, OPT_REV, OPT_APP_DIR, OPT_CACHE_DIR, OPT_JSON };

static const struct option longopts[] = {
	{ "buildpack", required_argument, NULL, OPT_BUILDPACK },
	{ "env-dir", required_argument, NULL, OPT_ENV_DIR },
	{ "rev", required_argument, NULL, OPT_REV },
	{ "app-dir", required_argument, NULL, OPT_APP_DIR },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *const kinds[] = { "native", "dir", "git", "tgz" };

static void print(const struct build *b)
{
	const char *from = b->bps.nr ? b->bps.origin : "detection";
	size_t i;

	if (out_json_mode()) {
		struct json *doc = json_new_object(), *list = json_new_array();
		char *text;

		json_add_str(doc, "from", from);
		for (i = 0; i < b->bps.nr; i++) {
			struct json *o = json_new_object();

			json_add_str(o, "ref", b->bps.v[i].shown);
			json_add_str(o, "kind", kinds[b->bps.v[i].kind]);
			json_add_str(o, "name", b->bps.v[i].name);
			json_append(list, o);
		}
		for (i = 0; i < b->detections.nr; i++) {
			struct json *o = json_new_object();

			json_add_str(o, "ref", b->detections.v[i].detector->name);
			json_add_str(o, "kind", "native");
			json_add_str(o, "name", b->detections.v[i].detector->name);
			json_append(list, o);
		}
		json_add(doc, "buildpacks", list);
		text = json_print(doc, 0);
		out_json(text);
		free(text);
		json_free(doc);
		return;
	}
	out_text("# from %s\n", from);
	for (i = 0; i < b->bps.nr; i++)
		out_text("%s\t%s\n", b->bps.v[i].shown, kinds[b->bps.v[i].kind]);
	for (i = 0; i < b->detections.nr; i++)
		out_text("%s\tnative\n", b->detections.v[i].detector->name);
}

int cmd_buildpacks(int argc, char **argv, struct error *err)
{
	struct build_options opt = BUILD_OPTIONS_INIT;
	struct strvec refs = STRVEC_INIT;
	struct build b;
	int json = 0, c, ret = -1, r;

	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":h", longopts)) != -1) {
		switch (c) {
		case OPT_BUILDPACK:
			strvec_push(&refs, optarg);
			break;
		case OPT_ENV_DIR:
			opt.env_dir = optarg;
			break;
		case OPT_REV:
			opt.rev = optarg;
			break;
		case OPT_APP_DIR:
			opt.app_dir = optarg;
			break;
		case OPT_CACHE_DIR:
			opt.cache_dir = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			out_text("%s", usage);
			goto done;
		default:
			cmd_bad_option(err, "buildpacks", c, argv);
			goto out;
		}
	}
	if (cmd_one_operand(argc, argv, "buildpacks", "SOURCE", err) < 0)
		goto out;
	opt.source = argv[optind];
	opt.buildpacks = &refs;
	/* Only the list goes to stdout; the source's steps are not shown. */
	out_setup(OUT_QUIET, json);
	build_init(&b, &opt);
	r = build_prepare_source(&b, err);
	if (!r)
		r = build_load_config(&b, err);
	if (!r)
		r = buildpack_list_read(&b.bps, &refs, &b.config, b.app_dir, err);
	if (r == 0)
		r = detect_languages(b.app_dir, &b.detections, err);
	if (r >= 0)
		print(&b);
	build_release(&b);
	if (r < 0)
		goto out;
done:
	ret = 0;
out:
	strvec_clear(&refs);
	return ret;
}
