/*
 * Ruby, as heroku-buildpack-ruby detects it: the Gemfile is the marker; the
 * version comes from Gemfile.lock's RUBY VERSION (Heroku's rule), else the
 * Gemfile's ruby directive, else .ruby-version (both beyond Heroku, with a
 * note), else the default. Default process types follow the framework the
 * lockfile shows: Rails, Rack (with thin if bundled), or plain Ruby.
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

/* "   ruby 3.2.2p53" or "   ruby 3.1.4p0 (jruby 9.4.8.0)" under RUBY VERSION. */
#define LOCK_RUBY_RE "^\\s+ruby (\\d+\\.\\d+\\.\\d+)(?:[.-]?(?:p\\d+|[a-z]+\\d*))?(?: \\((jruby) ([0-9.]+)\\))?\\s*$"
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
		st->want_value = 0;
		r = regex_match(regex_static(LOCK_RUBY_RE, 0), line, n, &m, err);
		if (r < 0)
			return -1;
		if (!r)
			return error_set(err, "Gemfile.lock: cannot read the RUBY VERSION line '%.*s'",
					 (int)(n > 80 ? 80 : n), line);
		free(d->requirement);
		if (m.groups > 2 && m.end[2] > m.start[2]) {
			char *v = group(line, &m, 1), *jv = group(line, &m, 3);

			d->requirement = xstrfmt("%s-jruby-%s", v, jv);
			free(v);
			free(jv);
		} else {
			d->requirement = group(line, &m, 1);
		}
		free(d->requirement_source);
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
		    !strcmp(name, "thin")) {
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

static void default_process_types(const char *dir, struct detection *d)
{
	const char *rails = detection_fact(d, "gem.railties");

	if (!rails)
		rails = detection_fact(d, "gem.rails");
	if (rails || detect_exists(dir, "config/application.rb")) {
		d->framework = xstrdup("Rails");
		if (rails && major_of(rails) > 0 && major_of(rails) < 4) {
			procfile_set(&d->defaults, "web", "bundle exec rails server -p ${PORT:-5000}", 0);
			procfile_set(&d->defaults, "console", "bundle exec rails console", 0);
		} else {
			procfile_set(&d->defaults, "web", "bin/rails server -p ${PORT:-5000} -e $RAILS_ENV", 0);
			procfile_set(&d->defaults, "console", "bin/rails console", 0);
		}
		procfile_set(&d->defaults, "rake", "bundle exec rake", 0);
		return;
	}
	if (detection_fact(d, "gem.rack") || detect_exists(dir, "config.ru")) {
		d->framework = xstrdup("Rack");
		if (detection_fact(d, "gem.thin"))
			procfile_set(&d->defaults, "web",
				     "bundle exec thin start -R config.ru -e $RACK_ENV -p ${PORT:-5000}", 0);
		else
			procfile_set(&d->defaults, "web", "bundle exec rackup config.ru -p ${PORT:-5000}", 0);
	}
	procfile_set(&d->defaults, "rake", "bundle exec rake", 0);
	procfile_set(&d->defaults, "console", "bundle exec irb", 0);
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
		strvec_push(&d->notes, "there is no Gemfile.lock: run 'bundle install' and commit "
			    "Gemfile.lock (Heroku requires it)");
	if (!d->requirement) {
		if (detect_read(dir, "Gemfile", GEMFILE_MAX, &text, err) < 0 ||
		    ruby_read_gemfile(text.ptr, text.len, d, err) < 0)
			goto out;
		if (!d->requirement && detection_fact(d, "ruby_version_file") &&
		    read_ruby_version_file(dir, detection_fact(d, "ruby_version_file"), d, err) < 0)
			goto out;
		if (!d->requirement && read_ruby_version_file(dir, ".ruby-version", d, err) < 0)
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
