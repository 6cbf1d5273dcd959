/*
 * Ruby, as heroku-buildpack-ruby detects it: the Gemfile is the marker, and
 * a Gemfile without Gemfile.lock is refused when the app is built ("Gemfile.lock
 * required"). The version is Gemfile.lock's RUBY VERSION read with the
 * buildpack's own pattern (two or three spaces, "ruby X.Y.Z", a "-" or "."
 * pre-release suffix kept: 3.4.0.rc1; "(jruby N)" makes it JRuby); a line it
 * cannot read means the default, as there. Beyond Heroku, and with a note:
 * the Gemfile's ruby directive (or the file its `ruby file:` names), which
 * bundler would enforce anyway. Default process types follow the framework
 * the lockfile's gems show, as the buildpack's language packs choose them:
 * Rails 2 (rails 2.x), Rails 3 to 8 (railties), Rack (a rack gem), plain Ruby.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "detectors.h"
#include "error.h"
#include "regex.h"
#include "xalloc.h"

#define GEMFILE_MAX (1024 * 1024)
#define LOCKFILE_MAX (16 * 1024 * 1024)

/* The buildpack's patterns for the line under RUBY VERSION: "   ruby 3.2.2p53", "  ruby 3.4.0.rc1". */
#define LOCK_RUBY_RE "^ {2,3}ruby (\\d+\\.\\d+\\.\\d+)(?:(?:-|\\.)(\\S*))?"
/* "   ruby 3.1.4p0 (jruby 9.4.8.0)" */
#define LOCK_JRUBY_RE "^ {2,3}ruby [^(]*\\(jruby ((?:\\d+|\\.)+)\\)"
/* A gem in a specs: list, exactly four spaces in: "    rails (7.1.2)". */
#define LOCK_GEM_RE "^    ([A-Za-z0-9_.-]+) \\(([^)]*)\\)\\s*$"
#define LOCK_VERSION_RE "^\\s+(\\S+)\\s*$"
/* ruby "3.2.2" / ruby '~> 3.2' / ruby("3.2.2") in a Gemfile. */
#define GEMFILE_RUBY_RE "^\\s*ruby\\s*\\(?\\s*([\"'])([^\"']+)\\1"
#define GEMFILE_RUBY_FILE_RE "^\\s*ruby\\s*\\(?\\s*file:\\s*([\"'])([^\"']+)\\1"

static int detect_ruby(const char *dir, const struct defaults *def, struct detection *d,
		       struct error *err);

const struct detector detector_ruby = {
	"ruby", "Ruby", "Gemfile", detect_ruby,
};

/* Call fn for each line (without its newline or CR); stop on -1. */
static int each_line(const char *text, size_t len, void *ctx,
		     int (*fn)(void *ctx, const char *line, size_t n, struct error *err),
		     struct error *err)
{
	const char *p = text, *end = text + len;

