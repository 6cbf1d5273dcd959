/*
 * Where compile's outputs go, against the source (issue 13, item 6).
 *
 * Invariants:
 *  1. The default manifest path (the slug's name with .json) never replaces a
 *     file slugc did not write: a manifest slugc wrote is a JSON object with a
 *     "slugc" object; anything else there (Heroku's app.json) is refused, naming
 *     the file and --manifest. An explicit --manifest is the user's choice.
 *  2. -o or --manifest naming an existing file of a local source (inside the
 *     source directory, or the source file itself) is refused, unless it is
 *     slugc's own output of an earlier compile: a manifest as in 1, a slug whose
 *     sha256 that manifest records.
 *  3. Outputs inside the app's directory, and their temporaries beside them
 *     (".NAME.tmp-XXXXXX", see tempfile_open()), are never part of the build:
 *     outputs_skip() leaves them out of the copy, so neither detection nor the
 *     packer sees them, and the next compile of the same tree gives the same bytes.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "error.h"
#include "json.h"
#include "manifest.h"
#include "path.h"
#include "sha256.h"
#include "xalloc.h"

/* The absolute path a target will have: its directory resolved, its name as given. NULL: no such directory. */
static char *canonical_target(const char *path)
{
	const char *base = path_basename(path);
	char *dir = base > path ? xstrndup(path, (size_t)(base - path)) : xstrdup(".");
	char real[PATH_MAX], *r = NULL;

	if (realpath(dir, real))
		r = path_join(real, base);
	free(dir);
	return r;
}

/* path relative to root when it lies strictly below it, else NULL. */
static const char *below(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return path[1] ? path + 1 : NULL;
	if (strncmp(path, root, n) || path[n] != '/' || !path[n + 1])
		return NULL;
	return path + n + 1;
}

int outputs_is_manifest(const char *path)
{
	struct error ignored = ERROR_INIT;
	struct json *doc = json_load(path, MANIFEST_MAX_BYTES, &ignored);
	int r = doc && json_is_object(doc) && json_is_object(json_get(doc, "slugc"));

	json_free(doc);
	return r;
}

/* The slug at path is the one the slugc manifest at manifest records. */
static int is_our_slug(const char *path, const char *manifest)
{
	struct error ignored = ERROR_INIT;
	struct json *doc = NULL;
	char hex[SHA256_HEX_LEN + 1];
	const char *sum;
	unsigned long long size;
	int r = 0;

	if (!outputs_is_manifest(manifest))
		return 0;
	doc = json_load(manifest, MANIFEST_MAX_BYTES, &ignored);
	sum = doc ? json_get_str(doc, "checksum") : NULL;
	if (sum && !strncmp(sum, "SHA256:", 7) && sha256_file(path, hex, &size, &ignored) == 0)
		r = !strcmp(sum + 7, hex);
	json_free(doc);
	return r;
}

/* Invariant 2 for one output (abs: its canonical path; it exists). */
static int check_source_file(struct build *b, const char *flag, const char *shown, const char *abs,
			     int ours, const char *src, struct error *err)
{
	if (!strcmp(abs, src))
		return error_setk(err, ERROR_USAGE, "%s '%s' is the source itself; write it elsewhere",
				  flag, shown);
	if (ours)
		return 0;
	return error_setk(err, ERROR_USAGE, "%s '%s' names a file of the source '%s' that slugc did "
			  "not write%s; write the %s outside the source, or to a name the source "
			  "does not use", flag, shown, b->opt.source,
			  !strcmp(flag, "-o") ? " (a slug is slugc's when its manifest records its "
						"checksum)" : "",
			  !strcmp(flag, "-o") ? "slug" : "manifest");
}

int outputs_check(struct build *b, struct error *err)
{
	char src[PATH_MAX];
	struct stat st;
	int have_src, src_dir, ret = -1;

	free(b->output_abs);
	free(b->manifest_abs);
	b->output_abs = canonical_target(b->opt.output);
	b->manifest_abs = canonical_target(b->manifest_path);
	if (b->output_abs && b->manifest_abs && !strcmp(b->output_abs, b->manifest_abs))
		return error_setk(err, ERROR_USAGE, "the slug and the manifest would both be '%s'; "
				  "name the manifest with --manifest FILE", b->manifest_path);

	/* 1. */
	if (!b->opt.manifest && lstat(b->manifest_path, &st) == 0 &&
	    (!S_ISREG(st.st_mode) || !outputs_is_manifest(b->manifest_path)))
		return error_set(err, "'%s' exists and is not a manifest slugc wrote (it has no "
				 "\"slugc\" record), so it is not replaced; name the manifest with "
				 "--manifest FILE", b->manifest_path);

	/* 2. Only a local source has files to clobber. */
	have_src = realpath(b->opt.source, src) != NULL && stat(src, &st) == 0;
	src_dir = have_src && S_ISDIR(st.st_mode);
	if (!have_src)
		return 0;
	if (b->output_abs && lstat(b->output_abs, &st) == 0 &&
	    (!strcmp(b->output_abs, src) || (src_dir && below(src, b->output_abs))) &&
	    check_source_file(b, "-o", b->opt.output, b->output_abs,
			      S_ISREG(st.st_mode) && is_our_slug(b->output_abs, b->manifest_path),
			      src, err) < 0)
		goto out;
	if (b->opt.manifest && b->manifest_abs && lstat(b->manifest_abs, &st) == 0 &&
	    (!strcmp(b->manifest_abs, src) || (src_dir && below(src, b->manifest_abs))) &&
	    check_source_file(b, "--manifest", b->manifest_path, b->manifest_abs,
			      S_ISREG(st.st_mode) && outputs_is_manifest(b->manifest_abs), src, err) < 0)
		goto out;
	ret = 0;
out:
	return ret;
}

/* rel is target itself or one of its temporaries, ".NAME.tmp-XXXXXX" in the same directory. */
static int is_output(const char *rel, const char *target)
{
	const char *base = path_basename(target), *rbase = path_basename(rel);
	size_t dirlen = (size_t)(base - target), n = strlen(base);

	if (!strcmp(rel, target))
		return 1;
	if ((size_t)(rbase - rel) != dirlen || strncmp(rel, target, dirlen))
		return 0;
	return rbase[0] == '.' && !strncmp(rbase + 1, base, n) && !strncmp(rbase + 1 + n, ".tmp-", 5) &&
	       strlen(rbase + 1 + n + 5) == 6;
}

int outputs_inside(const struct build *b, const char *root)
{
	char real[PATH_MAX];

	if (!realpath(root, real))
		return 0;
	return (b->output_abs && below(real, b->output_abs)) ||
	       (b->manifest_abs && below(real, b->manifest_abs));
}

int outputs_skip(void *ctx, const char *relpath, int is_dir, struct error *err)
{
	const struct outputs_filter *f = ctx;
	const char *rel;

	(void)err;
	if (is_dir)
		return 0;
	if (f->b->output_abs && (rel = below(f->root, f->b->output_abs)) && is_output(relpath, rel))
		return 1;
	if (f->b->manifest_abs && (rel = below(f->root, f->b->manifest_abs)) && is_output(relpath, rel))
		return 1;
	return 0;
}
