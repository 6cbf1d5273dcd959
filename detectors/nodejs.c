/*
 * Node.js, as heroku-buildpack-nodejs detects it: package.json is the
 * marker; engines.node the version requirement ("latest" means any, "~="
 * reads as "~", none means Heroku's recommended LTS line); the lockfile or
 * the packageManager field names the package manager, and lockfiles of two
 * managers are an error; "web: npm start" is always the default process
 * type, as bin/release offers it, except when the Procfile declares an
 * mcp... type (a Model Context Protocol server has no web process).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "detectors.h"
#include "error.h"
#include "json.h"
#include "runtimes.h"
#include "xalloc.h"

#define PACKAGE_JSON_MAX (8 * 1024 * 1024)

static int detect_nodejs(const char *dir, const struct defaults *def, struct detection *d,
			 struct error *err);

const struct detector detector_nodejs = {
	"nodejs", "Node.js", "package.json", detect_nodejs,
};

/* A string field of an object, or NULL; a present field of another type is an error. */
static int string_field(const struct json *obj, const char *key, const char *where,
			const char **out, struct error *err)
{
	const struct json *v = json_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return error_set(err, "package.json: %s.%s must be a string", where, key);
	*out = json_string(v);
	return 0;
}

char *nodejs_normalise_range(const char *s)
{
	struct buf b = BUF_INIT;

	while (*s == ' ' || *s == '\t')
		s++;
	buf_addstr(&b, s);
	buf_rtrim(&b);
	if (!strcmp(b.ptr, "latest")) {
		buf_release(&b);
		return xstrdup("*");
	}
	if (!strncmp(b.ptr, "~=", 2)) {
		char *r = xstrfmt("~%s", b.ptr + 2);

		buf_release(&b);
		return r;
	}
	return buf_detach(&b, NULL);
}

int nodejs_read_package_json(const char *text, size_t len, const struct defaults *def,
			     struct detection *d, struct error *err)
{
	const struct json *engines, *scripts;
	static const char *const hooks[] = { "start", "build", "heroku-prebuild", "heroku-postbuild",
					     "heroku-cleanup", NULL };
	const char *node = NULL, *iojs = NULL, *npm = NULL, *yarn = NULL, *pm = NULL;
	struct json *doc = json_parse(text, len, "package.json", err);
	int ret = -1, i;

	if (!doc)
		return -1;
	if (!json_is_object(doc)) {
		error_set(err, "package.json must hold a JSON object");
		goto out;
	}
	engines = json_get(doc, "engines");
	scripts = json_get(doc, "scripts");
	if ((engines && !json_is_object(engines) && !json_is_null(engines)) ||
	    (scripts && !json_is_object(scripts) && !json_is_null(scripts))) {
		error_set(err, "package.json: \"engines\" and \"scripts\" must be objects");
		goto out;
	}
	if (string_field(engines, "node", "engines", &node, err) < 0 ||
	    string_field(engines, "iojs", "engines", &iojs, err) < 0 ||
	    string_field(engines, "npm", "engines", &npm, err) < 0 ||
	    string_field(engines, "yarn", "engines", &yarn, err) < 0 ||
	    string_field(doc, "packageManager", "package", &pm, err) < 0)
		goto out;
	if (iojs) {
		error_set(err, "package.json asks for io.js (engines.iojs '%s'), which Heroku no longer "
			  "supports; use engines.node", iojs);
		goto out;
	}

	if (node && *node) {
		struct semver_range *range = NULL;
		char *normal = nodejs_normalise_range(node);

		/* An invalid range is an error that quotes it, never a silent default. */
		if (semver_range_parse(&range, normal, err) < 0) {
			free(normal);
			error_prefix(err, "package.json engines.node");
			goto out;
		}
		semver_range_free(range);
		d->requirement = normal;
		d->requirement_source = xstrdup("package.json engines.node");
	} else {
		d->requirement = xstrdup(def->node_default);
		d->requirement_source = xstrfmt("default (Heroku's recommended LTS line, %s)",
						def->node_default);
	}
	if (npm)
		detection_set_fact(d, "engines.npm", npm);
	if (yarn)
		detection_set_fact(d, "engines.yarn", yarn);
	if (pm)
		detection_set_fact(d, "packageManager", pm);
	/* Whether an install can do anything: dependencies, or install-time scripts of the app. */
	{
		static const char *const deps[] = { "dependencies", "devDependencies",
						    "optionalDependencies", "peerDependencies",
						    "bundleDependencies", "bundledDependencies",
						    "workspaces", NULL };
		static const char *const life[] = { "preinstall", "install", "postinstall",
						    "prepare", "preprepare", "postprepare", NULL };
		int any = 0;

		for (i = 0; deps[i] && !any; i++) {
			const struct json *v = json_get(doc, deps[i]);

			any = v && !json_is_null(v) && (!(json_is_object(v) || json_is_array(v)) ||
						       json_size(v) > 0);
		}
		static const char *const pruning[] = { "pnpm:devPreinstall", "preinstall", "install",
						       "postinstall", "prepare", NULL };

		for (i = 0; life[i] && !any; i++)
			any = scripts && json_is_object(scripts) && json_get(scripts, life[i]) != NULL;
		if (any)
			detection_set_fact(d, "installs", "yes");
		/* The scripts an old pnpm runs while pruning (Heroku then skips the prune). */
		for (i = 0; pruning[i]; i++)
			if (scripts && json_is_object(scripts) && json_get(scripts, pruning[i]))
				detection_set_fact(d, "lifecycle_scripts", "yes");
	}
	/* The scripts the build runs, in Heroku's order, and npm start. */
	for (i = 0; hooks[i]; i++) {
		const char *s = NULL;
		char *key;

		if (string_field(scripts, hooks[i], "scripts", &s, err) < 0)
			goto out;
		if (!s)
			continue;
		key = xstrfmt("script.%s", hooks[i]);
		detection_set_fact(d, key, s);
		free(key);
	}
	ret = 0;
out:
	json_free(doc);
	return ret;
}