	if (memchr(text, '\0', len))
		return error_set(err, "contains binary data (a NUL byte)");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (fn(ctx, p, n, err) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

struct lockfile_state {
	struct detection *d;
	char section[32];     /* the current top-level section */
	int want_value;       /* the next indented line is RUBY VERSION's or BUNDLED WITH's */
};

static char *group(const char *line, const struct regex_match *m, int i)
{
	return xstrndup(line + m->start[i], m->end[i] - m->start[i]);
}

static int lockfile_line(void *ctx, const char *line, size_t n, struct error *err)
{
	struct lockfile_state *st = ctx;
	struct detection *d = st->d;
	struct regex_match m;
	int r;

	if (!n)
		return 0;
	if (line[0] != ' ') {
		snprintf(st->section, sizeof(st->section), "%.*s", (int)(n < 31 ? n : 31), line);
		st->want_value = !strcmp(st->section, "RUBY VERSION") || !strcmp(st->section, "BUNDLED WITH");
		return 0;
	}
	if (st->want_value && !strcmp(st->section, "RUBY VERSION")) {
		char *v, *pre = NULL, *jv = NULL;

		st->want_value = 0;
		if (d->requirement)
			return 0; /* the first readable RUBY VERSION counts */
		r = regex_match(regex_static(LOCK_RUBY_RE, 0), line, n, &m, err);
		if (r < 0)
			return -1;
		if (!r) {
			/* The buildpack then uses its default; say so rather than guess. */
			char *shown = xstrfmt("%.*s", (int)(n > 80 ? 80 : n), line);

			detection_set_fact(d, "ruby_version_unreadable", shown);
			free(shown);
			return 0;
		}
		v = group(line, &m, 1);
		/* A suffix after "-" or ".", even an empty one, is kept, as the buildpack keeps it. */
		if (m.groups > 2)
			pre = group(line, &m, 2);
		r = regex_match(regex_static(LOCK_JRUBY_RE, 0), line, n, &m, err);
		if (r < 0) {
			free(v);
			free(pre);
			return -1;
		}
		if (r)
			jv = group(line, &m, 1);
		if (jv)
			d->requirement = xstrfmt("%s-jruby-%s", v, jv);
		else if (pre)
			d->requirement = xstrfmt("%s.%s", v, pre);
		else
			d->requirement = xstrdup(v);
		free(v);
		free(pre);
		free(jv);
		d->requirement_source = xstrdup("Gemfile.lock RUBY VERSION");
		return 0;
	}
	if (st->want_value && !strcmp(st->section, "BUNDLED WITH")) {
		st->want_value = 0;
		r = regex_match(regex_static(LOCK_VERSION_RE, 0), line, n, &m, err);
		if (r < 0)
			return -1;
		if (r) {
			char *v = group(line, &m, 1);

			detection_set_fact(d, "bundler_version", v);
			free(v);
		}
		return 0;
	}
	/* Gems of GEM, PATH and GIT sections. */
	r = regex_match(regex_static(LOCK_GEM_RE, 0), line, n, &m, err);
	if (r < 0)
		return -1;
	if (r) {
		char *name = group(line, &m, 1), *version = group(line, &m, 2);

		if (!strcmp(name, "railties") || !strcmp(name, "rails") || !strcmp(name, "rack") ||
		    !strcmp(name, "thin") || !strcmp(name, "delayed_job")) {
			char *key = xstrfmt("gem.%s", name);

			detection_set_fact(d, key, version);
			free(key);
		}
		free(name);
		free(version);
	}
	return 0;
}

int ruby_read_lockfile(const char *text, size_t len, struct detection *d, struct error *err)
{
	struct lockfile_state st = { d, "", 0 };

	if (each_line(text, len, &st, lockfile_line, err) < 0)
		return error_prefix(err, "Gemfile.lock");
	return 0;
}

struct gemfile_state {
	struct detection *d;
	int found;
};

static int gemfile_line(void *ctx, const char *line, size_t n, struct error *err)
{
	struct gemfile_state *st = ctx;
	struct regex_match m;
	int r;

	if (st->found)
		return 0;
	r = regex_match(regex_static(GEMFILE_RUBY_FILE_RE, 0), line, n, &m, err);
	if (r < 0)
		return -1;
	if (r) {
		char *file = group(line, &m, 2);

		detection_set_fact(st->d, "ruby_version_file", file);
		free(file);
		st->found = 1;
		return 0;
	}
	r = regex_match(regex_static(GEMFILE_RUBY_RE, 0), line, n, &m, err);
	if (r < 0)
		return -1;
	if (r) {
		st->d->requirement = group(line, &m, 2);
		st->d->requirement_source = xstrdup("Gemfile ruby directive");
		st->found = 1;
	}
	return 0;
}

int ruby_read_gemfile(const char *text, size_t len, struct detection *d, struct error *err)
{
	struct gemfile_state st = { d, 0 };

	if (each_line(text, len, &st, gemfile_line, err) < 0)
		return error_prefix(err, "Gemfile");
	return 0;
}

/* .ruby-version: "3.2.2", "ruby-3.2.2" or "3.2.2\n# comment". */
static int read_ruby_version_file(const char *dir, const char *name, struct detection *d,
				  struct error *err)
{
	struct buf text = BUF_INIT;
	const char *p;
	size_t n;
	int r = detect_read(dir, name, 4096, &text, err);

	if (r <= 0)
		goto out;
	p = text.ptr;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!strncmp(p, "ruby-", 5))
		p += 5;
	n = strcspn(p, " \t\r\n#");
	if (!n || memchr(text.ptr, '\0', text.len)) {
		r = error_set(err, "'%s' does not hold a Ruby version", name);
		goto out;
	}
	d->requirement = xstrndup(p, n);
	d->requirement_source = xstrdup(name);
	r = 1;
out:
	buf_release(&text);
	return r;
}

static long major_of(const char *version)
{
	return version ? strtol(version, NULL, 10) : 0;
}

/*
 * Whether `rake jobs:work` exists, which the buildpack asks rake at build
 * time; here, from the files: delayed_job (which defines it), or a Rakefile
 * or lib/tasks/jobs.rake that names it.
 */
static int has_jobs_work(const char *dir, const struct detection *d)
{
	static const char *const files[] = { "Rakefile", "lib/tasks/jobs.rake", NULL };
	struct error ignored = ERROR_INIT;
	struct buf text = BUF_INIT;
	int i, found = detection_fact(d, "gem.delayed_job") != NULL;

	for (i = 0; files[i] && !found; i++) {
		buf_reset(&text);
		if (detect_read(dir, files[i], GEMFILE_MAX, &text, &ignored) > 0)
			found = strstr(text.ptr, "jobs:work") != NULL;
	}
	buf_release(&text);
	error_clear(&ignored);
	return found;
}

#define THIN_RAILS2 "bundle exec thin start -e $RAILS_ENV -p ${PORT:-5000}"
#define THIN_RAILS3 "bundle exec thin start -R config.ru -e $RAILS_ENV -p ${PORT:-5000}"
#define THIN_RACK "bundle exec thin start -R config.ru -e $RACK_ENV -p ${PORT:-5000}"

static void default_process_types(const char *dir, struct detection *d)
{
	const char *railties = detection_fact(d, "gem.railties");
	const char *rails = detection_fact(d, "gem.rails");
	int thin = detection_fact(d, "gem.thin") != NULL;
	long major = railties ? major_of(railties) : 0;

	procfile_set(&d->defaults, "rake", "bundle exec rake", 0);
	if (rails && major_of(rails) == 2) {
		d->framework = xstrdup("Rails");
		procfile_set(&d->defaults, "web", thin ? THIN_RAILS2 :
			     "bundle exec ruby script/server -p ${PORT:-5000}", 0);
		if (has_jobs_work(dir, d))
			procfile_set(&d->defaults, "worker", "bundle exec rake jobs:work", 0);
		procfile_set(&d->defaults, "console", "bundle exec script/console", 0);
	} else if (major == 3) {
		d->framework = xstrdup("Rails");
		procfile_set(&d->defaults, "web", thin ? THIN_RAILS3 :
			     "bundle exec rails server -p ${PORT:-5000}", 0);
		procfile_set(&d->defaults, "console", "bundle exec rails console", 0);
	} else if (major >= 4 && major <= 8) {
		d->framework = xstrdup("Rails");
		procfile_set(&d->defaults, "web", "bin/rails server -p ${PORT:-5000} -e $RAILS_ENV", 0);
		procfile_set(&d->defaults, "console", "bin/rails console", 0);
	} else {
		procfile_set(&d->defaults, "console", "bundle exec irb", 0);
		if (detection_fact(d, "gem.rack")) {
			d->framework = xstrdup("Rack");
			procfile_set(&d->defaults, "web", thin ? THIN_RACK :
				     "bundle exec rackup config.ru -p ${PORT:-5000}", 0);
		}
	}
}

static int detect_ruby(const char *dir, const struct defaults *def, struct detection *d,
		       struct error *err)
{
	struct buf text = BUF_INIT;
	int r = detect_read(dir, "Gemfile", GEMFILE_MAX, &text, err), has_lock;

