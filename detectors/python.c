/*
 * Python, as heroku-buildpack-python detects it (bin/detect: any of
 * KNOWN_PYTHON_PROJECT_FILES) and then decides in bin/compile:
 *
 *  - exactly one package manager (lib/package_manager.sh): Pipfile.lock
 *    (Pipenv; a Pipfile without it is refused), requirements.txt (pip),
 *    poetry.lock (Poetry), uv.lock (uv); none, setup.py alone, or several
 *    are refused with Heroku's reasons;
 *  - the version (lib/python_version.sh): runtime.txt (deprecated), else
 *    .python-version (misspelt names refused), else Pipfile.lock's
 *    python_full_version / python_version for Pipenv, else the default
 *    major; N.N or N.N.N only, end-of-life and unknown majors refused with
 *    the file to change; uv requires .python-version.
 *
 * Heroku's Python buildpack declares no default process types, Django apps
 * included, so neither does slugc; it says what to put in the Procfile.
 *
 * One difference: Heroku detects one buildpack, slugc every language. A
 * tree whose only Python files are weak markers (app.py, __init__.py, a
 * venv/ ...) and which another language claims (package.json, Gemfile,
 * go.mod) is not a Python app here, where Heroku would fail its build.
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

/* N.N or N.N.N, integers without redundant leading zeros (PYTHON_VERSION_REGEX). */
#define INT_RE "(0|[1-9][0-9]*)"
#define VERSION_RE "^" INT_RE "\\." INT_RE "(?:\\." INT_RE ")?$"
#define DJANGO_RE "^\\s*[Dd]jango\\b"
#define SETTINGS_RE "DJANGO_SETTINGS_MODULE[\"'],\\s*[\"']([A-Za-z_][A-Za-z0-9_]*)\\.settings"

static int detect_python(const char *dir, const struct defaults *def, struct detection *d,
			 struct error *err);

const struct detector detector_python = {
	"python", "Python", "requirements.txt, Pipfile.lock, poetry.lock or uv.lock", detect_python,
};

/* heroku-buildpack-python bin/detect's KNOWN_PYTHON_PROJECT_FILES. */
static const char *const known_files[] = {
	".python-version", "__init__.py", "app.py", "main.py", "manage.py", "pdm.lock", "Pipfile",
	"Pipfile.lock", "poetry.lock", "pyproject.toml", "requirements.txt", "runtime.txt",
	"server.py", "setup.cfg", "setup.py", "uv.lock", "requeriments.txt", "requirement.txt",
	"requirements", "requirements.text", "Requirements.txt", "requirements.txt.txt",
	"requirments.txt", "__pycache__", ".venv", "venv", NULL,
};

/* lib/python_version.sh's MISSPELLED_PYTHON_VERSION_FILE_NAMES. */
static const char *const misspelt_version_files[] = {
	" .python-version", ". python-version", ".python_version.txt", ".python_version",
	".python-version ", ",python-version", ".python-version.", ".python-version.py",
	".python-version.rtf", ".python-version.txt", ".python-version.TXT", ".Python-version",
	".python.version", ".pythonversion", "'.python-version'", "python_version.txt",
	"python_version", "python-version.", "python-version.txt", "python-version", NULL,
};

struct manager {
	const char *file, *name, *display;
};

/* In lib/package_manager.sh's order (Pipenv first). */
static const struct manager managers[] = {
	{ "Pipfile.lock", "pipenv", "Pipenv" },
	{ "requirements.txt", "pip", "pip" },
	{ "poetry.lock", "poetry", "Poetry" },
	{ "uv.lock", "uv", "uv" },
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

static int valid_version(const char *v, size_t n, struct error *err)
{
	return regex_match(regex_static(VERSION_RE, 0), v, n, NULL, err);
}

/*
 * The lines that are neither blank nor comments, trimmed (as Heroku's
 * read_trimmed_version_lines): pushed onto lines.
 */
static void version_lines(const char *text, size_t len, struct strvec *lines)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *e = nl ? nl : end;

		while (s < e && strchr(" \t\r\f\v", *s))
			s++;
		while (e > s && strchr(" \t\r\f\v", e[-1]))
			e--;
		if (e > s && *s != '#') {
			char *line = xstrndup(s, (size_t)(e - s));

			strvec_push(lines, line);
			free(line);
		}
		p = nl ? nl + 1 : end;
	}
}

