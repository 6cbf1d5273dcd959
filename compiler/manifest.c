/*
 * The manifest stage: write slug.json beside the slug, and read one back.
 * Field names are the Platform API's, so publish sends them as they are.
 */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "output.h"
#include "regex.h"
#include "url.h"
#include "version.h"
#include "xalloc.h"

static const char *const kinds[] = { "native", "dir", "git", "tgz" };

/* One buildpack of a list: what it was asked as and exactly what ran. */
static struct json *buildpack_json(const struct buildpack *bp)
{
	struct json *o = json_new_object();

	json_add_str(o, "ref", bp->shown);
	json_add_str(o, "kind", kinds[bp->kind]);
	json_add_str(o, "name", bp->name);
	if (bp->url) {
		char *url = url_strip_credentials(bp->url);

		json_add_str(o, "url", url);
		free(url);
	}
	if (bp->path)
		json_add_str(o, "path", bp->path);
	if (bp->kind == BUILDPACK_GIT)
		json_add_str(o, "commit", bp->commit);
	if (bp->kind == BUILDPACK_TGZ)
		json_add_str(o, "sha256", bp->sha256);
	json_add_str(o, "description", bp->description);
	return o;
}

int manifest_buildpack_refs(const struct manifest *m, struct strvec *refs, struct error *err)
{
	const struct json *list = json_get(json_get(m->doc, "slugc"), "buildpacks"), *e;

	for (e = list && json_is_array(list) ? json_child(list) : NULL; e; e = json_next(e)) {
		const char *kind = json_get_str(e, "kind"), *url = json_get_str(e, "url");
		const char *ref = json_get_str(e, "ref");

		if (json_is_string(e))
			continue; /* a language slugc detected: detection finds it again */
		if (!kind || !ref)
			return error_set(err, "the manifest's slugc.buildpacks entries need \"kind\" and "
					 "\"ref\"");
		if (!strcmp(kind, "git") && url && json_get_str(e, "commit"))
			strvec_pushf(refs, "%s#%s", url, json_get_str(e, "commit"));
		else if (!strcmp(kind, "tgz") && url && json_get_str(e, "sha256"))
			strvec_pushf(refs, "%s#sha256=%s", url, json_get_str(e, "sha256"));
		else if (!strcmp(kind, "dir") && json_get_str(e, "path"))
			strvec_push(refs, json_get_str(e, "path"));
		else if (!strcmp(kind, "native"))
			strvec_push(refs, ref);
		else
			return error_set(err, "the manifest's buildpack '%s' records no commit or digest "
					 "to rebuild it with", ref);
	}
	return 0;
}

/*
 * What `slugc verify` needs to repeat the build, secrets left out: the
 * --env-dir it read and the names (never the values) of its config vars,
 * and the digest of the defaults file (a changed default changes what
 * "no version" means). Mirrors are in each runtime's record.
 */
static struct json *rebuild_record(const struct build *b)
{
	struct json *rebuild = json_new_object(), *names = json_new_array();
	const struct defaults *def;
	struct error ignored = ERROR_INIT;
	char *abs = b->opt.env_dir ? realpath(b->opt.env_dir, NULL) : NULL;
	size_t i;

	json_add_str(rebuild, "env_dir", abs ? abs : b->opt.env_dir);
	for (i = 0; i < b->config.nr; i++) {
		const char *eq = strchr(b->config.v[i], '=');
		char *name = xstrndup(b->config.v[i], eq ? (size_t)(eq - b->config.v[i]) : strlen(b->config.v[i]));

		json_append(names, json_new_string(name));
		free(name);
	}
	json_add(rebuild, "config_vars", names);
	def = defaults_get(&ignored);
	json_add_str(rebuild, "defaults_sha256", def ? def->sha256 : NULL);
	error_clear(&ignored);
	free(abs);
	return rebuild;
}

struct json *manifest_from_build(const struct build *b)
{
	struct json *doc = json_new_object();
	struct json *types = json_new_object();
	struct json *slugc = json_new_object();
	struct json *source = json_new_object();
	struct json *bps = json_new_array();
	char checksum[8 + SHA256_HEX_LEN];
	size_t i;

