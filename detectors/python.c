/*
 * Python, as heroku-buildpack-python detects it: requirements.txt (pip),
 * Pipfile (Pipenv), pyproject.toml with poetry.lock (Poetry) or uv.lock
 * (uv), or setup.py (pip). Exactly one package manager; the version from
 * runtime.txt (deprecated), else .python-version, else Pipfile.lock or
 * Pipfile, else the default. Heroku's Python buildpack declares no default
 * process types, Django apps included, so neither does slugc; it says what
 * to put in the Procfile instead.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "detectors.h"
#include "error.h"
#include "json.h"
#include "regex.h"
#include "xalloc.h"

#define SMALL_FILE_MAX (64 * 1024)
#define LOCK_MAX (16 * 1024 * 1024)

#define RUNTIME_TXT_RE "^\\s*python-(\\d+\\.\\d+(?:\\.\\d+)?)\\s*$"
#define PYTHON_VERSION_RE "^\\s*(\\d+\\.\\d+(?:\\.\\d+)?)\\s*$"
#define PIPFILE_RE "^\\s*python_(?:full_)?version\\s*=\\s*[\"'](\\d+\\.\\d+(?:\\.\\d+)?)[\"']"
#define DJANGO_RE "^\\s*[Dd]jango\\b"
#define SETTINGS_RE "DJANGO_SETTINGS_MODULE[\"'],\\s*[\"']([A-Za-z_][A-Za-z0-9_]*)\\.settings"

static int detect_python(const char *dir, const struct defaults *def, struct detection *d,
			 struct error *err);

const struct detector detector_python = {
	"python", "Python", "requirements.txt, Pipfile, pyproject.toml with poetry.lock or uv.lock, setup.py",
	detect_python,
};

/* The first line of text that matches re, its first group into *out. */
static int first_match(const char *re, const char *text, size_t len, char **out, int flags,
		       struct error *err)
{
	const char *p = text, *end = text + len;

	*out = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct regex_match m;
		int r = regex_match(regex_static(re, flags), p, n, &m, err);