int python_read_runtime_txt(const char *text, size_t len, struct detection *d,
			    struct error *err)
{
	struct strvec lines = STRVEC_INIT;
	int r = -1;

	if (memchr(text, '\0', len))
		return error_set(err, "runtime.txt contains binary data; delete it and put the major "
				 "Python version (e.g. 3.14) in .python-version");
	version_lines(text, len, &lines);
	if (lines.nr != 1 || strncmp(lines.v[0], "python-", 7) ||
	    (r = valid_version(lines.v[0] + 7, strlen(lines.v[0]) - 7, err)) == 0) {
		r = error_set(err, "runtime.txt: invalid Python version (the format is 'python-3.14'); "
			      "runtime.txt is deprecated: delete it and put the major version, e.g. "
			      "3.14, in .python-version");
		goto out;
	}
	if (r < 0)
		goto out;
	d->requirement = xstrdup(lines.v[0] + 7);
	d->requirement_source = xstrdup("runtime.txt");
	strvec_push(&d->notes, "runtime.txt is deprecated: delete it and put the major Python "
		    "version in a .python-version file instead");
	r = 0;
out:
	strvec_clear(&lines);
	return r;
}

int python_read_version_file(const char *text, size_t len, struct detection *d,
			     struct error *err)
{
	struct strvec lines = STRVEC_INIT;
	size_t i;
	int r = -1, ok;

	if (len >= 2 && ((unsigned char)text[0] == 0xff || (unsigned char)text[0] == 0xfe ||
			 ((unsigned char)text[0] == 0xef && len >= 3 && (unsigned char)text[1] == 0xbb)))
		return error_set(err, ".python-version: unsupported text encoding (a BOM or UTF-16); "
				 "save it as UTF-8 without a BOM");
	if (memchr(text, '\0', len))
		return error_set(err, ".python-version contains binary data; save it as UTF-8 text "
				 "holding a version like 3.14");
	version_lines(text, len, &lines);
	for (i = 0; i < lines.nr; i++) {
		if ((ok = valid_version(lines.v[i], strlen(lines.v[i]), err)) < 0)
			goto out;
		if (!ok) {
			error_set(err, ".python-version: invalid Python version '%.40s'; write the major "
				  "version only, e.g. 3.14 (no quotes, 'python-' prefix or wildcards)",
				  lines.v[i]);
			goto out;
		}
	}
	if (!lines.nr) {
		error_set(err, ".python-version holds no Python version; write the major version, "
			  "e.g. 3.14 (lines starting with '#' are comments)");
		goto out;
	}
	if (lines.nr > 1) {
		error_set(err, ".python-version holds %zu Python versions ('%.20s', '%.20s'...); keep "
			  "only one", lines.nr, lines.v[0], lines.v[1]);
		goto out;
	}
	d->requirement = xstrdup(lines.v[0]);
	d->requirement_source = xstrdup(".python-version");
	r = 0;
out:
	strvec_clear(&lines);
	return r;
}

int python_read_pipfile_lock(const char *text, size_t len, struct detection *d,
			     struct error *err)
{
	struct json *doc = json_parse(text, len, "Pipfile.lock", err);
	const struct json *req;
	const char *v;
	int r = 0;

