/*
 * Go, as heroku-buildpack-go detects it: go.mod is the marker (Godeps,
 * govendor, glide and dep are recognised only to say that they are no longer
 * supported). The version comes from a "// +heroku goVersion" comment, else
 * the toolchain directive (more precise than Heroku, which ignores it), else
 * the go directive (the GOVERSION config var overrides all of them, at
 * resolve time); the packages to install from "// +heroku install", else
 * every main package of the module (the build asks `go list`, as Heroku
 * does; GO_INSTALL_PACKAGE_SPEC overrides both). Go has no default process
 * types on Heroku: its compile writes a Procfile from the main packages when
 * the app has none, "web: bin/<name>" for one, one type per binary for
 * several. Here those are defaults used only without a Procfile.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "detectors.h"
#include "error.h"
#include "path.h"
#include "regex.h"
#include "xalloc.h"

#define GOMOD_MAX (4 * 1024 * 1024)
#define GOFILE_SCAN (64 * 1024)
#define MAX_MAIN_PACKAGES 64
#define MAX_SCANNED_DIRS 4096

#define MODULE_RE "^\\s*module\\s+\"?([^\\s\"]+)\"?\\s*(?://.*)?$"
#define GO_RE "^\\s*go\\s+(\\d+\\.\\d+(?:\\.\\d+)?(?:(?:rc|beta)\\d+)?)\\s*(?://.*)?$"
#define TOOLCHAIN_RE "^\\s*toolchain\\s+(go\\d+\\.\\d+(?:\\.\\d+)?(?:(?:rc|beta)\\d+)?)\\s*(?://.*)?$"
#define HEROKU_VERSION_RE "^\\s*//\\s*\\+heroku\\s+goVersion\\s+(\\S+)\\s*$"
#define HEROKU_INSTALL_RE "^\\s*//\\s*\\+heroku\\s+install\\s+(.+?)\\s*$"
#define PACKAGE_MAIN_RE "^\\s*package\\s+main\\s*(?://.*)?$"

static int detect_go(const char *dir, const struct defaults *def, struct detection *d,
		     struct error *err);

const struct detector detector_go = {
	"go", "Go", "go.mod", detect_go,
};

struct directive {
	const char *re;
	const char *fact;
};

static const struct directive directives[] = {
	{ MODULE_RE, "module" },
	{ GO_RE, "go" },
	{ TOOLCHAIN_RE, "toolchain" },
	{ HEROKU_VERSION_RE, "heroku_go_version" },
	{ HEROKU_INSTALL_RE, "install" },
};

int go_read_mod(const char *text, size_t len, struct detection *d, struct error *err)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;

	if (memchr(text, '\0', len))
		return error_set(err, "go.mod contains binary data (a NUL byte); is it really a go.mod?");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), i;

		lineno++;
		/* The go command reads go.mod as UTF-8 and rejects anything else. */
		if (!utf8_valid(p, n))
			return error_set(err, "go.mod line %u is not valid UTF-8", lineno);
		for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
			struct regex_match m;
			int r = regex_match(regex_static(directives[i].re, 0), p, n, &m, err);
			char *v;

			if (r < 0)
				return error_prefix(err, "go.mod line %u", lineno);
			if (!r || detection_fact(d, directives[i].fact))
				continue;
			v = xstrndup(p + m.start[1], m.end[1] - m.start[1]);
			detection_set_fact(d, directives[i].fact, v);
			free(v);
			break;
		}
		p = nl ? nl + 1 : end;
	}
	if (!detection_fact(d, "module"))
		return error_set(err, "go.mod has no module directive (run 'go mod init <path>')");
	return 0;
}

/* "1.21" → "go1.21"; "go1.21.5" as it is. */
static char *with_go_prefix(const char *v)
{
	return strncmp(v, "go", 2) ? xstrfmt("go%s", v) : xstrdup(v);
}

