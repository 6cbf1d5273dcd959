#include "slugignore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "path.h"
#include "regex.h"
#include "strvec.h"
#include "xalloc.h"

struct rule {
	struct regex *re;
	int anchored; /* match the whole relative path, not just the name */
	int dir_only;
	unsigned line;
};

struct slugignore {
	struct rule *v;
	size_t nr, alloc;
};

static void add_literal(struct buf *re, unsigned char c)
{
	/* In PCRE2 a backslash before any ASCII non-alphanumeric is a literal. */
	if (c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		buf_addch(re, '\\');
	buf_addch(re, c);
}

/*
 * Translate a bracket expression starting at glob[i] == '['. Returns the
 * index just past ']' or 0 when the bracket is not closed (then '[' is an
 * ordinary character, as in git).
 */
static size_t add_class(struct buf *re, const char *glob, size_t i)
{
	size_t j = i + 1, start;
	int negate = 0;

	if (glob[j] == '!' || glob[j] == '^') {
		negate = 1;
		j++;
	}
	start = j;
	if (glob[j] == ']')
		j++;
	while (glob[j] && glob[j] != ']') {
		if (glob[j] == '[' && glob[j + 1] == ':') {
			const char *close = strstr(glob + j + 2, ":]");

			if (close) {
				j = (size_t)(close - glob) + 2;
				continue;
			}
		}
		if (glob[j] == '\\' && glob[j + 1])
			j++;
		j++;
	}
	if (glob[j] != ']')
		return 0;

	/* A class never matches '/': patterns work per path component. */
	buf_addstr(re, negate ? "[^/" : "(?![/])[");
	for (i = start; i < j; i++) {
		unsigned char c = (unsigned char)glob[i];

		/* A POSIX class ("[:alpha:]") only when it closes inside this bracket, as the scan above saw it. */
		if (c == '[' && glob[i + 1] == ':') {
			const char *close = strstr(glob + i + 2, ":]");

			if (close && close + 2 <= glob + j) {
				size_t n = (size_t)(close - (glob + i)) + 2;

				buf_add(re, glob + i, n);
				i += n - 1;
				continue;
			}
		}
		if (c == '\\' && glob[i + 1]) {
			c = (unsigned char)glob[++i];
			add_literal(re, c);
			continue;
		}
		if (c == '-' && i != start && i + 1 < j) {
			buf_addch(re, '-');
			continue;
		}
		add_literal(re, c);
	}
	buf_addch(re, ']');
	return j + 1;
}

/* Translate a glob (already stripped of anchoring and trailing slashes) to an anchored regex. */
static void glob_to_regex(struct buf *re, const char *glob)
{
	size_t i = 0, n = strlen(glob);

	buf_addstr(re, "^");
	while (i < n) {
		unsigned char c = (unsigned char)glob[i];

		if (c == '*' && glob[i + 1] == '*') {
			int at_start = i == 0 || glob[i - 1] == '/';

			if (at_start && glob[i + 2] == '/') {
				buf_addstr(re, "(?:.*/)?"); /* "**" + "/": zero or more directories */
				i += 3;
				continue;
			}
			if (at_start && !glob[i + 2]) {
				buf_addstr(re, ".*"); /* trailing "**": everything below */
				i += 2;
				continue;
			}
			/* Any other run of stars is an ordinary '*'. */
			while (glob[i] == '*')
				i++;
			buf_addstr(re, "[^/]*");
			continue;
		}
		if (c == '*') {
			buf_addstr(re, "[^/]*");
			i++;
		} else if (c == '?') {
			buf_addstr(re, "[^/]");
			i++;
		} else if (c == '[') {
			size_t next = add_class(re, glob, i);

			if (next) {
				i = next;
			} else {
				add_literal(re, c);
				i++;
			}
		} else if (c == '\\' && i + 1 < n) {
			add_literal(re, (unsigned char)glob[i + 1]);
			i += 2;
		} else {
			add_literal(re, c);
			i++;
		}
	}
	buf_addstr(re, "$");
}

static void warn(struct strvec *warnings, const char *shown, unsigned line, const char *what,
		 const char *text)
{
	struct buf q = BUF_INIT;

	if (warnings) {
		buf_add_quoted(&q, text, strlen(text), 80);
		strvec_pushf(warnings, "%s line %u: %s: '%s'", shown, line, what, q.ptr);
	}
	buf_release(&q);
}

static int add_rule(struct slugignore *s, const char *pat, unsigned line, const char *shown,
		    struct strvec *warnings, struct error *err)
{
	struct buf glob = BUF_INIT, re = BUF_INIT;
	struct error cerr = ERROR_INIT;
	struct rule r = { NULL, 0, 0, line };
	int ret = -1;

	(void)err;
	buf_addstr(&glob, pat);
	while (glob.len > 1 && glob.ptr[glob.len - 1] == '/') {
		r.dir_only = 1;
		buf_setlen(&glob, glob.len - 1);
	}
	if (glob.ptr[0] == '/') {
		r.anchored = 1;
		memmove(glob.ptr, glob.ptr + 1, glob.len); /* keeps the NUL */
		glob.len--;
	}
	if (strchr(glob.ptr, '/'))
		r.anchored = 1;
	if (!glob.len || !strcmp(glob.ptr, "/")) {
		warn(warnings, shown, line, "pattern matches nothing and is skipped", pat);
		ret = 0;
		goto out;
	}
	glob_to_regex(&re, glob.ptr);
	/* Bytes, like git's wildmatch: names need not be UTF-8. */
	r.re = regex_compile(re.ptr, REGEX_BYTES, &cerr);
	if (!r.re) {
		warn(warnings, shown, line, "not a usable pattern, skipped", pat);
		ret = 0;
		goto out;
	}
	ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr++] = r;
	ret = 0;
out:
	buf_release(&glob);
	buf_release(&re);
	return ret;
}

