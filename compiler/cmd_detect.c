#include <getopt.h>
#include <stdlib.h>

#include "cmd.h"
#include "detectors.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "output.h"

static const char usage[] =
	"usage: slugc detect DIR [--json]\n"
	"\n"
	"Print the languages DIR is written in, one per line, in the order slugc\n"
	"builds them (nodejs, ruby, python, go; procfile for a Procfile-only app).\n"
	"Detection reads files only: no network, no writes.\n"
	"\n"
	"      --json     for each language: name, requirement and where it comes from,\n"
	"                 package manager, framework, default process types, notes\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 detected, 1 nothing detected or a broken file, 2 usage error.\n";

enum { OPT_JSON = 256 };

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_detect(int argc, char **argv, struct error *err)
{
	struct detection_list list = DETECTION_LIST_INIT;
	int json = 0, c;
	size_t i;

	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":h", longopts)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			out_text("%s", usage);
			return 0;
		default:
			return cmd_bad_option(err, "detect", c, argv);
		}
	}
	if (argc - optind != 1)
		return cmd_usage(err, "detect", "expected one DIR");
	out_setup(OUT_NORMAL, json);
	if (!fs_is_dir(argv[optind]))
		return error_set(err, "'%s' is not a directory", argv[optind]);
	if (detect_languages(argv[optind], &list, err) < 0)
		return -1;
	if (json) {
		struct json *doc = json_new_object(), *langs = json_new_array();
		char *text;

		for (i = 0; i < list.nr; i++)
			json_append(langs, detection_to_json(&list.v[i]));
		json_add(doc, "languages", langs);
		text = json_print(doc, 0);
		out_json(text);
		free(text);
		json_free(doc);
	} else {
		for (i = 0; i < list.nr; i++)
			out_text("%s\n", list.v[i].detector->name);
	}
	detection_list_release(&list);
	return 0;
}
