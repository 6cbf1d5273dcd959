/*
 * Publishing slugs to the Platform API: publish, promote, releases
 * (publish.h). Every request goes through api_call(); this file decides
 * what is sent, in which order, and what a failure means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "buf.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "inspect.h"
#include "json.h"
#include "manifest.h"
#include "output.h"
#include "procfile.h"
#include "publish.h"
#include "sha256.h"
#include "sig.h"
#include "strvec.h"
#include "xalloc.h"

#define PAGE_MAX 200          /* Heroku's default page; it allows up to 1000 */

/* The slug file must be the one its manifest describes: same sha256, same size. */
static int check_slug(const char *slug, const struct manifest *m, const char *mpath,
		      unsigned long long *size_out, struct error *err)
{
	char hex[SHA256_HEX_LEN + 1];
	unsigned long long size;

	if (!m->checksum)
		return error_set(err, "'%s' has no checksum; compile the slug with slugc to get one",
				 mpath);
	if (sha256_file(slug, hex, &size, err) < 0)
		return -1;
	if (strcmp(m->checksum + 7, hex))
		return error_set(err, "'%s' does not match its manifest '%s': its sha256 is %s, the "
				 "manifest says %s; publish the slug with the manifest compile wrote "
				 "for it", slug, mpath, hex, m->checksum + 7);
	if (m->size >= 0 && (unsigned long long)m->size != size)
		return error_set(err, "'%s' is %llu bytes, but its manifest '%s' says %lld", slug, size,
				 mpath, (long long)m->size);
	*size_out = size;
	return 0;
}

/* The slug-create body: the manifest's API fields, as they are (process types: pt, when given). */
static struct json *slug_body(const struct manifest *m, struct json *pt_given)
{
	static const char *const fields[] = {
		"buildpack_provided_description", "checksum", "commit", "commit_description", "stack",
	};
	struct json *body = json_new_object(), *pt;
	size_t i;

	pt = json_get(m->doc, "process_types");
	json_add(body, "process_types", pt_given ? pt_given : json_dup(pt));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = json_get_str(m->doc, fields[i]);

		if (v)
			json_add_str(body, fields[i], v);
	}
	return body;
}

/* A release object's version, or -1. */
static long long release_version(const struct json *rel)
{
	int64_t v;

	return rel && json_get_int(rel, "version", &v) == 0 ? (long long)v : -1;
}

static const char *release_slug(const struct json *rel)
{
	const struct json *slug = rel ? json_get(rel, "slug") : NULL;

	return slug && json_is_object(slug) ? json_get_str(slug, "id") : NULL;
}

/*
 * Poll a pending release until it is no longer pending, for `wait`
 * seconds at most: every second at first, then every 5 s.
 */
static int await_release(struct api *a, const char *app, struct json **rel, long wait,
			 struct error *err)
{
	struct timespec start, now;
	const char *id = json_get_str(*rel, "id"), *first = json_get_str(*rel, "status");
	char *path;
	long polls = 0;
	int ret = -1;

	if (!first || strcmp(first, "pending"))
		return 0;
	if (!id)
		return error_setk(err, ERROR_API, "the API's release has no id");
	path = xstrfmt("/apps/%s/releases/%s", app, id);
	clock_gettime(CLOCK_MONOTONIC, &start);
	out_info("Release v%lld is pending (release phase); waiting for it", release_version(*rel));
	for (;;) {
		struct api_response r = API_RESPONSE_INIT;
		const char *status = json_get_str(*rel, "status");

		if (!status || strcmp(status, "pending")) {
			ret = 0;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= wait) {
			error_setk(err, ERROR_API, "release v%lld of %s was still pending after %ld s; "
				   "see 'heroku releases:info v%lld -a %s'", release_version(*rel), app,
				   wait, release_version(*rel), app);
			break;
		}
		if (sig_sleep_ms(polls++ < 10 ? 1000 : 5000, err) < 0)
			break;
		if (api_call(a, "GET", path, NULL, NULL, &r, err) < 0) {
			api_response_release(&r);
			break;
		}
		if (!r.doc || !json_is_object(r.doc)) {
			api_response_release(&r);
			error_setk(err, ERROR_API, "the API answered GET %s without a release", path);
			break;
		}
		json_free(*rel);
		*rel = r.doc;
		r.doc = NULL;
		api_response_release(&r);
	}
	free(path);
	return ret;
}

