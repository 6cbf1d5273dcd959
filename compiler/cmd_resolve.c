#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "cache.h"
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "output.h"

static const char usage[] =
	"usage: slugc resolve LANG [REQUIREMENT] [options]\n"
	"\n"
	"Print the exact version, URL and sha256 a build would use for LANG (nodejs,\n"
	"go, ruby) and REQUIREMENT (default: the language's default), by the same\n"
	"code compile uses: the official index or a mirror, Heroku's rules (Node's\n"
	"LTS ceiling, Go's newest patch of a line, Ruby's exact versions), and check\n"
	"that the archive is there to download (unless --offline or cached).\n"
	"\n"
	"      --mirror LANG=URL       the index and downloads from URL (http(s):// or file://)\n"
	"      --offline               only the cached index\n"
	"      --stack NAME            the stack (Ruby's binaries are per stack; default heroku-24)\n"
	"      --cache-dir DIR         where indexes are cached (default: ~/.cache/slugc)\n"
	"      --runtime-sha256 LANG=HEX, --inventory FILE   pins, as for compile\n"
	"      --json                  one JSON document on stdout\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Environment: SLUGC_MIRROR_<LANG>, NODEJS_ALLOW_WIDE_RANGE.\n"
	"Exit status: 0 resolved, 1 nothing matches or the index is unreachable, 2 usage error.\n";

enum { OPT_MIRROR = 256, OPT_OFFLINE, OPT_STACK, OPT_CACHE_DIR, OPT_PIN, OPT_INVENTORY, OPT_JSON };

static const struct option longopts[] = {
	{ "mirror", required_argument, NULL, OPT_MIRROR },
	{ "offline", no_argument, NULL, OPT_OFFLINE },
	{ "stack", required_argument, NULL, OPT_STACK },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "runtime-sha256", required_argument, NULL, OPT_PIN },
	{ "inventory", required_argument, NULL, OPT_INVENTORY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void print(const char *lang, const char *requirement, const struct resolved *r)
{
	size_t i;

	if (out_json_mode()) {
		struct json *doc = resolved_json(r), *notes = json_new_array();
		char *text;

		json_add_str(doc, "requirement", requirement);
		json_add_str(doc, "filename", r->filename);
		for (i = 0; i < r->notes.nr; i++)
			json_append(notes, json_new_string(r->notes.v[i]));
		json_add(doc, "notes", notes);
		text = json_print(doc, 0);
		out_json(text);
		free(text);
		json_free(doc);
		return;
	}
	for (i = 0; i < r->notes.nr; i++)
		out_warn("%s", r->notes.v[i]);
	out_text("%s %s\n", lang, r->version);
	out_text("  url       %s\n", r->shown_url);
	out_text("  sha256    %s\n", r->sha256 ? r->sha256 : "(none published; recorded on first download)");
	out_text("  verified  against %s\n", r->verified_by);
}

int cmd_resolve(int argc, char **argv, struct error *err)
{
	struct build_options opt = BUILD_OPTIONS_INIT;
	struct strvec mirrors = STRVEC_INIT, pins = STRVEC_INIT;
	struct runtime_options o;
	struct resolved r;
	const char *lang, *requirement = NULL;
	char *cache = NULL;
	int json = 0, c, ret = -1;

	memset(&r, 0, sizeof(r));
	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":h", longopts)) != -1) {
		switch (c) {
		case OPT_MIRROR:
		case OPT_PIN:
			if (cmd_lang_value(optarg, c == OPT_MIRROR ? "--mirror" : "--runtime-sha256",
					   "resolve", c == OPT_MIRROR ? &mirrors : &pins, err) < 0)
				goto out;
			break;
		case OPT_OFFLINE:
			opt.offline = 1;
			break;
		case OPT_STACK:
			opt.stack = optarg;
			break;
		case OPT_CACHE_DIR:
			opt.cache_dir = optarg;
			break;
		case OPT_INVENTORY:
			opt.inventory = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			out_text("%s", usage);
			ret = 0;
			goto out;
		default:
			cmd_bad_option(err, "resolve", c, argv);
			goto out;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		cmd_usage(err, "resolve", "expected LANG and an optional REQUIREMENT");
		goto out;
	}
	lang = !strcmp(argv[optind], "node") ? "nodejs" : argv[optind];
	if (argc - optind == 2)
		requirement = argv[optind + 1];
	opt.mirrors = &mirrors;
	opt.pins = &pins;
	out_setup(OUT_NORMAL, json);

	if (cache_dir(opt.cache_dir, NULL, &cache, err) < 0 ||
	    build_runtime_options(&opt, lang, cache, NULL, &o, err) < 0 ||
	    runtime_resolve(lang, requirement, &o, &r, err) < 0 ||
	    runtime_check_available(&o, &r, err) < 0)
		goto out;
	print(lang, requirement, &r);
	ret = 0;
out:
	resolved_release(&r);
	strvec_clear(&mirrors);
	strvec_clear(&pins);
	free(cache);
	return ret;
}