	for (i = 0; i < b->process_types.nr; i++)
		json_add_str(types, b->process_types.v[i].name, b->process_types.v[i].command);
	build_checksum(b, checksum);

	json_add(doc, "process_types", types);
	json_add_str(doc, "commit", b->commit);
	json_add_str(doc, "commit_description", b->commit_description);
	json_add_str(doc, "buildpack_provided_description", b->buildpack_description);
	json_add_str(doc, "stack", b->opt.stack);
	json_add_str(doc, "checksum", checksum);
	json_add_int(doc, "size", (int64_t)b->slug_size);

	json_add_str(slugc, "version", SLUGC_VERSION);
	json_add_str(source, "kind", b->source_kind);
	json_add_str(source, "url", b->source_url);
	json_add_str(source, "rev", b->source_rev);
	json_add_str(source, "app_dir", b->app_subdir);
	json_add_bool(source, "dirty", b->dirty);
	json_add(slugc, "source", source);
	json_add_int(slugc, "source_date_epoch", b->source_date_epoch);
	json_add_int(slugc, "compression_level", b->opt.level);
	json_add_int(slugc, "files", (int64_t)b->files);
	json_add_int(slugc, "entries", (int64_t)b->entries);
	json_add_int(slugc, "unpacked_size", (int64_t)b->unpacked_size);
	{
		struct json *rts = json_new_array();

		for (i = 0; b->runtimes && i < b->detections.nr; i++)
			if (b->runtimes[i].runtime)
				json_append(rts, resolved_json(&b->runtimes[i]));
		json_add(slugc, "runtimes", rts);
	}
	for (i = 0; i < b->buildpacks.nr; i++)
		json_append(bps, json_new_string(b->buildpacks.v[i]));
	for (i = 0; i < b->bps.nr; i++)
		json_append(bps, buildpack_json(&b->bps.v[i]));
	json_add(slugc, "buildpacks", bps);
	if (b->bps.nr) {
		struct json *vars = json_new_object(), *addons = json_new_array();

		json_add_str(slugc, "buildpacks_from", b->bps.origin);
		for (i = 0; i < b->config_vars.nr; i++) {
			char *name = xstrndup(b->config_vars.v[i],
					      (size_t)(strchr(b->config_vars.v[i], '=') - b->config_vars.v[i]));

			json_add_str(vars, name, strchr(b->config_vars.v[i], '=') + 1);
			free(name);
		}
		for (i = 0; i < b->addons.nr; i++)
			json_append(addons, json_new_string(b->addons.v[i]));
		json_add(slugc, "config_vars", vars);
		json_add(slugc, "addons", addons);
	}
	{
		struct json *langs = json_new_array();

		for (i = 0; i < b->detections.nr; i++)
			json_append(langs, detection_to_json(&b->detections.v[i]));
		json_add(slugc, "detected", langs);
	}
	json_add(slugc, "rebuild", rebuild_record(b));
	json_add(doc, "slugc", slugc);
	return doc;
}

int manifest_run(struct build *b, struct error *err)
{
	struct json *doc = manifest_from_build(b);
	char *text = json_print(doc, 1);
	int ret;

	ret = fs_write_all(b->manifest.fd, text, strlen(text), b->manifest_path, err);
	if (!ret)
		ret = fs_write_all(b->manifest.fd, "\n", 1, b->manifest_path, err);
	free(text);
	json_free(doc);
	return ret;
}

