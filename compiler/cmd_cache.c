#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "cmd.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "output.h"
#include "path.h"
#include "sha256.h"
#include "strvec.h"
#include "url.h"
#include "xalloc.h"

static const char usage[] =
	"usage: slugc cache ls [--json] [--cache-dir DIR]\n"
	"       slugc cache prune [--max-age DAYS | --all] [--tofu] [--json] [--cache-dir DIR]\n"
	"       slugc cache import FILE [--sha256 HEX] [--url URL] [--cache-dir DIR]\n"
	"\n"
	"ls      what the cache holds: git mirrors, runtime archives (by sha256),\n"
	"        index documents, unpacked toolchains, per-app build caches, each\n"
	"        with its size, days since its last use and what it is; --json: as\n"
	"        one JSON array on stdout (docs/schema/cache-ls.json)\n"
	"prune   remove what no build used for DAYS days (default 30; --all: everything\n"
	"        not in use); --tofu also forgets the digests recorded on first use.\n"
	"        Leftovers a build that died left behind (unfinished or evicted\n"
	"        dependency trees and toolchains) go whatever their age; those a\n"
	"        running build holds stay. --json: what was removed, as JSON on stdout\n"
	"import  add a runtime archive for --offline builds (air-gapped build servers):\n"
	"        FILE is stored under its sha256, which must equal --sha256 when given;\n"
	"        --url records it as the digest of that URL (for runtimes such as Ruby\n"
	"        that have no published checksums, and for exact versions offline\n"
	"        without the index); a file name as the official one\n"
	"        (node-v20.11.1-linux-x64.tar.gz) also serves an exact version\n"
	"\n"
	"The cache directory is --cache-dir, else SLUGC_CACHE_DIR, else\n"
	"$XDG_CACHE_HOME/slugc, else ~/.cache/slugc.\n";

enum { OPT_CACHE_DIR = 256, OPT_MAX_AGE, OPT_ALL, OPT_TOFU, OPT_SHA256, OPT_URL, OPT_JSON };