/* A release that ended: "succeeded" is fine; "failed" (or anything else) is an error. */
static int release_outcome(const char *app, const struct json *rel, struct error *err)
{
	const char *status = json_get_str(rel, "status");

	if (status && !strcmp(status, "succeeded"))
		return 0;
	return error_setk(err, ERROR_API, "release v%lld of %s %s%s; see 'heroku releases:output "
			  "v%lld -a %s'", release_version(rel), app, status ? status : "has no status",
			  status && !strcmp(status, "failed") ? " (its release phase command failed)" : "",
			  release_version(rel), app);
}

/*
 * POST a release of `slug_id` on `app`. It is never sent twice: when the
 * answer is lost or a 5xx, the newest release is read to find out whether
 * the release happened anyway.
 */
static int create_release(struct api *a, const char *app, const char *slug_id,
			  const char *description, long wait, struct json **release,
			  struct error *err)
{
	struct api_response r = API_RESPONSE_INIT, latest = API_RESPONSE_INIT;
	struct json *body = json_new_object();
	struct error ignored = ERROR_INIT;
	char *path = xstrfmt("/apps/%s/releases", app);
	const struct json *newest;
	int ret = -1;

	json_add_str(body, "slug", slug_id);
	if (description)
		json_add_str(body, "description", description);
	out_step("Releasing on %s", app);
	if (api_call(a, "POST", path, body, NULL, &r, err) == 0) {
		if (!r.doc || !json_is_object(r.doc) || release_version(r.doc) < 0) {
			error_setk(err, ERROR_API, "the API answered POST %s without a release version",
				   path);
			goto out;
		}
		*release = r.doc;
		r.doc = NULL;
	} else {
		char why[sizeof(err->msg)];

		if (err->kind == ERROR_INTERRUPTED || (r.status && r.status < 500))
			goto out;
		memcpy(why, err->msg, sizeof(why));
		/* Lost answer or 5xx: did it happen? Ask, and say so either way. */
		if (api_call(a, "GET", path, NULL, "version ..; order=desc, max=1", &latest,
			     &ignored) < 0 || !latest.doc || !json_is_array(latest.doc)) {
			error_setk(err, err->kind, "%s; whether a release was made is unknown: check "
				   "'heroku releases -a %s' before publishing again", why, app);
			goto out;
		}
		newest = json_child(latest.doc);
		if (!newest || !release_slug(newest) || strcmp(release_slug(newest), slug_id)) {
			error_setk(err, err->kind, "%s; no release was made (checked), so publishing "
				   "again is safe", why);
			goto out;
		}
		out_warn("%s, but release v%lld of this slug exists: using it", why,
			 release_version(newest));
		*err = (struct error)ERROR_INIT;
		*release = json_dup(newest);
	}
	if (await_release(a, app, release, wait, err) < 0 || release_outcome(app, *release, err) < 0)
		goto out;
	ret = 0;
out:
	json_free(body);
	free(path);
	api_response_release(&r);
	api_response_release(&latest);
	return ret;
}

static int upload(struct api *a, const char *slug, const struct json *blob, unsigned long long size,
		  struct error *err)
{
	const char *method = json_get_str(blob, "method"), *url = json_get_str(blob, "url");
	const char *query;
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct http_options o = a->http;
	struct strvec headers = STRVEC_INIT;
	struct buf shown = BUF_INIT;
	int ret = -1;

