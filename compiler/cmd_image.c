/* slugc image: a slug → an OCI image, written as a layout or pushed (image.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "image.h"
#include "json.h"
#include "output.h"
#include "strvec.h"

static const char usage[] =
	"usage: slugc image SLUG.tgz [--base REF] (--output DIR | --push REF) [options]\n"
	"\n"
	"Make a reproducible OCI image of a slug: the base image's layers, the slug\n"
	"itself as the layer holding /app, and /slugc/entrypoint, which starts a\n"
	"process type as a dyno does (docs/images.md). The same slug on the same base\n"
	"gives the same image digest.\n"
	"\n"
	"      --base REF        the base image: a registry reference (HOST/NAME:TAG or\n"
	"                        NAME@sha256:...), oci:DIR[:TAG] (an OCI layout), or\n"
	"                        scratch (no layers, no shell: static binaries);\n"
	"                        default: heroku/heroku:NN for the slug's stack heroku-NN\n"
	"      --output PATH     write an OCI image layout directory (or, with --format\n"
	"                        docker-archive, a tar file for docker load)\n"
	"      --push REF        push to a registry as HOST/NAME:TAG\n"
	"      --tag TAG         also tag the image TAG (repeatable)\n"
	"      --manifest FILE   the slug's manifest (default: beside the slug)\n"
	"      --format F        the --output format: oci (default) or docker-archive\n"
	"                        (then each --tag is an image NAME[:TAG])\n"
	"      --user USER       the image's User (default 1000:1000, non-root as dynos run)\n"
	"      --platform OS/ARCH  which image of a multi-platform base (default: this machine)\n"
	"      --chunk-size N    upload blobs larger than N bytes in N-byte chunks\n"
	"                        (default 0: one PUT each)\n"
	"      --cache-dir DIR   the cache, where base layers are kept by digest\n"
	"  -j, --jobs N          compression threads\n"
	"      --json            print {\"digest\": ...} on stdout\n"
	"  -q, --quiet           only errors\n"
	"  -v, --verbose         trace every request (never credentials)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Credentials: ~/.docker/config.json (or $DOCKER_CONFIG/config.json) \"auths\".\n"
	"Loopback registries and $SLUGC_INSECURE_REGISTRIES (host:port,...) use http.\n";

enum { OPT_BASE = 256, OPT_OUTPUT, OPT_PUSH, OPT_TAG, OPT_MANIFEST, OPT_FORMAT, OPT_USER,
       OPT_PLATFORM, OPT_CHUNK, OPT_CACHE, OPT_JSON };

static const struct option longopts[] = {
	{ "base", required_argument, NULL, OPT_BASE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "user", required_argument, NULL, OPT_USER },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "chunk-size", required_argument, NULL, OPT_CHUNK },
	{ "cache-dir", required_argument, NULL, OPT_CACHE },
	{ "jobs", required_argument, NULL, 'j' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_image(int argc, char **argv, struct error *err)
{
	struct image_options o;
	struct image_result res;
	struct strvec tags = STRVEC_INIT;
	enum out_level level = OUT_NORMAL;
	unsigned long long n;
	int json = 0, jobs_set = 0, c, ret = -1;

	memset(&o, 0, sizeof(o));
	o.tags = &tags;
	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":j:qvh", longopts)) != -1) {
		switch (c) {
		case OPT_BASE: o.base = optarg; break;
		case OPT_OUTPUT: o.output = optarg; break;
		case OPT_PUSH: o.push = optarg; break;
		case OPT_TAG: strvec_push(&tags, optarg); break;
		case OPT_MANIFEST: o.manifest = optarg; break;
		case OPT_FORMAT: o.format = optarg; break;
		case OPT_USER: o.user = optarg; break;
		case OPT_PLATFORM: o.platform = optarg; break;
		case OPT_CACHE: o.cache_dir = optarg; break;
		case OPT_JSON: json = 1; break;
		case 'q': level = OUT_QUIET; break;
		case 'v': level = OUT_VERBOSE; break;
		case OPT_CHUNK:
			if (cmd_parse_uint(optarg, "--chunk-size", "image", 0, 1ULL << 40, &n, err) < 0)
				goto out;
			o.chunk = n;
			break;
		case 'j':
			if (cmd_parse_uint(optarg, "--jobs", "image", 1, 256, &n, err) < 0)
				goto out;
			o.threads = (unsigned)n;
			jobs_set = 1;
			break;
		case 'h':
			out_text("%s", usage);
			ret = 0;
			goto out;
		default:
			cmd_bad_option(err, "image", c, argv);
			goto out;
		}
	}
	if (cmd_one_operand(argc, argv, "image", "SLUG.tgz", err) < 0)
		goto out;
	o.slug = argv[optind];
	if (!o.output && !o.push) {
		cmd_usage(err, "image", "give --output DIR or --push REF (or both)");
		goto out;
	}
	if (o.format && strcmp(o.format, "oci") && strcmp(o.format, "docker-archive")) {
		cmd_usage(err, "image", "--format '%s': use oci or docker-archive", o.format);
		goto out;
	}
	if (!jobs_set && cmd_default_jobs(&o.threads, "image", err) < 0)
		goto out;
	out_setup(level, json);
	if (image_build(&o, &res, err) < 0)
		goto out;
	if (json) {
		struct json *doc = json_new_object();
		char *text;

		json_add_str(doc, "digest", res.digest);
		json_add_str(doc, "config", res.config);
		json_add_int(doc, "size", (int64_t)res.manifest_size);
		json_add_int(doc, "layers", res.layers);
		if (o.push) {
			json_add_str(doc, "pushed", o.push);
			json_add_int(doc, "uploaded", res.uploaded);
			json_add_int(doc, "present", res.present);
			json_add_int(doc, "mounted", res.mounted);
		}
		if (o.output)
			json_add_str(doc, "output", o.output);
		text = json_print(doc, 0);
		out_json(text);
		free(text);
		json_free(doc);
	} else {
		out_step("Image %s (%u layers)", res.digest, res.layers);
	}
	ret = 0;
out:
	strvec_clear(&tags);
	return ret;
}