static const struct option longopts[] = {
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "tofu", no_argument, NULL, OPT_TOFU },
	{ "sha256", required_argument, NULL, OPT_SHA256 },
	{ "url", required_argument, NULL, OPT_URL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "2026-12-06T20:15:00Z" */
static void add_time(struct buf *b, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	if (!gmtime_r(&tt, &tm) || !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(s, sizeof(s), "1970-01-01T00:00:00Z");
	buf_addstr(b, s);
}

/* Leftovers are no entries: after them, apart, in the human listing only. */
static int ls_leftovers(const char *cache, struct error *err)
{
	struct cache_item *items = NULL;
	size_t nr = 0, i;
	long long now = (long long)time(NULL);

	if (cache_list_leftovers(cache, &items, &nr, err) < 0)
		return -1;
	if (nr)
		out_text("leftovers (not entries; 'slugc cache prune' removes the abandoned ones):\n");
	for (i = 0; i < nr; i++) {
		const struct cache_item *it = &items[i];
		long long age = now > it->mtime ? now - it->mtime : 0;
		struct buf b = BUF_INIT;

		buf_add_size(&b, it->size);
		out_text("  %-9s %10s %5lldd  %s  %s\n", it->kind, b.ptr, age / 86400, it->name,
			 it->description);
		buf_release(&b);
	}
	cache_items_free(items, nr);
	return 0;
}

static int cache_ls(const char *cache, int json, struct error *err)
{
	struct cache_item *items = NULL;
	struct json *doc = NULL;
	size_t nr = 0, i;
	long long now = (long long)time(NULL);

	if (cache_list(cache, &items, &nr, err) < 0)
		return -1;
	if (json)
		doc = json_new_array();
	else
		out_text("%s\n", cache);
	for (i = 0; i < nr; i++) {
		const struct cache_item *it = &items[i];
		long long age = now > it->mtime ? now - it->mtime : 0;
		struct buf b = BUF_INIT;

		if (json) {
			struct json *o = json_new_object();
			json_add_str(o, "kind", it->kind);
			json_add_str(o, "name", it->name);
			json_add_int(o, "size", (int64_t)it->size);
			add_time(&b, it->mtime);
			json_add_str(o, "last_used", b.ptr);
			json_add_int(o, "age_days", age / 86400);
			json_add_str(o, "description", it->description);
			json_add_str(o, "url", it->url);
			json_append(doc, o);
		} else {
			buf_add_size(&b, it->size);
			/* The first 12 digits name an entry well enough to read; --json has them all. */
			out_text("  %-9s %10s %5lldd  %-12.12s  %s\n", it->kind, b.ptr, age / 86400,
				 it->name, it->description ? it->description : "(no description)");
		}
		buf_release(&b);
	}
	if (json) {
		char *text = json_print(doc, 0);

		out_json(text);
		free(text);
		json_free(doc);
	} else if (!nr) {
		out_text("  (empty)\n");
	}
	cache_items_free(items, nr);
	return json ? 0 : ls_leftovers(cache, err);
}

static int cache_prune_cmd(const char *cache, long max_age, int tofu, int json, struct error *err)
{
	struct cache_pruned p;
	struct buf size = BUF_INIT;

	if (cache_prune(cache, max_age, tofu, &p, err) < 0)
		return -1;
	if (json) {
		struct json *doc = json_new_object();
		char *text;

		json_add_str(doc, "cache", cache);
		json_add_int(doc, "freed", (int64_t)p.freed);
		json_add_int(doc, "entries", (int64_t)p.entries);
		json_add_int(doc, "leftovers", (int64_t)p.leftovers);
		json_add_int(doc, "leftovers_in_use", (int64_t)p.busy);
		text = json_print(doc, 0);
		out_json(text);
		free(text);
		json_free(doc);
		return 0;
	}
	buf_add_size(&size, p.freed);
	out_text("freed %s in %s: %zu %s, %zu abandoned %s\n", size.ptr, cache, p.entries,
		 p.entries == 1 ? "entry" : "entries", p.leftovers,
		 p.leftovers == 1 ? "leftover" : "leftovers");
	if (p.busy)
		out_text("kept %zu %s a running build is writing or removing\n", p.busy,
			 p.busy == 1 ? "leftover" : "leftovers");
	buf_release(&size);
	return 0;
}

static int cache_import(const char *cache, const char *file, const char *want, const char *url,
			struct error *err)
{
	char hex[SHA256_HEX_LEN + 1], *tmpdir = path_join(cache, "tmp"), *tmp = NULL;
	char *blob = NULL, *what = NULL;
	int in = -1, out = -1, ret = -1, r;
	struct stat st;

	if (sha256_file(file, hex, NULL, err) < 0)
		goto done;
	if (want && strcasecmp(want, hex)) {
		error_set(err, "'%s' has sha256 %s, not %s; not imported", file, hex, want);
		goto done;
	}
	if (!cache_blob_exists(cache, hex)) {
		/* Copy through tmp/ in the cache, so the store only ever gains whole files. */
		tmp = xstrfmt("%s/%s.import-%ld", tmpdir, hex, (long)getpid());
		if (fs_mkdir_p(tmpdir, 0700, err) < 0)
			goto done;
		in = open(file, O_RDONLY | O_CLOEXEC);
		if (in < 0 || fstat(in, &st) < 0) {
			error_errno(err, "cannot read '%s'", file);
			goto done;
		}
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0) {
			error_errno(err, "cannot create '%s'", tmp);
			goto done;
		}
		if (fs_copy_fd(in, out, (uint64_t)st.st_size, file, err) < 0 ||
		    cache_blob_put(cache, tmp, hex, err) < 0)
			goto done;
	}
	if (url && cache_tofu_put(cache, url, hex, err) < 0)
		goto done;
	/* What it is, for cache ls and for --offline builds that find it by file name. */
	blob = cache_blob_path(cache, hex);
	if (url || !cache_meta_exists(blob)) {
		struct cache_meta m = CACHE_META_INIT;
		char *shown = url ? url_strip_credentials(url) : NULL;

		what = xstrfmt("%s, imported%s%s", path_basename(file), shown ? " for " : "",
			       shown ? shown : "");
		m.description = what;
		m.url = shown;
		m.filename = path_basename(file);
		m.imported = 1;
		r = cache_meta_put(blob, &m, err);
		free(shown);
		if (r < 0)
			goto done;
	}
	out_text("imported %s as sha256 %s%s%s\n", file, hex, url ? " for " : "", url ? url : "");
	ret = 0;
done:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (tmp && ret < 0)
		unlink(tmp);
	free(tmp);
	free(tmpdir);
	free(blob);
	free(what);
	return ret;
}

int cmd_cache(int argc, char **argv, struct error *err)
{
	const char *dir = NULL, *want = NULL, *url = NULL, *verb;
	unsigned long long days = 30;
	int all = 0, tofu = 0, max_age = 0, json = 0, c, ret = -1;
	char *cache = NULL;

	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":h", longopts)) != -1) {
		switch (c) {
		case OPT_CACHE_DIR:
			dir = optarg;
			break;
		case OPT_MAX_AGE:
			if (cmd_parse_uint(optarg, "--max-age", "cache", 0, 36500, &days, err) < 0)
				return -1;
			max_age = 1;
			break;
		case OPT_ALL:
			all = 1;
			break;
		case OPT_TOFU:
			tofu = 1;
			break;
		case OPT_SHA256:
			want = optarg;
			break;
		case OPT_URL:
			url = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			out_text("%s", usage);
			return 0;
		default:
			return cmd_bad_option(err, "cache", c, argv);
		}
	}
	out_setup(OUT_NORMAL, json);
	if (all && max_age)
		return cmd_usage(err, "cache", "--all and --max-age exclude each other");
	if (optind >= argc)
		return cmd_usage(err, "cache", "expected ls, prune or import");
	verb = argv[optind];
	if (strcmp(verb, "import") ? argc - optind != 1 : argc - optind != 2)
		return cmd_usage(err, "cache", "unexpected arguments for '%s'", verb);
	if (strcmp(verb, "ls") && strcmp(verb, "prune") && strcmp(verb, "import"))
		return cmd_usage(err, "cache", "no cache command '%s' (ls, prune, import)", verb);
	if (json && !strcmp(verb, "import"))
		return cmd_usage(err, "cache", "--json is for 'cache ls' and 'cache prune' only");
	if (cache_dir(dir, NULL, &cache, err) < 0)
		return -1;
	if (!strcmp(verb, "ls")) {
		ret = cache_ls(cache, json, err);
	} else if (!strcmp(verb, "import")) {
		ret = cache_import(cache, argv[optind + 1], want, url, err);
	} else {
		ret = cache_prune_cmd(cache, all ? -1 : (long)days * 86400, tofu, json, err);
	}
	free(cache);
	return ret;
}
