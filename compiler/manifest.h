#ifndef SLUGC_MANIFEST_H
#define SLUGC_MANIFEST_H

#include <stdint.h>

#include "procfile.h"

struct build;
struct error;
struct strvec;
struct json;

/*
 * slug.json: the Platform API's slug-create attributes at the top level
 * (process_types, commit, commit_description, buildpack_provided_description,
 * stack, checksum) plus size, and slugc's own record under "slugc".
 */

/* The manifest document of a finished build. Caller frees with json_free(). */
struct json *manifest_from_build(const struct build *b);

/* A manifest read back (inspect, publish, verify). Strings point into doc. */
struct manifest {
	struct json *doc;
	struct procfile process_types;
	const char *checksum;   /* "SHA256:<hex>" or NULL */
	int64_t size;           /* -1 when absent */
	const char *commit, *commit_description, *buildpack_provided_description, *stack;
	/* slugc's own record, for verify (NULL / -1 when absent) */
	const char *source_kind, *source_url, *rev, *app_dir;
	int dirty;
	int64_t source_date_epoch, level;
};
#define MANIFEST_INIT { NULL, PROCFILE_INIT, NULL, -1, NULL, NULL, NULL, NULL, \
			NULL, NULL, NULL, NULL, 0, -1, -1 }

/* The manifest beside a slug: slug.tgz, slug.tar.gz → slug.json; else ".json" appended. */
char *manifest_default_path(const char *slug);

/* Read and check a manifest: types and formats of the API fields. */
int manifest_load(struct manifest *m, const char *path, struct error *err);
void manifest_release(struct manifest *m);
/*
 * The buildpack list a manifest records, as --buildpack REFs pinned to what
 * ran (git: URL#commit; tgz: URL#sha256=digest; native: its name; dir: its
 * path): verify rebuilds with them. Nothing added when no list was used.
 */
int manifest_buildpack_refs(const struct manifest *m, struct strvec *refs, struct error *err);

#define MANIFEST_MAX_BYTES (4 * 1024 * 1024)

#endif