	if (!url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
		return error_setk(err, ERROR_API, "the API's slug has no http(s) blob URL to upload to");
	if (method && strcasecmp(method, "put"))
		return error_setk(err, ERROR_API, "the API asks for the slug to be uploaded with '%s'; "
				  "slugc uploads with PUT", method);
	/* The query is the signature: a secret from here on. */
	query = strchr(url, '?');
	if (query)
		out_add_secret(query + 1);
	buf_add_size(&shown, size);
	out_step("Uploading the slug (%s)", shown.ptr);
	/* An empty Content-Type, as the pre-signed URL was signed for one. */
	strvec_push(&headers, "Content-Type:");
	rq.method = "PUT";
	rq.url = url;
	rq.headers = &headers;
	rq.upload_path = slug;
	rq.idempotent = 1;
	o.progress = 1;
	o.label = "upload";
	if (http_request(&rq, &rs, &o, err) < 0)
		goto out;
	if (rs.status < 200 || rs.status >= 300) {
		error_setk(err, ERROR_API, "the blob store refused the upload: HTTP %ld%s%s; nothing "
			   "was released", rs.status, http_header(&rs, "x-amz-request-id") ?
			   ", x-amz-request-id " : "", http_header(&rs, "x-amz-request-id") ?
			   http_header(&rs, "x-amz-request-id") : "");
		goto out;
	}
	ret = 0;
out:
	if (ret && err->kind == ERROR_NETWORK) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		error_setk(err, ERROR_NETWORK, "%s; nothing was released", why);
	}
	buf_release(&shown);
	strvec_clear(&headers);
	http_response_release(&rs);
	return ret;
}

/* The slug's ./app/Procfile, when it has one (*pf stays empty when not). */
static int slug_procfile(const char *slug, struct procfile *pf, struct error *err)
{
	struct reader *r = NULL;
	struct reader_entry e;
	struct buf text = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int ret = -1, more;

	if (reader_open_file(&r, slug, err) < 0)
		return -1;
	while ((more = reader_next(r, &e, err)) == 1) {
		const char *p = e.path;

		if (!strncmp(p, "./", 2))
			p += 2;
		if (strcmp(p, "app/Procfile") || e.type != ENTRY_FILE)
			continue;
		if (e.size > PROCFILE_MAX_BYTES) {
			error_set(err, "'%s': ./app/Procfile is larger than %d bytes", slug,
				  PROCFILE_MAX_BYTES);
			goto out;
		}
		while ((n = reader_read(r, chunk, sizeof(chunk), err)) > 0)
			buf_add(&text, chunk, (size_t)n);
		if (n < 0)
			goto out;
		ret = procfile_parse(pf, text.ptr, text.len, "the slug's ./app/Procfile", err);
		goto out;
	}
	ret = more < 0 ? -1 : 0;
out:
	buf_release(&text);
	reader_close(r);
	return ret;
}

/* --process-types values over pf: "TYPE=COMMAND", or a JSON object of them. */
static int apply_process_types(struct procfile *pf, const struct strvec *list, struct error *err)
{
	size_t i;

	for (i = 0; list && i < list->nr; i++) {
		const char *v = list->v[i], *eq = strchr(v, '=');

		if (*v == '{') {
			struct json *doc = json_parse(v, strlen(v), "--process-types", err);
			const struct json *c;

			if (!doc)
				return -1;
			if (!json_is_object(doc)) {
				json_free(doc);
				return error_setk(err, ERROR_USAGE, "--process-types: expected a JSON "
						  "object of type names and commands");
			}
			for (c = json_child(doc); c; c = json_next(c)) {
				if (!json_string(c) || !*json_string(c)) {
					json_free(doc);
					return error_setk(err, ERROR_USAGE, "--process-types: the command "
							  "of '%s' is not a non-empty string", json_key(c));
				}
				procfile_set(pf, json_key(c), json_string(c), 0);
			}
			json_free(doc);
		} else if (eq && eq > v && eq[1]) {
			char *name = xstrndup(v, (size_t)(eq - v));

			procfile_set(pf, name, eq + 1, 0);
			free(name);
		} else {
			return error_setk(err, ERROR_USAGE, "--process-types expects TYPE=COMMAND or a "
					  "JSON object, not '%s'", v);
		}
	}
	return procfile_check_api(pf, err);
}

