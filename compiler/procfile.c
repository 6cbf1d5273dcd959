#include "procfile.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "regex.h"
#include "xalloc.h"

/* "name: command", the name being everything before the first colon. */
#define LINE_RE "^[ \\t]*([^:]*?)[ \\t]*:[ \\t]*(.*?)[ \\t]*$"
/* What Heroku's Procfile documentation and buildpacks accept as a name. */
#define NAME_RE "^[A-Za-z0-9_-]+$"
/* The Platform API's rule for process_types keys (JSON Schema, ECMA \w). */
#define API_NAME_RE "^[-A-Za-z0-9_]{1,128}$"

void procfile_release(struct procfile *pf)
{
	size_t i;

	for (i = 0; i < pf->nr; i++) {
		free(pf->v[i].name);
		free(pf->v[i].command);
	}
	free(pf->v);
	pf->v = NULL;
	pf->nr = pf->alloc = 0;
}

const struct proc_type *procfile_get(const struct procfile *pf, const char *name)
{
	size_t i;

	for (i = 0; i < pf->nr; i++)
		if (!strcmp(pf->v[i].name, name))
			return &pf->v[i];
	return NULL;
}

void procfile_set(struct procfile *pf, const char *name, const char *command, unsigned line)
{
	struct proc_type *t = (struct proc_type *)procfile_get(pf, name);

	if (t) {
		free(t->command);
		t->command = xstrdup(command);
		t->line = line;
		return;
	}
	ALLOC_GROW(pf->v, pf->nr + 1, pf->alloc);
	t = &pf->v[pf->nr++];
	t->name = xstrdup(name);
	t->command = xstrdup(command);
	t->line = line;
}

static int line_error(struct error *err, const char *shown, unsigned lineno, const char *what,
		      const char *text, size_t len)
{
	struct buf q = BUF_INIT;

	buf_add_quoted(&q, text, len, 80);
	error_set(err, "%s line %u: %s: '%s'", shown, lineno, what, q.ptr);
	buf_release(&q);
	return -1;
}

static int parse_line(struct procfile *pf, const char *line, size_t len, unsigned lineno,
		      const char *shown, struct error *err)
{
	struct regex_match m;
	const struct proc_type *dup;
	char *name = NULL, *cmd = NULL;
	int ret = -1, r;

	if (memchr(line, '\0', len))
		return line_error(err, shown, lineno, "contains a NUL byte", line, len);
	r = regex_match(regex_static(LINE_RE, 0), line, len, &m, err);
	if (r < 0)
		return error_prefix(err, "%s line %u", shown, lineno);
	if (!r)
		return line_error(err, shown, lineno, "expected 'type: command'", line, len);

	name = xstrndup(line + m.start[1], m.end[1] - m.start[1]);
	cmd = xstrndup(line + m.start[2], m.end[2] - m.start[2]);
	if (!*name) {
		line_error(err, shown, lineno, "missing process type before ':'", line, len);
		goto out;
	}
	if (regex_match(regex_static(NAME_RE, 0), name, strlen(name), NULL, err) != 1) {
		line_error(err, shown, lineno,
			   "invalid process type name (use letters, digits, '_' and '-')", name,
			   strlen(name));
		goto out;
	}
	if (!*cmd) {
		error_set(err, "%s line %u: process type '%s' has no command", shown, lineno, name);
		goto out;
	}
	dup = procfile_get(pf, name);
	if (dup) {
		error_set(err, "%s line %u: duplicate process type '%s' (first defined on line %u)",
			  shown, lineno, name, dup->line);
		goto out;
	}
	procfile_set(pf, name, cmd, lineno);
	ret = 0;
out:
	free(name);
	free(cmd);
	return ret;
}

int procfile_parse(struct procfile *pf, const char *text, size_t len, const char *shown,
		   struct error *err)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;
	size_t before = pf->nr;

	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *s = p, *e = eol;

		lineno++;
		if (e > s && e[-1] == '\r')
			e--;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s < e && *s != '#' &&
		    parse_line(pf, p, (size_t)(e - p), lineno, shown, err) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	if (pf->nr == before)
		return error_set(err, "%s declares no process types (expected lines like 'web: node web.js')",
				 shown);
	return 0;
}

int procfile_load(struct procfile *pf, const char *path, const char *shown, struct error *err)
{
	struct buf b = BUF_INIT;
	int r;

	if (buf_read_file(&b, path, PROCFILE_MAX_BYTES, err) < 0)
		return -1;
	r = procfile_parse(pf, b.ptr, b.len, shown, err);
	buf_release(&b);
	return r;
}

int procfile_check_api(const struct procfile *pf, struct error *err)
{
	size_t i;

	for (i = 0; i < pf->nr; i++) {
		const char *n = pf->v[i].name;
		int r = regex_match(regex_static(API_NAME_RE, 0), n, strlen(n), NULL, err);

		if (r < 0)
			return -1;
		if (!r) {
			struct buf q = BUF_INIT;

			buf_add_quoted(&q, n, strlen(n), 60);
			error_set(err, "process type '%s' does not match the Platform API's rule "
				  "^[-\\w]{1,128}$ (letters, digits, '_' and '-', at most 128)", q.ptr);
			buf_release(&q);
			return -1;
		}
	}
	return 0;
}

char *procfile_names(const struct procfile *pf)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < pf->nr; i++) {
		if (i)
			buf_addstr(&b, ", ");
		buf_addstr(&b, pf->v[i].name);
	}
	return buf_detach(&b, NULL);
}