struct lockfile {
	const char *file, *manager;
};

static const struct lockfile lockfiles[] = {
	{ "package-lock.json", "npm" },
	{ "npm-shrinkwrap.json", "npm" },
	{ "yarn.lock", "yarn" },
	{ "pnpm-lock.yaml", "pnpm" },
};

/*
 * The package manager: from the lockfile, or the packageManager field
 * ("pnpm@9.1.0+sha512..."), else npm. Lockfiles of two managers, or a
 * packageManager that disagrees with the lockfile, are errors, as on Heroku:
 * installing with the wrong manager gives missing or different packages.
 */
static int package_manager(const char *dir, struct detection *d, struct error *err)
{
	const struct lockfile *found = NULL;
	const char *field = detection_fact(d, "packageManager");
	char *name = NULL;
	size_t i;
	int ret = -1;

	for (i = 0; i < sizeof(lockfiles) / sizeof(lockfiles[0]); i++) {
		if (!detect_exists(dir, lockfiles[i].file))
			continue;
		if (found && strcmp(found->manager, lockfiles[i].manager))
			return error_set(err, "both %s (%s) and %s (%s) exist: only one package manager "
					 "can install the dependencies; delete the lockfile you do not use",
					 found->file, found->manager, lockfiles[i].file,
					 lockfiles[i].manager);
		if (!found)
			found = &lockfiles[i];
	}
	if (field) {
		const char *at = strchr(field, '@');

		name = xstrndup(field, at ? (size_t)(at - field) : strlen(field));
		if (strcmp(name, "npm") && strcmp(name, "yarn") && strcmp(name, "pnpm")) {
			error_set(err, "package.json packageManager '%s' is not npm, yarn or pnpm", field);
			goto out;
		}
		if (found && strcmp(found->manager, name)) {
			error_set(err, "package.json packageManager says %s but the lockfile is %s (%s); "
				  "make them agree", name, found->file, found->manager);
			goto out;
		}
		if (at && at[1]) {
			char *version = xstrndup(at + 1, strcspn(at + 1, "+"));

			detection_set_fact(d, "package_manager_version", version);
			free(version);
		}
	}
	d->package_manager = xstrdup(found ? found->manager : name ? name : "npm");
	if (found)
		detection_set_fact(d, "lockfile", found->file);
	ret = 0;
out:
	free(name);
	return ret;
}

/* bin/release's test: a Procfile line that starts (after blanks) with "mcp" and has a ':'. */
static int procfile_has_mcp(const char *dir, struct error *err)
{
	struct buf text = BUF_INIT;
	const char *p, *end;
	int r = detect_read(dir, "Procfile", PACKAGE_JSON_MAX, &text, err), found = 0;

	if (r <= 0) {
		buf_release(&text);
		return r;
	}
	for (p = text.ptr, end = text.ptr + text.len; p < end && !found;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *q = p;

		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\f' || *q == '\v'))
			q++;
		found = e - q >= 3 && !memcmp(q, "mcp", 3) && memchr(q + 3, ':', (size_t)(e - q - 3));
		p = nl ? nl + 1 : end;
	}
	buf_release(&text);
	return found;
}

static int detect_nodejs(const char *dir, const struct defaults *def, struct detection *d,
			 struct error *err)
{
	struct buf text = BUF_INIT;
	int r = detect_read(dir, "package.json", PACKAGE_JSON_MAX, &text, err);

	if (r <= 0)
		goto out;
	r = -1;
	if (nodejs_read_package_json(text.ptr, text.len, def, d, err) < 0 ||
	    package_manager(dir, d, err) < 0)
		goto out;
	if (!strncmp(d->requirement_source, "default", 7))
		strvec_pushf(&d->notes, "package.json has no engines.node; using Heroku's default, "
			     "Node.js %s (set engines.node to choose)", def->node_default);
	/* Offered whatever the app has: npm start itself says what is missing at run time. */
	r = procfile_has_mcp(dir, err);
	if (r < 0)
		goto out;
	if (!r)
		procfile_set(&d->defaults, "web", "npm start", 0);
	r = 1;
out:
	buf_release(&text);
	return r;
}