static struct json *procfile_json(const struct procfile *pf)
{
	struct json *o = json_new_object();
	size_t i;

	for (i = 0; i < pf->nr; i++)
		json_add_str(o, pf->v[i].name, pf->v[i].command);
	return o;
}

/*
 * A slug without a slugc manifest (another tool's, or a manifest lost): it
 * is verified as inspect verifies any slug, its checksum computed, and its
 * process types taken from --process-types, else from its ./app/Procfile.
 */
static int bare_slug_body(const struct publish_options *o, struct json **body,
			  unsigned long long *size, struct error *err)
{
	static const struct unpack_limits limits = UNPACK_LIMITS_INIT;
	struct inspect_result res;
	struct procfile pf = PROCFILE_INIT;
	char *checksum;
	int ret = -1;

	if (inspect_slug(o->slug, &limits, &res, err) < 0 || slug_procfile(o->slug, &pf, err) < 0 ||
	    apply_process_types(&pf, o->process_types, err) < 0)
		goto out;
	if (!pf.nr) {
		error_setk(err, ERROR_USAGE, "'%s' has no manifest beside it and no ./app/Procfile: "
			   "give --manifest FILE, or --process-types 'web=COMMAND'", o->slug);
		goto out;
	}
	out_info("no manifest: process types %s", o->process_types && o->process_types->nr ?
		 "from --process-types" : "from the slug's Procfile");
	*body = json_new_object();
	json_add(*body, "process_types", procfile_json(&pf));
	checksum = xstrfmt("SHA256:%s", res.sha256);
	json_add_str(*body, "checksum", checksum);
	free(checksum);
	*size = res.size;
	ret = 0;
out:
	procfile_release(&pf);
	return ret;
}

int publish_slug(struct api *a, const struct publish_options *o, struct json **release,
		 struct error *err)
{
	struct manifest m = MANIFEST_INIT;
	struct api_response r = API_RESPONSE_INIT;
	struct json *body = NULL;
	char *mpath = o->manifest ? xstrdup(o->manifest) : manifest_default_path(o->slug);
	char *path = NULL, *description = NULL;
	const char *slug_id, *commit;
	const struct json *blob;
	unsigned long long size = 0;
	int ret = -1;

	*release = NULL;
	if (api_check_app(o->app, err) < 0)
		goto out;
	/* The slug first: a missing one is named, not the manifest derived from its name. */
	if (!fs_exists(o->slug)) {
		error_set(err, "slug '%s' does not exist", o->slug);
		goto out;
	}
	if (!o->manifest && !fs_exists(mpath)) {
		if (bare_slug_body(o, &body, &size, err) < 0)
			goto out;
	} else {
		if (manifest_load(&m, mpath, err) < 0 || check_slug(o->slug, &m, mpath, &size, err) < 0)
			goto out;
		if (o->process_types && o->process_types->nr) {
			struct procfile pf = PROCFILE_INIT;

			if (apply_process_types(&pf, o->process_types, err) < 0) {
				procfile_release(&pf);
				goto out;
			}
			body = slug_body(&m, procfile_json(&pf));
			procfile_release(&pf);
		} else {
			body = slug_body(&m, NULL);
		}
	}
	path = xstrfmt("/apps/%s/slugs", o->app);
	out_step("Creating a slug on %s", o->app);
	if (api_call(a, "POST", path, body, NULL, &r, err) < 0)
		goto out;
	slug_id = r.doc ? json_get_str(r.doc, "id") : NULL;
	blob = r.doc ? json_get(r.doc, "blob") : NULL;
	if (!slug_id || !blob || !json_is_object(blob)) {
		error_setk(err, ERROR_API, "the API answered POST %s without a slug id and blob", path);
		goto out;
	}
	out_info("slug %s", slug_id);
	if (upload(a, o->slug, blob, size, err) < 0)
		goto out;
	commit = m.commit;
	if (o->description)
		description = xstrdup(o->description);
	else if (commit)
		description = xstrfmt("Deploy %.8s", commit);
	if (create_release(a, o->app, slug_id, description, o->wait, release, err) < 0)
		goto out;
	ret = 0;
out:
	free(description);
	free(path);
	free(mpath);
	json_free(body);
	api_response_release(&r);
	manifest_release(&m);
	return ret;
}

