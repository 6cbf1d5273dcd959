#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "cmd.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"
#include "sha256.h"
#include "strvec.h"
#include "xalloc.h"

static const char usage[] =
	"usage: slugc cache ls [--cache-dir DIR]\n"
	"       slugc cache prune [--max-age DAYS | --all] [--tofu] [--cache-dir DIR]\n"
	"       slugc cache import FILE [--sha256 HEX] [--url URL] [--cache-dir DIR]\n"
	"\n"
	"ls      what the cache holds: git mirrors, runtime archives (by sha256),\n"
	"        index documents, unpacked toolchains, per-app build caches\n"
	"prune   remove what no build used for DAYS days (default 30; --all: everything\n"
	"        not in use); --tofu also forgets the digests recorded on first use\n"
	"import  add a runtime archive for --offline builds (air-gapped build servers):\n"
	"        FILE is stored under its sha256, which must equal --sha256 when given;\n"
	"        --url records it as the digest of that URL (for runtimes such as Ruby\n"
	"        that have no published checksums)\n"
	"\n"
	"The cache directory is --cache-dir, else SLUGC_CACHE_DIR, else\n"
	"$XDG_CACHE_HOME/slugc, else ~/.cache/slugc.\n";

enum { OPT_CACHE_DIR = 256, OPT_MAX_AGE, OPT_ALL, OPT_TOFU, OPT_SHA256, OPT_URL };

static const struct option longopts[] = {
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "tofu", no_argument, NULL, OPT_TOFU },
	{ "sha256", required_argument, NULL, OPT_SHA256 },
	{ "url", required_argument, NULL, OPT_URL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int cache_ls(const char *cache, struct error *err)
{
	struct strvec lines = STRVEC_INIT;
	size_t i;

	if (cache_list(cache, &lines, err) < 0)
		return -1;
	out_text("%s\n", cache);
	for (i = 0; i < lines.nr; i++)
		out_text("  %s\n", lines.v[i]);
	if (!lines.nr)
		out_text("  (empty)\n");
	strvec_clear(&lines);
	return 0;
}

static int cache_import(const char *cache, const char *file, const char *want, const char *url,
			struct error *err)
{
	char hex[SHA256_HEX_LEN + 1], *tmpdir = path_join(cache, "tmp"), *tmp = NULL;
	int in = -1, out = -1, ret = -1;
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
	return ret;
}

int cmd_cache(int argc, char **argv, struct error *err)
{
	const char *dir = NULL, *want = NULL, *url = NULL, *verb;
	unsigned long long days = 30, freed = 0;
	int all = 0, tofu = 0, max_age = 0, c, ret = -1;
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
		case 'h':
			out_text("%s", usage);
			return 0;
		default:
			return cmd_bad_option(err, "cache", c, argv);
		}
	}
	if (all && max_age)
		return cmd_usage(err, "cache", "--all and --max-age exclude each other");
	if (optind >= argc)
		return cmd_usage(err, "cache", "expected ls, prune or import");
	verb = argv[optind];
	if (strcmp(verb, "import") ? argc - optind != 1 : argc - optind != 2)
		return cmd_usage(err, "cache", "unexpected arguments for '%s'", verb);
	if (strcmp(verb, "ls") && strcmp(verb, "prune") && strcmp(verb, "import"))
		return cmd_usage(err, "cache", "no cache command '%s' (ls, prune, import)", verb);
	if (cache_dir(dir, NULL, &cache, err) < 0)
		return -1;
	if (!strcmp(verb, "ls")) {
		ret = cache_ls(cache, err);
	} else if (!strcmp(verb, "import")) {
		ret = cache_import(cache, argv[optind + 1], want, url, err);
	} else {
		ret = cache_prune(cache, all ? -1 : (long)days * 86400, tofu, &freed, err);
		if (!ret) {
			struct buf size = BUF_INIT;

			buf_add_size(&size, freed);
			out_text("freed %s in %s\n", size.ptr, cache);
			buf_release(&size);
		}
	}
	free(cache);
	return ret;
}