	if (!doc)
		return error_prefix(err, "run 'pipenv lock' to regenerate it");
	req = json_get(json_get(doc, "_meta"), "requires");
	v = json_get_str(req, "python_full_version");
	if (!v)
		v = json_get_str(req, "python_version");
	if (v && (r = valid_version(v, strlen(v), err)) == 0)
		r = error_set(err, "Pipfile.lock: invalid Python version '%.40s' in python_version or "
			      "python_full_version; set python_version = \"3.14\" in the Pipfile and "
			      "run 'pipenv lock'", v);
	if (v && r > 0) {
		d->requirement = xstrdup(v);
		d->requirement_source = xstrdup("Pipfile.lock");
		r = 0;
	}
	json_free(doc);
	return r < 0 ? -1 : 0;
}

int python_check_version(const struct defaults *def, const char *version, const char *origin,
			 struct error *err)
{
	const struct json *py = json_get(def->doc, "python");
	int64_t oldest = 0, newest = 0;
	long major, minor;
	char *end;

	major = strtol(version, &end, 10);
	minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
	if (json_get_int(py, "oldest_minor", &oldest) < 0 || json_get_int(py, "newest_minor", &newest) < 0)
		return error_set(err, "the defaults file has no python.oldest_minor/newest_minor");
	if (major < 3 || (major == 3 && minor < oldest))
		return error_set(err, "Python %ld.%ld (%s) has reached its upstream end-of-life and "
				 "Heroku no longer supports it: change %s to at least 3.%lld "
				 "(ideally %s)", major, minor, origin, origin, (long long)oldest,
				 def->python_default);
	if (major > 3 || minor > newest)
		return error_set(err, "Python %ld.%ld (%s) isn't recognised: Heroku supports 3.%lld to "
				 "3.%lld; change %s to a supported version such as %s", major, minor,
				 origin, (long long)oldest, (long long)newest, origin, def->python_default);
	return 0;
}

/* The one package manager, Heroku's way; -1 with Heroku's reason otherwise. */
static int find_manager(const char *dir, const struct manager **found, struct error *err)
{
	const struct manager *seen[4];
	size_t i, n = 0;

	*found = NULL;
	if (!detect_exists(dir, "Pipfile.lock") && detect_exists(dir, "Pipfile"))
		return error_set(err, "Pipfile exists but Pipfile.lock does not: run 'pipenv lock' and "
				 "commit Pipfile.lock (Heroku no longer installs from a Pipfile alone)");
	for (i = 0; i < sizeof(managers) / sizeof(managers[0]); i++)
		if (detect_exists(dir, managers[i].file))
			seen[n++] = &managers[i];
	if (n > 1)
		return error_set(err, "both %s (%s) and %s (%s) exist: Heroku installs with exactly one "
				 "Python package manager; delete the other's files", seen[0]->file,
				 seen[0]->display, seen[1]->file, seen[1]->display);
	if (n == 1) {
		*found = seen[0];
		return 0;
	}
	if (detect_exists(dir, "setup.py"))
		return error_set(err, "setup.py without a package manager file: Heroku no longer "
				 "guesses; add a requirements.txt holding '--editable .' (or use "
				 "Poetry or uv with a lockfile)");
	if (detect_exists(dir, "pyproject.toml"))
		return error_set(err, "pyproject.toml without poetry.lock or uv.lock: lock the "
				 "dependencies ('poetry lock' or 'uv lock') and commit the lockfile");
	return error_set(err, "no Python package manager file: add requirements.txt, Pipfile.lock, "
			 "poetry.lock or uv.lock to the app's root (an empty requirements.txt if it "
			 "has no dependencies)");
}

static int is_python(const char *dir)
{
	size_t i;

	for (i = 0; known_files[i]; i++)
		if (detect_exists(dir, known_files[i]))
			return 1;
	return 0;
}

/* Only weak markers, and another language claims the tree (see the top comment). */
static int other_language(const char *dir)
{
	static const char *const strong[] = { "requirements.txt", "Pipfile", "Pipfile.lock",
					      "poetry.lock", "uv.lock", "setup.py", "pyproject.toml",
					      NULL };
	size_t i;

	for (i = 0; strong[i]; i++)
		if (detect_exists(dir, strong[i]))
			return 0;
	return detect_exists(dir, "package.json") || detect_exists(dir, "Gemfile") ||
	       detect_exists(dir, "go.mod");
}