/* A field that must be a string or null when present. */
static int optional_string(const struct json *doc, const char *key, const char **out,
			   const char *path, struct error *err)
{
	const struct json *v = json_get(doc, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return error_set(err, "'%s': \"%s\" must be a string or null", path, key);
	*out = json_string(v);
	return 0;
}

/* The "slugc" object: optional as a whole (other tools' manifests), typed when present. */
static int load_slugc_record(struct manifest *m, const char *path, struct error *err)
{
	const struct json *slugc = json_get(m->doc, "slugc");
	const struct json *source = json_get(slugc, "source");
	const struct json *dirty = json_get(source, "dirty");

	if (!slugc)
		return 0;
	if (!json_is_object(slugc) || (source && !json_is_object(source)))
		return error_set(err, "'%s': \"slugc\" must be an object", path);
	if (optional_string(source, "kind", &m->source_kind, path, err) < 0 ||
	    optional_string(source, "url", &m->source_url, path, err) < 0 ||
	    optional_string(source, "rev", &m->rev, path, err) < 0 ||
	    optional_string(source, "app_dir", &m->app_dir, path, err) < 0)
		return -1;
	if (dirty && !json_is_bool(dirty))
		return error_set(err, "'%s': \"dirty\" must be true or false", path);
	m->dirty = json_is_true(dirty);
	if (json_get(slugc, "source_date_epoch") &&
	    json_get_int(slugc, "source_date_epoch", &m->source_date_epoch) < 0)
		return error_set(err, "'%s': source_date_epoch must be an integer", path);
	if (json_get(slugc, "compression_level") &&
	    json_get_int(slugc, "compression_level", &m->level) < 0)
		return error_set(err, "'%s': compression_level must be an integer", path);
	return 0;
}

char *manifest_default_path(const char *slug)
{
	size_t n = strlen(slug);

	if (n > 4 && !strcmp(slug + n - 4, ".tgz"))
		return xstrfmt("%.*s.json", (int)(n - 4), slug);
	if (n > 7 && !strcmp(slug + n - 7, ".tar.gz"))
		return xstrfmt("%.*s.json", (int)(n - 7), slug);
	return xstrfmt("%s.json", slug);
}

int manifest_load(struct manifest *m, const char *path, struct error *err)
{
	const struct json *types, *t;
	struct error merr = ERROR_INIT;

	m->doc = json_load(path, MANIFEST_MAX_BYTES, err);
	if (!m->doc)
		return -1;
	if (!json_is_object(m->doc))
		return error_set(err, "'%s' is not a slug manifest (expected a JSON object)", path);

	types = json_get(m->doc, "process_types");
	if (!json_is_object(types))
		return error_set(err, "'%s' has no \"process_types\" object", path);
	for (t = json_child(types); t; t = json_next(t)) {
		if (!json_is_string(t))
			return error_set(err, "'%s': process type '%s' must be a string command", path,
					 json_key(t));
		procfile_set(&m->process_types, json_key(t), json_string(t), 0);
	}
	if (procfile_check_api(&m->process_types, err) < 0)
		return error_prefix(err, "'%s'", path);

	if (optional_string(m->doc, "checksum", &m->checksum, path, err) < 0 ||
	    optional_string(m->doc, "commit", &m->commit, path, err) < 0 ||
	    optional_string(m->doc, "commit_description", &m->commit_description, path, err) < 0 ||
	    optional_string(m->doc, "buildpack_provided_description",
			    &m->buildpack_provided_description, path, err) < 0 ||
	    optional_string(m->doc, "stack", &m->stack, path, err) < 0)
		return -1;
	if (m->checksum &&
	    regex_match(regex_static("^SHA256:[0-9a-f]{64}$", 0), m->checksum, strlen(m->checksum),
			NULL, &merr) != 1)
		return error_set(err, "'%s': checksum must look like \"SHA256:<64 lowercase hex>\"", path);
	if (json_get(m->doc, "size") && json_get_int(m->doc, "size", &m->size) < 0)
		return error_set(err, "'%s': size must be an integer number of bytes", path);
	return load_slugc_record(m, path, err);
}

void manifest_release(struct manifest *m)
{
	json_free(m->doc);
	procfile_release(&m->process_types);
	m->doc = NULL;
	m->checksum = m->commit = m->commit_description = NULL;
	m->buildpack_provided_description = m->stack = NULL;
	m->source_kind = m->source_url = m->rev = m->app_dir = NULL;
	m->dirty = 0;
	m->size = m->source_date_epoch = m->level = -1;
}
