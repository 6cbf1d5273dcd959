#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cmd.h"
#include "error.h"
#include "extract.h"
#include "inspect.h"
#include "json.h"
#include "manifest.h"
#include "output.h"

static const char usage[] =
	"usage: slugc inspect SLUG.tgz [--manifest slug.json] [--json]\n"
	"\n"
	"Verify a slug: every entry under ./app/, no '..', no absolute paths, no\n"
	"symlink leaving ./app, only files, directories and symlinks, no name twice,\n"
	"within the unpack caps. slugc run refuses exactly what this refuses. Print its\n"
	"size, checksum and file count, whether its layout is the reproducible one\n"
	"slugc writes and, with --manifest, its process types after checking that\n"
	"the manifest's checksum and size match the file.\n"
	"\n"
	"      --manifest FILE   the slug's manifest (checked against the slug)\n"
	"      --json            print one JSON document on stdout\n"
	"%s"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 the slug is valid, 1 it is not (the entry is named), 2 usage error.\n";

enum { OPT_MANIFEST = 256, OPT_JSON };

static const struct option longopts[] = {
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "json", no_argument, NULL, OPT_JSON },
	CMD_UNPACK_LONGOPTS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void format_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%lld", (long long)t);
}

static int check_manifest(const struct manifest *m, const struct inspect_result *r,
			  const char *slug, const char *mpath, struct error *err)
{
	char checksum[8 + SHA256_HEX_LEN];

	snprintf(checksum, sizeof(checksum), "SHA256:%s", r->sha256);
	if (m->checksum && strcmp(m->checksum, checksum))
		return error_set(err, "'%s' records checksum %s but '%s' has %s; the slug was "
				 "changed or belongs to another manifest", mpath, m->checksum, slug,
				 checksum);
	if (m->size >= 0 && (uint64_t)m->size != r->size)
		return error_set(err, "'%s' records size %lld but '%s' is %llu bytes", mpath,
				 (long long)m->size, slug, (unsigned long long)r->size);
	return 0;
}

static void print_json(const char *slug, const struct inspect_result *r, const struct manifest *m)
{
	struct json *doc = json_new_object();
	char checksum[8 + SHA256_HEX_LEN];
	char *text;
	size_t i;

	snprintf(checksum, sizeof(checksum), "SHA256:%s", r->sha256);
	json_add_str(doc, "slug", slug);
	json_add_bool(doc, "valid", 1);
	json_add_int(doc, "size", (int64_t)r->size);
	json_add_str(doc, "checksum", checksum);
	json_add_int(doc, "entries", (int64_t)r->entries);
	json_add_int(doc, "files", (int64_t)r->files);
	json_add_int(doc, "directories", (int64_t)r->dirs);
	json_add_int(doc, "symlinks", (int64_t)r->symlinks);
	json_add_int(doc, "content_bytes", (int64_t)r->bytes);
	json_add_bool(doc, "normalized", r->normalized);
	if (!r->normalized)
		json_add_str(doc, "not_normalized_because", r->why_not);
	if (m->doc) {
		struct json *types = json_new_object();

		for (i = 0; i < m->process_types.nr; i++)
			json_add_str(types, m->process_types.v[i].name, m->process_types.v[i].command);
		json_add(doc, "process_types", types);
	}
	text = json_print(doc, 0);
	out_json(text);
	free(text);
	json_free(doc);
}

static void print_human(const char *slug, const struct inspect_result *r, const struct manifest *m,
			const char *mpath)
{
	struct buf size = BUF_INIT, content = BUF_INIT;
	char when[32];
	size_t i;

	buf_add_size(&size, r->size);
	buf_add_size(&content, r->bytes);
	out_text("slug       %s\n", slug);
	out_text("size       %llu bytes (%s)\n", (unsigned long long)r->size, size.ptr);
	out_text("checksum   SHA256:%s\n", r->sha256);
	out_text("files      %llu (%llu directories, %llu symlinks; %s uncompressed)\n",
		 (unsigned long long)r->files, (unsigned long long)r->dirs,
		 (unsigned long long)r->symlinks, content.ptr);
	if (r->normalized) {
		format_time(r->mtime, when);
		out_text("layout     reproducible (sorted, uid/gid 0, every mtime %s)\n", when);
	} else {
		out_text("layout     valid, not normalised: %s\n", r->why_not);
	}
	if (m->doc) {
		out_text("process types (from %s):\n", mpath);
		for (i = 0; i < m->process_types.nr; i++)
			out_text("  %s: %s\n", m->process_types.v[i].name, m->process_types.v[i].command);
	}
	buf_release(&size);
	buf_release(&content);
}

int cmd_inspect(int argc, char **argv, struct error *err)
{
	struct manifest m = MANIFEST_INIT;
	struct unpack_limits limits = UNPACK_LIMITS_INIT;
	struct inspect_result r;
	const char *mpath = NULL, *slug;
	int json = 0, c, r2, ret = -1;

	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":h", longopts)) != -1) {
		switch (c) {
		case OPT_MANIFEST:
			mpath = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			out_text(usage, cmd_unpack_help);
			return 0;
		default:
			r2 = cmd_unpack_option(&limits, c, "inspect", err);
			if (r2 < 0)
				return -1;
			if (!r2)
				return cmd_bad_option(err, "inspect", c, argv);
			break;
		}
	}
	if (cmd_one_operand(argc, argv, "inspect", "SLUG.tgz", err) < 0)
		return -1;
	slug = argv[optind];
	out_setup(OUT_NORMAL, json);

	if (mpath && manifest_load(&m, mpath, err) < 0)
		goto out;
	if (inspect_slug(slug, &limits, &r, err) < 0)
		goto out;
	if (m.doc && check_manifest(&m, &r, slug, mpath, err) < 0)
		goto out;
	if (json)
		print_json(slug, &r, &m);
	else
		print_human(slug, &r, &m, mpath);
	ret = 0;
out:
	manifest_release(&m);
	return ret;
}