	if (r <= 0)
		goto out;
	d->package_manager = xstrdup("bundler");
	r = -1;
	has_lock = detect_read(dir, "Gemfile.lock", LOCKFILE_MAX, &text, err);
	if (has_lock < 0 || (has_lock && ruby_read_lockfile(text.ptr, text.len, d, err) < 0))
		goto out;
	if (!has_lock)
		strvec_push(&d->notes, "there is no Gemfile.lock: Heroku refuses to build the app");
	if (!has_lock)
		detection_set_fact(d, "refuse", "Gemfile.lock required: run 'bundle install' and commit "
				   "Gemfile.lock (Heroku's Ruby buildpack refuses a Gemfile without it)");
	if (detection_fact(d, "ruby_version_unreadable"))
		strvec_pushf(&d->notes, "Gemfile.lock's RUBY VERSION line '%s' is not 'ruby X.Y.Z' "
			     "indented by two or three spaces; Heroku then uses its default, and so "
			     "does slugc", detection_fact(d, "ruby_version_unreadable"));
	if (!d->requirement) {
		if (detect_read(dir, "Gemfile", GEMFILE_MAX, &text, err) < 0 ||
		    ruby_read_gemfile(text.ptr, text.len, d, err) < 0)
			goto out;
		/* Only the file the Gemfile names: bundler enforces it; Heroku ignores .ruby-version. */
		if (!d->requirement && detection_fact(d, "ruby_version_file") &&
		    read_ruby_version_file(dir, detection_fact(d, "ruby_version_file"), d, err) < 0)
			goto out;
		if (d->requirement)
			strvec_pushf(&d->notes, "the Ruby version comes from %s; Heroku reads only "
				     "Gemfile.lock's RUBY VERSION, so run 'bundle lock' to record it there",
				     d->requirement_source);
	}
	if (!d->requirement) {
		d->requirement = xstrdup(def->ruby_default);
		d->requirement_source = xstrfmt("default (Heroku's, %s)", def->ruby_default);
		strvec_pushf(&d->notes, "no Ruby version is specified; using the default, %s (add "
			     "ruby \"x.y.z\" to the Gemfile and run 'bundle lock')", def->ruby_default);
	}
	default_process_types(dir, d);
	r = 1;
out:
	buf_release(&text);
	return r;
}