static int read_version(const char *dir, const struct defaults *def, struct detection *d,
			struct buf *text, struct error *err)
{
	size_t i;
	int r;

	if ((r = detect_read(dir, "runtime.txt", SMALL_FILE_MAX, text, err)) != 0)
		return r < 0 ? -1 : python_read_runtime_txt(text->ptr, text->len, d, err);
	for (i = 0; misspelt_version_files[i]; i++)
		if (detect_exists(dir, misspelt_version_files[i]))
			return error_set(err, "'%s' is a misspelt .python-version: rename it to "
					 "'.python-version'", misspelt_version_files[i]);
	if ((r = detect_read(dir, ".python-version", SMALL_FILE_MAX, text, err)) != 0)
		return r < 0 ? -1 : python_read_version_file(text->ptr, text->len, d, err);
	if (!strcmp(d->package_manager, "pipenv")) {
		if ((r = detect_read(dir, "Pipfile.lock", LOCK_MAX, text, err)) < 0 ||
		    (r && python_read_pipfile_lock(text->ptr, text->len, d, err) < 0))
			return -1;
		if (d->requirement)
			return 0;
	}
	d->requirement = xstrdup(def->python_default);
	d->requirement_source = xstrfmt("default (Heroku's, %s)", def->python_default);
	return 0;
}

static int detect_python(const char *dir, const struct defaults *def, struct detection *d,
			 struct error *err)
{
	struct buf text = BUF_INIT;
	const struct manager *found = NULL;
	char *settings = NULL;
	int r = -1;

	if (!is_python(dir) || other_language(dir)) {
		r = 0;
		goto out;
	}
	if (find_manager(dir, &found, err) < 0)
		goto out;
	if ((!strcmp(found->name, "poetry") || !strcmp(found->name, "uv")) &&
	    !detect_exists(dir, "pyproject.toml")) {
		error_set(err, "%s exists but pyproject.toml does not: commit pyproject.toml with it",
			  found->file);
		goto out;
	}
	d->package_manager = xstrdup(found->name);
	if (read_version(dir, def, d, &text, err) < 0)
		goto out;
	if (!strcmp(found->name, "uv") && strcmp(d->requirement_source, ".python-version")) {
		error_set(err, "uv apps must give the Python version in .python-version (%s is not "
			  "read with uv): run 'uv python pin %s' and commit .python-version",
			  d->requirement_source, def->python_default);
		goto out;
	}
	if (python_check_version(def, d->requirement, d->requirement_source, err) < 0)
		goto out;
	if (!strncmp(d->requirement_source, "default", 7))
		strvec_pushf(&d->notes, "no Python version is specified; using the default, %s: put "
			     "the major version in a .python-version file", def->python_default);

	/* Django: say what the Procfile should hold, as Heroku's guides do. */
	if (detect_exists(dir, "manage.py") &&
	    ((r = detect_read(dir, "manage.py", SMALL_FILE_MAX, &text, err)) < 0 ||
	     (r && first_match(SETTINGS_RE, text.ptr, text.len, &settings, 0, err) < 0)))
		goto fail;
	if (settings || ((r = detect_read(dir, "requirements.txt", SMALL_FILE_MAX, &text, err)) > 0 &&
			 first_match(DJANGO_RE, text.ptr, text.len, &settings, 0, err) > 0))
		d->framework = xstrdup("Django");
	if (!detect_exists(dir, "Procfile")) {
		if (settings && *settings)
			strvec_pushf(&d->notes, "there is no Procfile, and Heroku's Python buildpack gives "
				     "no default process types: add one, e.g. 'web: gunicorn %s.wsgi'",
				     settings);
		else
			strvec_push(&d->notes, "there is no Procfile, and Heroku's Python buildpack gives "
				    "no default process types: add one, e.g. 'web: gunicorn app:app'");
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