int publish_promote(struct api *a, const char *from, const char *to, const char *description,
		    long wait, struct json **release, struct error *err)
{
	struct api_response r = API_RESPONSE_INIT;
	char *path = NULL, *desc = NULL;
	const struct json *newest;
	const char *slug_id, *status;
	int ret = -1;

	*release = NULL;
	if (api_check_app(from, err) < 0 || api_check_app(to, err) < 0)
		return -1;
	if (!strcmp(from, to))
		return error_setk(err, ERROR_USAGE, "--from and --to are the same app");
	path = xstrfmt("/apps/%s/releases", from);
	/*
	 * The current release, as heroku pipelines:promote takes it: not the
	 * newest, which may be pending (a release phase running) or failed.
	 */
	out_step("Reading the current release of %s", from);
	if (api_call(a, "GET", path, NULL, "version ..; order=desc, max=200", &r, err) < 0)
		goto out;
	if (!r.doc || !json_is_array(r.doc)) {
		error_setk(err, ERROR_API, "the API answered GET %s without a list of releases", path);
		goto out;
	}
	if (!json_child(r.doc)) {
		error_set(err, "%s has no releases to promote", from);
		goto out;
	}
	for (newest = json_child(r.doc); newest; newest = json_next(newest))
		if (json_is_true(json_get(newest, "current")))
			break;
	if (!newest) {
		error_set(err, "%s has no current release among its newest 200 (none succeeded); "
			  "nothing to promote", from);
		goto out;
	}
	slug_id = release_slug(newest);
	status = json_get_str(newest, "status");
	if (!slug_id) {
		error_set(err, "release v%lld of %s has no slug to promote", release_version(newest),
			  from);
		goto out;
	}
	if (status && strcmp(status, "succeeded")) {
		error_set(err, "the current release v%lld of %s is %s; only a succeeded release is "
			  "promoted", release_version(newest), from, status);
		goto out;
	}
	out_info("v%lld, slug %s", release_version(newest), slug_id);
	desc = description ? xstrdup(description)
			   : xstrfmt("Promote %s v%lld", from, release_version(newest));
	if (create_release(a, to, slug_id, desc, wait, release, err) < 0)
		goto out;
	ret = 0;
out:
	free(desc);
	free(path);
	api_response_release(&r);
	return ret;
}

int publish_releases(struct api *a, const char *app, unsigned num, struct json **list,
		     struct error *err)
{
	struct json *all = json_new_array();
	char *path, *range;
	int ret = -1;

	*list = NULL;
	if (api_check_app(app, err) < 0) {
		json_free(all);
		return -1;
	}
	path = xstrfmt("/apps/%s/releases", app);
	range = xstrfmt("version ..; order=desc, max=%u", num < PAGE_MAX ? num : PAGE_MAX);
	while (json_size(all) < num) {
		struct api_response r = API_RESPONSE_INIT;
		struct json *item, *next;

		if (api_call(a, "GET", path, NULL, range, &r, err) < 0) {
			api_response_release(&r);
			goto out;
		}
		if (!r.doc || !json_is_array(r.doc)) {
			api_response_release(&r);
			error_setk(err, ERROR_API, "the API answered GET %s without a list", path);
			goto out;
		}
		for (item = json_child(r.doc); item && json_size(all) < num; item = next) {
			next = json_next(item);
			json_append(all, json_dup(item));
		}
		free(range);
		range = r.next_range && json_size(r.doc) ? xstrdup(r.next_range) : NULL;
		api_response_release(&r);
		if (!range)
			break;
	}
	*list = all;
	all = NULL;
	ret = 0;
out:
	json_free(all);
	free(range);
	free(path);
	return ret;
}