		if (r < 0)
			return -1;
		if (r) {
			*out = m.groups > 1 ? xstrndup(p + m.start[1], m.end[1] - m.start[1]) : xstrdup("");
			return 1;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int python_read_runtime_txt(const char *text, size_t len, struct detection *d,
			    struct error *err)
{
	char *v = NULL;
	int r;

	if (memchr(text, '\0', len))
		return error_set(err, "runtime.txt contains binary data");
	r = first_match(RUNTIME_TXT_RE, text, len, &v, 0, err);
	if (r < 0)
		return -1;
	if (!r)
		return error_set(err, "runtime.txt must hold a line like 'python-3.12.4'");
	d->requirement = v;
	d->requirement_source = xstrdup("runtime.txt");
	strvec_push(&d->notes, "runtime.txt is deprecated on Heroku; put the version in "
		    ".python-version instead");
	return 0;
}

/* .python-version: the first line that is not a comment ("3.12" or "3.12.4"). */
static int read_python_version(const char *text, size_t len, struct detection *d,
			       struct error *err)
{
	char *v = NULL;
	int r = first_match(PYTHON_VERSION_RE, text, len, &v, 0, err);

	if (r < 0)
		return -1;
	if (!r)
		return error_set(err, ".python-version must hold a version like '3.12'");
	d->requirement = v;
	d->requirement_source = xstrdup(".python-version");
	return 0;
}

static int read_pipfile_lock(const char *text, size_t len, struct detection *d,
			     struct error *err)
{
	struct json *doc = json_parse(text, len, "Pipfile.lock", err);
	const struct json *req;
	const char *v;

	if (!doc)
		return -1;
	req = json_get(json_get(doc, "_meta"), "requires");
	v = json_get_str(req, "python_full_version");
	if (!v)
		v = json_get_str(req, "python_version");
	if (v) {
		d->requirement = xstrdup(v);
		d->requirement_source = xstrdup("Pipfile.lock");
	}
	json_free(doc);
	return 0;
}

struct manager {
	const char *file, *name;
};

static const struct manager managers[] = {
	{ "requirements.txt", "pip" },
	{ "Pipfile", "pipenv" },
	{ "poetry.lock", "poetry" },
	{ "uv.lock", "uv" },
};

static int detect_python(const char *dir, const struct defaults *def, struct detection *d,
			 struct error *err)
{
	struct buf text = BUF_INIT;
	const struct manager *found = NULL;
	char *settings = NULL;
	size_t i;
	int r = -1;

	for (i = 0; i < sizeof(managers) / sizeof(managers[0]); i++) {
		if (!detect_exists(dir, managers[i].file))
			continue;
		if (found) {
			error_set(err, "both %s (%s) and %s (%s) exist: Heroku installs with exactly one "
				  "Python package manager; delete the files of the other", found->file,
				  found->name, managers[i].file, managers[i].name);
			goto out;
		}
		found = &managers[i];
	}
	if (!found && detect_exists(dir, "setup.py"))
		found = &managers[0]; /* pip installs the package itself */
	if (!found) {
		if (detect_exists(dir, "pyproject.toml")) {
			error_set(err, "pyproject.toml without poetry.lock or uv.lock: lock the "
				  "dependencies ('poetry lock' or 'uv lock') and commit the lockfile");
			goto out;
		}
		r = 0;
		goto out;
	}
	if ((!strcmp(found->name, "poetry") || !strcmp(found->name, "uv")) &&
	    !detect_exists(dir, "pyproject.toml")) {
		error_set(err, "%s exists but pyproject.toml does not", found->file);
		goto out;
	}
	d->package_manager = xstrdup(found->name);

	/* The version, in Heroku's order. */
	if ((r = detect_read(dir, "runtime.txt", SMALL_FILE_MAX, &text, err)) < 0 ||
	    (r && python_read_runtime_txt(text.ptr, text.len, d, err) < 0))
		goto fail;
	if (!d->requirement && ((r = detect_read(dir, ".python-version", SMALL_FILE_MAX, &text, err)) < 0 ||
				(r && read_python_version(text.ptr, text.len, d, err) < 0)))
		goto fail;
	if (!d->requirement && ((r = detect_read(dir, "Pipfile.lock", LOCK_MAX, &text, err)) < 0 ||
				(r && read_pipfile_lock(text.ptr, text.len, d, err) < 0)))
		goto fail;
	if (!d->requirement && (r = detect_read(dir, "Pipfile", SMALL_FILE_MAX, &text, err)) != 0) {
		if (r < 0 || first_match(PIPFILE_RE, text.ptr, text.len, &d->requirement, 0, err) < 0)
			goto fail;
		if (d->requirement)
			d->requirement_source = xstrdup("Pipfile [requires] python_version");
	}
	if (!d->requirement) {
		d->requirement = xstrdup(def->python_default);
		d->requirement_source = xstrfmt("default (Heroku's, %s)", def->python_default);
	}

	/* Django: say what the Procfile should hold, as Heroku's guides do. */
	if (detect_exists(dir, "manage.py") &&
	    ((r = detect_read(dir, "manage.py", SMALL_FILE_MAX, &text, err)) < 0 ||
	     (r && first_match(SETTINGS_RE, text.ptr, text.len, &settings, 0, err) < 0)))
		goto fail;
	if (settings || ((r = detect_read(dir, "requirements.txt", SMALL_FILE_MAX, &text, err)) > 0 &&
			 first_match(DJANGO_RE, text.ptr, text.len, &settings, 0, err) > 0)) {
		d->framework = xstrdup("Django");
		if (settings && *settings)
			strvec_pushf(&d->notes, "Django app: Heroku gives no default process type; add a "
				     "Procfile with 'web: gunicorn %s.wsgi'", settings);
		else
			strvec_push(&d->notes, "Django app: Heroku gives no default process type; add a "
				    "Procfile with 'web: gunicorn <project>.wsgi'");
	}
	r = 1;
	goto out;
fail:
	r = -1;
out:
	free(settings);
	buf_release(&text);
	return r;
}