int slugignore_parse(struct slugignore **out, const char *text, size_t len, const char *shown,
		     struct strvec *warnings, struct error *err)
{
	struct slugignore *s = xcalloc(1, sizeof(*s));
	const char *p = text, *end = text + len;
	struct buf line = BUF_INIT;
	unsigned lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *b = p;

		lineno++;
		if (lineno == 1 && e - b >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
			b += 3;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		buf_reset(&line);
		buf_add(&line, b, (size_t)(e - b));
		buf_rtrim(&line);
		p = nl ? nl + 1 : end;

		if (!line.len || line.ptr[0] == '#')
			continue;
		if (memchr(line.ptr, '\0', line.len)) {
			warn(warnings, shown, lineno, "contains a NUL byte, skipped", line.ptr);
			continue;
		}
		if (line.ptr[0] == '!') {
			warn(warnings, shown, lineno,
			     "'!' negation is not supported in .slugignore (as on Heroku), skipped",
			     line.ptr);
			continue;
		}
		if (add_rule(s, line.ptr, lineno, shown, warnings, err) < 0) {
			buf_release(&line);
			slugignore_free(s);
			return -1;
		}
	}
	buf_release(&line);
	*out = s;
	return 0;
}

int slugignore_load(struct slugignore **out, const char *path, const char *shown,
		    struct strvec *warnings, struct error *err)
{
	struct buf b = BUF_INIT;
	int r;

	if (!fs_exists(path)) {
		*out = xcalloc(1, sizeof(**out));
		return 0;
	}
	if (buf_read_file(&b, path, SLUGIGNORE_MAX_BYTES, err) < 0)
		return -1;
	r = slugignore_parse(out, b.ptr, b.len, shown, warnings, err);
	buf_release(&b);
	return r;
}

int slugignore_match(const struct slugignore *s, const char *relpath, int is_dir, struct error *err)
{
	const char *name = path_basename(relpath);
	size_t i;

	for (i = 0; i < s->nr; i++) {
		const struct rule *r = &s->v[i];
		const char *subject = r->anchored ? relpath : name;
		int m;

		if (r->dir_only && !is_dir)
			continue;
		m = regex_match(r->re, subject, strlen(subject), NULL, err);
		if (m != 0)
			return m;
	}
	return 0;
}

size_t slugignore_count(const struct slugignore *s)
{
	return s->nr;
}

void slugignore_free(struct slugignore *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++)
		regex_free(s->v[i].re);
	free(s->v);
	free(s);
}