/* Whether a directory holds a non-test .go file of package main. */
static int has_main_package(const char *dir, struct error *err)
{
	struct buf text = BUF_INIT;
	struct dirent *de;
	DIR *dp = opendir(dir);
	int found = 0;

	if (!dp)
		return 0;
	while (!found && (de = readdir(dp))) {
		size_t n = strlen(de->d_name);
		char *p;
		const char *s, *e;

		if (n < 4 || strcmp(de->d_name + n - 3, ".go") || (n > 8 && !strcmp(de->d_name + n - 8, "_test.go")))
			continue;
		p = path_join(dir, de->d_name);
		buf_reset(&text);
		/* The package clause comes first, after comments; a prefix of the file is enough. */
		if (buf_read_prefix(&text, p, GOFILE_SCAN) == 0) {
			for (s = text.ptr; s < text.ptr + text.len && !found; s = e + 1) {
				int r;

				e = memchr(s, '\n', (size_t)(text.ptr + text.len - s));
				if (!e)
					e = text.ptr + text.len;
				r = regex_match(regex_static(PACKAGE_MAIN_RE, 0), s, (size_t)(e - s), NULL, err);
				if (r == 1)
					found = 1;
			}
		}
		free(p);
	}
	closedir(dp);
	buf_release(&text);
	return found;
}

struct mains {
	struct strvec dirs;  /* app-relative directories holding package main */
	unsigned scanned;
};

/* Collect main packages under rel (recursively when `all`), skipping what ./... skips. */
static void find_mains(const char *root, const char *rel, int all, struct mains *m, struct error *err)
{
	char *dir = *rel ? path_join(root, rel) : xstrdup(root);
	struct dirent *de;
	DIR *dp;

	if (++m->scanned > MAX_SCANNED_DIRS || m->dirs.nr >= MAX_MAIN_PACKAGES) {
		free(dir);
		return;
	}
	if (has_main_package(dir, err))
		strvec_push(&m->dirs, rel);
	if (all && (dp = opendir(dir))) {
		while ((de = readdir(dp))) {
			struct stat st;
			char *sub, *subrel;

			/* The go tool ignores testdata, vendor, and names starting with '.' or '_'. */
			if (de->d_name[0] == '.' || de->d_name[0] == '_' || !strcmp(de->d_name, "testdata") ||
			    !strcmp(de->d_name, "vendor"))
				continue;
			sub = path_join(dir, de->d_name);
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
				subrel = *rel ? path_join(rel, de->d_name) : xstrdup(de->d_name);
				find_mains(root, subrel, 1, m, err);
				free(subrel);
			}
			free(sub);
		}
		closedir(dp);
	}
	free(dir);
}

/* "v2", "v10": a major-version suffix of a module path. */
static int is_major_suffix(const char *s)
{
	return s[0] == 'v' && s[1] >= '1' && s[1] <= '9' && strspn(s + 1, "0123456789") == strlen(s + 1);
}

/* The name `go install` gives a main package's binary. */
static char *binary_name(const char *module, const char *rel)
{
	const char *path = *rel ? rel : module;
	const char *base = path_basename(path);

	/* A module's root package is named without a /vN suffix: example.com/app/v2 → app. */
	if (!*rel && is_major_suffix(base) && base > path + 1) {
		const char *slash = base - 1, *start = slash;

		while (start > path && start[-1] != '/')
			start--;
		return xstrndup(start, (size_t)(slash - start));
	}
	return xstrdup(base);
}

/* The default types of the main packages the spec names; their paths ("./cmd/a", ".") into found. */
static void default_process_types(const char *dir, struct detection *d, struct buf *found,
				  struct error *err)
{
	struct mains m = { STRVEC_INIT, 0 };
	const char *spec = detection_fact(d, "install");
	const char *module = detection_fact(d, "module");
	const char *p = spec;
	size_t i;

	/* The spec is a space-separated list of package patterns. */
	while (*p) {
		size_t len = strcspn(p, " \t");
		char *rel = xstrndup(p, len);
		size_t n = len;
		int all = n >= 3 && !strcmp(rel + n - 3, "...");

		if (all)
			rel[n - 3] = '\0';
		/* Only local package paths (./x, .) can be looked at; imports elsewhere are built as given. */
		if (rel[0] == '.' && (rel[1] == '/' || rel[1] == '\0') && !path_has_dotdot(rel)) {
			char *q = rel + 1;
			size_t qlen;

			while (*q == '/')
				q++;
			qlen = strlen(q);
			while (qlen && q[qlen - 1] == '/')
				q[--qlen] = '\0';
			find_mains(dir, q, all, &m, err);
		}
		free(rel);
		p += len;
		p += strspn(p, " \t");
	}
	/* In go list's order (sorted), whatever order the directories were read in. */
	strvec_sort(&m.dirs);
	for (i = 0; i < m.dirs.nr; i++) {
		char *name = binary_name(module, m.dirs.v[i]);
		char *cmd = xstrfmt("bin/%s", name);

		procfile_set(&d->defaults, m.dirs.nr == 1 ? "web" : name, cmd, 0);
		if (found)
			buf_addf(found, "%s%s%s", found->len ? " " : "", *m.dirs.v[i] ? "./" : ".",
				 m.dirs.v[i]);
		free(name);
		free(cmd);
	}
	strvec_clear(&m.dirs);
}

static const char *const legacy[][2] = {
	{ "Godeps/Godeps.json", "godep" },
	{ "vendor/vendor.json", "govendor" },
	{ "glide.yaml", "glide" },
	{ "Gopkg.lock", "dep" },
};

static int detect_go(const char *dir, const struct defaults *def, struct detection *d,
		     struct error *err)
{
	struct buf text = BUF_INIT, found = BUF_INIT;
	const char *v;
	size_t i;
	int r = detect_read(dir, "go.mod", GOMOD_MAX, &text, err);

	if (r == 0) {
		for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
			if (detect_exists(dir, legacy[i][0]))
				return error_set(err, "this Go app uses %s (%s), which Heroku's Go buildpack "
						 "no longer supports; migrate to Go modules with 'go mod "
						 "init' and commit go.mod", legacy[i][1], legacy[i][0]);
		goto out;
	}
	if (r < 0)
		goto out;
	r = -1;
	if (go_read_mod(text.ptr, text.len, d, err) < 0)
		goto out;
	d->package_manager = xstrdup("go modules");
	if ((v = detection_fact(d, "heroku_go_version"))) {
		d->requirement = with_go_prefix(v);
		d->requirement_source = xstrdup("go.mod // +heroku goVersion");
	} else if ((v = detection_fact(d, "toolchain"))) {
		d->requirement = xstrdup(v);
		d->requirement_source = xstrdup("go.mod toolchain directive");
	} else if ((v = detection_fact(d, "go"))) {
		d->requirement = with_go_prefix(v);
		d->requirement_source = xstrdup("go.mod go directive");
	} else {
		d->requirement = xstrdup(def->go_default);
		d->requirement_source = xstrfmt("default (Heroku's, %s)", def->go_default);
	}
	/* Heroku writes its Procfile only for an app that has none: never merged into the app's. */
	detection_set_fact(d, "defaults", "without-procfile");
	if (!detection_fact(d, "install")) {
		/* Every main package of the module: what `go list ./...` finds, seen from the files. */
		detection_set_fact(d, "install_default", "yes");
		detection_set_fact(d, "install", "./...");
		default_process_types(dir, d, &found, err);
		detection_set_fact(d, "install", found.len ? found.ptr : ".");
		if (!found.len)
			strvec_pushf(&d->notes, "no main packages found in module %s: installing '.' "
				     "(add a '// +heroku install ./cmd/...' comment to go.mod to choose)",
				     detection_fact(d, "module"));
	} else {
		default_process_types(dir, d, NULL, err);
	}
	r = 1;
out:
	buf_release(&text);
	buf_release(&found);
	return r;
}
