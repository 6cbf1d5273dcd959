/*
 * A strict TOML 1.0 reader (see toml.h for the contract).
 *
 * Invariants:
 *  1. The whole input is checked as UTF-8 before anything else; after that
 *     every byte is consumed by exactly one rule below, and a byte no rule
 *     accepts is an error with its line. Nothing is skipped over unread.
 *  2. ps->line counts the newlines consumed so far, plus one; every path
 *     that consumes '\n' goes through newline().
 *  3. Tables carry how they came to be (flags below), which is all TOML's
 *     "defined once" rules need: a [header] may complete an IMPLICIT table
 *     once; dotted keys extend only tables they made themselves (DOTTED);
 *     an INLINE table and a static array are never extended.
 */
#include "toml.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "regex.h"
#include "xalloc.h"

#define MAX_DEPTH 64
#define MAX_KEYS 4096

enum {
	F_IMPLICIT = 1, /* made as a parent by a [header]; a later [header] may define it */
	F_EXPLICIT = 2, /* defined by its own [header] (or as an element of [[header]]) */
	F_DOTTED = 4,   /* made by a dotted key */
	F_INLINE = 8,   /* an inline table, or made inside one: closed */
	F_AOT = 16,     /* an array made by [[header]] */
};

struct parser {
	const char *name, *p, *end;
	unsigned line, depth;
	struct error *err;
};

struct keypart {
	char *s;
	size_t len;
};

struct key {
	struct keypart *v;
	size_t n, alloc;
	unsigned line;
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *ps, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_setk(ps->err, ERROR_INPUT, "%s:%u: %s", ps->name, ps->line, what);
}

static struct toml_value *value_new(enum toml_type type, unsigned line)
{
	struct toml_value *v = xcalloc(1, sizeof(*v));

	v->type = type;
	v->line = line;
	return v;
}

void toml_free(struct toml_value *v)
{
	size_t i;

	if (!v)
		return;
	if (v->type == TOML_TABLE)
		for (i = 0; i < v->n; i++) {
			free(v->keys[i].key);
			toml_free(v->keys[i].value);
		}
	if (v->type == TOML_ARRAY)
		for (i = 0; i < v->n; i++)
			toml_free(v->items[i]);
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

static struct toml_value *table_find(const struct toml_value *t, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->keys[i].len == len && !memcmp(t->keys[i].key, key, len))
			return t->keys[i].value;
	return NULL;
}

const struct toml_value *toml_get(const struct toml_value *t, const char *key)
{
	if (!t || t->type != TOML_TABLE)
		return NULL;
	return table_find(t, key, strlen(key));
}

int toml_is_table_array(const struct toml_value *v)
{
	return v && v->type == TOML_ARRAY && (v->flags & F_AOT);
}

const char *toml_type_name(enum toml_type t)
{
	static const char *const names[] = { "table", "array", "string", "integer", "float",
					     "boolean", "date-time" };

	return names[t];
}

/* Show a key part in a message: printable ASCII as is, anything else as '?'. */
static char *shown_key(const struct keypart *k)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < k->len && i < 80; i++)
		buf_addch(&b, k->s[i] >= 0x20 && k->s[i] < 0x7f ? k->s[i] : '?');
	return buf_detach(&b, NULL);
}

static int table_add(struct parser *ps, struct toml_value *t, const struct keypart *k,
		     struct toml_value *v)
{
	if (t->n >= MAX_KEYS) {
		toml_free(v);
		return fail(ps, "more than %d keys in one table", MAX_KEYS);
	}
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 8;
		t->keys = xrealloc(t->keys, t->alloc * sizeof(*t->keys));
	}
	t->keys[t->n].key = xmalloc(k->len + 1);
	memcpy(t->keys[t->n].key, k->s, k->len);
	t->keys[t->n].key[k->len] = '\0';
	t->keys[t->n].len = k->len;
	t->keys[t->n].value = v;
	t->n++;
	return 0;
}

static void array_add(struct toml_value *a, struct toml_value *v)
{
	if (a->n == a->alloc) {
		a->alloc = a->alloc ? 2 * a->alloc : 8;
		a->items = xrealloc(a->items, a->alloc * sizeof(*a->items));
	}
	a->items[a->n++] = v;
}

static void key_release(struct key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i].s);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* ---- characters ---- */

/* Where the UTF-8 of s[0..len) first goes wrong, or len. Overlongs and surrogates are wrong. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0, n, j;
	uint32_t c;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			c = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			c = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			c = s[i] & 0x07;
		} else {
			return i;
		}
		if (i + n >= len)
			return i;
		for (j = 1; j <= n; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			c = (c << 6) | (s[i + j] & 0x3f);
		}
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

/* Control characters TOML allows nowhere but as escapes (tab is allowed). */
static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int at(const struct parser *ps, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, s, n);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

/* Consume one newline (LF or CRLF): 1, or 0 when there is none here. */
static int newline(struct parser *ps)
{
	if (at(ps, "\n")) {
		ps->p++;
	} else if (at(ps, "\r\n")) {
		ps->p += 2;
	} else {
		return 0;
	}
	ps->line++;
	return 1;
}

/* A comment, if one starts here, up to (not including) its newline. */
static int comment(struct parser *ps)
{
	if (!at(ps, "#"))
		return 0;
	for (ps->p++; ps->p < ps->end && *ps->p != '\n'; ps->p++)
		if (is_control((unsigned char)*ps->p) && !at(ps, "\r\n"))
			return fail(ps, "control character 0x%02x in a comment", (unsigned char)*ps->p);
	return 0;
}

/* Whitespace, then an optional comment, then a newline or the end. */
static int end_of_line(struct parser *ps, const char *after)
{
	skip_ws(ps);
	if (comment(ps) < 0)
		return -1;
	if (ps->p == ps->end || newline(ps))
		return 0;
	if (*ps->p == '\r')
		return fail(ps, "a carriage return not followed by a newline");
	return fail(ps, "unexpected '%c' after %s; expected the end of the line", *ps->p, after);
}

/* Whitespace, newlines and comments (inside arrays). */
static int skip_ws_nl(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		if (comment(ps) < 0)
			return -1;
		if (!newline(ps))
			return 0;
	}
}

/* ---- strings ---- */

static void add_utf8(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_addch(b, (int)c);
	} else if (c < 0x800) {
		buf_addch(b, (int)(0xc0 | (c >> 6)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addch(b, (int)(0xe0 | (c >> 12)));
		buf_addch(b, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else {
		buf_addch(b, (int)(0xf0 | (c >> 18)));
		buf_addch(b, (int)(0x80 | ((c >> 12) & 0x3f)));
		buf_addch(b, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	}
}

/* An escape sequence after its backslash (ps->p at the letter). */
static int escape(struct parser *ps, struct buf *out)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *hit;
	uint32_t c = 0;
	int n, i;

	if (ps->p == ps->end)
		return fail(ps, "a string ends in a backslash");
	hit = *ps->p ? strchr(from, *ps->p) : NULL;
	if (hit) {
		buf_addch(out, to[hit - from]);
		ps->p++;
		return 0;
	}
	if (*ps->p != 'u' && *ps->p != 'U') {
		if ((unsigned char)*ps->p >= 0x20 && (unsigned char)*ps->p < 0x7f)
			return fail(ps, "invalid escape '\\%c' in a string", *ps->p);
		return fail(ps, "invalid escape in a string");
	}
	n = *ps->p == 'u' ? 4 : 8;
	ps->p++;
	for (i = 0; i < n; i++, ps->p++) {
		char h = ps->p < ps->end ? *ps->p : 0;
		int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
			: h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;

		if (d < 0)
			return fail(ps, "\\%c needs %d hex digits", n == 4 ? 'u' : 'U', n);
		c = (c << 4) | (uint32_t)d;
	}
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return fail(ps, "\\%c%0*X is not a Unicode scalar value", n == 4 ? 'u' : 'U', n,
			    (unsigned)c);
	add_utf8(out, c);
	return 0;
}

/*
 * A string of any of the four kinds, ps->p at its opening quote; multi-line
 * ones only where allowed (values, not keys).
 */
static int string(struct parser *ps, int multiline_ok, struct buf *out)
{
	char q = *ps->p;
	int literal = q == '\'';
	const char *delim3 = literal ? "'''" : "\"\"\"";

	if (at(ps, delim3)) {
		if (!multiline_ok)
			return fail(ps, "a multi-line string cannot be a key");
		ps->p += 3;
		newline(ps); /* a newline right after the opening delimiter is trimmed */
		for (;;) {
			if (ps->p == ps->end)
				return fail(ps, "multi-line string not closed");
			if (at(ps, delim3)) {
				size_t nq = 0;

				while (ps->p + nq < ps->end && ps->p[nq] == q)
					nq++;
				if (nq > 5)
					return fail(ps, "too many quotes at the end of a multi-line string");
				buf_add(out, ps->p, nq - 3);
				ps->p += nq;
				return 0;
			}
			if (newline(ps)) {
				buf_addch(out, '\n');
				continue;
			}
			if (!literal && *ps->p == '\\') {
				const char *s = ps->p + 1;

				/* A line-ending backslash eats all whitespace and newlines after it. */
				while (s < ps->end && (*s == ' ' || *s == '\t'))
					s++;
				if (s < ps->end && (*s == '\n' || (*s == '\r' && s + 1 < ps->end && s[1] == '\n'))) {
					ps->p = s;
					for (;;) {
						if (newline(ps))
							continue;
						if (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t')) {
							ps->p++;
							continue;
						}
						break;
					}
					continue;
				}
				ps->p++;
				if (escape(ps, out) < 0)
					return -1;
				continue;
			}
			if (is_control((unsigned char)*ps->p))
				return fail(ps, "control character 0x%02x in a string", (unsigned char)*ps->p);
			buf_addch(out, *ps->p++);
		}
	}
	ps->p++;
	for (;;) {
		if (ps->p == ps->end || *ps->p == '\n' || *ps->p == '\r')
			return fail(ps, "%s string not closed on its line", literal ? "literal" : "basic");
		if (*ps->p == q) {
			ps->p++;
			return 0;
		}
		if (!literal && *ps->p == '\\') {
			ps->p++;
			if (escape(ps, out) < 0)
				return -1;
			continue;
		}
		if (is_control((unsigned char)*ps->p))
			return fail(ps, "control character 0x%02x in a string", (unsigned char)*ps->p);
		buf_addch(out, *ps->p++);
	}
}

/* ---- keys ---- */

static int is_bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

/* A key, dotted or not, with the whitespace TOML allows around its dots. */
static int key(struct parser *ps, struct key *k)
{
	k->line = ps->line;
	for (;;) {
		struct buf b = BUF_INIT;

		skip_ws(ps);
		if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
			if (string(ps, 0, &b) < 0) {
				buf_release(&b);
				return -1;
			}
		} else if (ps->p < ps->end && is_bare(*ps->p)) {
			while (ps->p < ps->end && is_bare(*ps->p))
				buf_addch(&b, *ps->p++);
		} else {
			buf_release(&b);
			if (ps->p == ps->end || *ps->p == '\n' || *ps->p == '\r')
				return fail(ps, "a key is missing");
			return fail(ps, "unexpected '%c' where a key should be", *ps->p);
		}
		if (k->n >= MAX_DEPTH) {
			buf_release(&b);
			return fail(ps, "a key with more than %d parts", MAX_DEPTH);
		}
		if (k->n == k->alloc) {
			k->alloc = k->alloc ? 2 * k->alloc : 4;
			k->v = xrealloc(k->v, k->alloc * sizeof(*k->v));
		}
		k->v[k->n].len = b.len;
		k->v[k->n].s = buf_detach(&b, NULL);
		k->n++;
		skip_ws(ps);
		if (!at(ps, "."))
			return 0;
		ps->p++;
	}
}

/* ---- values ---- */

static int value(struct parser *ps, struct toml_value **out);
static int keyval(struct parser *ps, struct toml_value *table, int inline_table);

/* Mark a table made inside an inline table, and everything in it, closed. */
static void close_inline(struct toml_value *v)
{
	size_t i;

	if (v->type == TOML_TABLE) {
		v->flags |= F_INLINE;
		for (i = 0; i < v->n; i++)
			close_inline(v->keys[i].value);
	} else if (v->type == TOML_ARRAY) {
		for (i = 0; i < v->n; i++)
			close_inline(v->items[i]);
	}
}

static int array(struct parser *ps, struct toml_value **out)
{
	struct toml_value *a = value_new(TOML_ARRAY, ps->line), *v;

	ps->p++;
	for (;;) {
		if (skip_ws_nl(ps) < 0)
			goto fail;
		if (at(ps, "]"))
			break;
		if (ps->p == ps->end) {
			fail(ps, "array not closed");
			goto fail;
		}
		if (value(ps, &v) < 0)
			goto fail;
		array_add(a, v);
		if (skip_ws_nl(ps) < 0)
			goto fail;
		if (at(ps, ",")) {
			ps->p++;
			continue;
		}
		if (at(ps, "]"))
			break;
		if (ps->p == ps->end)
			fail(ps, "array not closed");
		else
			fail(ps, "unexpected '%c' in an array; expected ',' or ']'", *ps->p);
		goto fail;
	}
	ps->p++;
	*out = a;
	return 0;
fail:
	toml_free(a);
	return -1;
}

static int inline_table(struct parser *ps, struct toml_value **out)
{
	struct toml_value *t = value_new(TOML_TABLE, ps->line);

	ps->p++;
	skip_ws(ps);
	if (!at(ps, "}")) {
		for (;;) {
			skip_ws(ps);
			if (ps->p == ps->end || *ps->p == '\n' || *ps->p == '\r') {
				fail(ps, "inline table not closed on its line");
				goto fail;
			}
			if (keyval(ps, t, 1) < 0)
				goto fail;
			skip_ws(ps);
			if (at(ps, ",")) {
				ps->p++;
				continue;
			}
			if (at(ps, "}"))
				break;
			if (ps->p == ps->end || *ps->p == '\n' || *ps->p == '\r')
				fail(ps, "inline table not closed on its line");
			else
				fail(ps, "unexpected '%c' in an inline table; expected ',' or '}'", *ps->p);
			goto fail;
		}
	}
	ps->p++;
	close_inline(t);
	*out = t;
	return 0;
fail:
	toml_free(t);
	return -1;
}

#define DIGITS "[0-9](?:_?[0-9])*"
#define TIME "[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?"

/* The shapes of TOML's other scalars; the first that matches names the type. */
static const struct {
	enum toml_type type;
	const char *re;
} scalars[] = {
	{ TOML_BOOL, "^(?:true|false)\\z" },
	{ TOML_INTEGER, "^[+-]?(?:0|[1-9](?:_?[0-9])*)\\z" },
	{ TOML_INTEGER, "^0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*\\z" },
	{ TOML_INTEGER, "^0o[0-7](?:_?[0-7])*\\z" },
	{ TOML_INTEGER, "^0b[01](?:_?[01])*\\z" },
	{ TOML_FLOAT, "^[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\\." DIGITS "(?:[eE][+-]?" DIGITS ")?|[eE][+-]?"
		      DIGITS ")\\z" },
	{ TOML_FLOAT, "^[+-]?(?:inf|nan)\\z" },
	{ TOML_DATETIME, "^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ]" TIME "(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?)?\\z" },
	{ TOML_DATETIME, "^" TIME "\\z" },
};

/* Any other value: a run of the characters numbers, booleans and dates are made of. */
static int scalar(struct parser *ps, struct toml_value **out)
{
	const char *s = ps->p;
	size_t i, n;
	int r;

	while (ps->p < ps->end && (is_bare(*ps->p) || *ps->p == ':' || *ps->p == '.' || *ps->p == '+'))
		ps->p++;
	/* A date and a time may be separated by one space: "1979-05-27 07:32:00Z". */
	if (ps->p - s == 10 && s[4] == '-' && (size_t)(ps->end - ps->p) > 3 && ps->p[0] == ' ' &&
	    ps->p[1] >= '0' && ps->p[1] <= '9' && ps->p[2] >= '0' && ps->p[2] <= '9' && ps->p[3] == ':') {
		ps->p++;
		while (ps->p < ps->end && (is_bare(*ps->p) || *ps->p == ':' || *ps->p == '.' || *ps->p == '+'))
			ps->p++;
	}
	n = (size_t)(ps->p - s);
	if (!n) {
		if (ps->p == ps->end || *ps->p == '\n' || *ps->p == '\r')
			return fail(ps, "a value is missing");
		return fail(ps, "unexpected '%c' where a value should be", *ps->p);
	}
	for (i = 0; i < sizeof(scalars) / sizeof(*scalars); i++) {
		r = regex_match(regex_static(scalars[i].re, REGEX_BYTES), s, n, NULL, ps->err);
		if (r < 0)
			return -1;
		if (r) {
			*out = value_new(scalars[i].type, ps->line);
			(*out)->str = xstrndup(s, n);
			(*out)->len = n;
			return 0;
		}
	}
	return fail(ps, "'%.*s' is not a TOML value (strings need quotes)", n > 60 ? 60 : (int)n, s);
}

static int value(struct parser *ps, struct toml_value **out)
{
	int r;

	if (ps->depth >= MAX_DEPTH)
		return fail(ps, "values nested more than %d deep", MAX_DEPTH);
	ps->depth++;
	if (at(ps, "\"") || at(ps, "'")) {
		struct buf b = BUF_INIT;

		*out = value_new(TOML_STRING, ps->line);
		r = string(ps, 1, &b);
		(*out)->len = b.len;
		(*out)->str = buf_detach(&b, NULL);
		if (r < 0) {
			toml_free(*out);
			*out = NULL;
		}
	} else if (at(ps, "[")) {
		r = array(ps, out);
	} else if (at(ps, "{")) {
		r = inline_table(ps, out);
	} else {
		r = scalar(ps, out);
	}
	ps->depth--;
	return r;
}

/* key = value, into table; dotted keys make (or extend their own) sub-tables. */
static int keyval(struct parser *ps, struct toml_value *table, int inline_table)
{
	struct key k = { NULL, 0, 0, 0 };
	struct toml_value *t = table, *v = NULL, *next;
	size_t i;
	int ret = -1;

	if (key(ps, &k) < 0)
		goto out;
	if (!at(ps, "=")) {
		fail(ps, ps->p == ps->end || *ps->p == '\n' || *ps->p == '\r' ? "a key without '= value'"
		     : "expected '=' after a key");
		goto out;
	}
	ps->p++;
	skip_ws(ps);
	if (value(ps, &v) < 0)
		goto out;
	for (i = 0; i + 1 < k.n; i++) {
		next = table_find(t, k.v[i].s, k.v[i].len);
		if (!next) {
			next = value_new(TOML_TABLE, k.line);
			next->flags = F_DOTTED | (inline_table ? F_INLINE : 0);
			if (table_add(ps, t, &k.v[i], next) < 0)
				goto out;
		} else if (next->type != TOML_TABLE || !(next->flags & F_DOTTED) ||
			   ((next->flags & F_INLINE) && !inline_table)) {
			char *shown = shown_key(&k.v[i]);

			fail(ps, "'%s' is already defined (line %u) and cannot be extended with a dotted key",
			     shown, next->line);
			free(shown);
			goto out;
		}
		t = next;
	}
	if (table_find(t, k.v[k.n - 1].s, k.v[k.n - 1].len)) {
		char *shown = shown_key(&k.v[k.n - 1]);

		fail(ps, "duplicate key '%s' (first defined on line %u)", shown,
		     table_find(t, k.v[k.n - 1].s, k.v[k.n - 1].len)->line);
		free(shown);
		goto out;
	}
	ret = table_add(ps, t, &k.v[k.n - 1], v);
	v = NULL;
out:
	toml_free(v);
	key_release(&k);
	return ret;
}

/* [a.b.c] or [[a.b.c]]: the table key/value lines after it go into. */
static int header(struct parser *ps, struct toml_value *root, struct toml_value **cur)
{
	struct key k = { NULL, 0, 0, 0 };
	int aot = at(ps, "[[");
	struct toml_value *t = root, *next;
	char *shown = NULL;
	size_t i;
	int ret = -1;

	ps->p += aot ? 2 : 1;
	if (key(ps, &k) < 0)
		goto out;
	if (!at(ps, aot ? "]]" : "]")) {
		fail(ps, "table header not closed with '%s'", aot ? "]]" : "]");
		goto out;
	}
	ps->p += aot ? 2 : 1;
	for (i = 0; i < k.n; i++) {
		int last = i + 1 == k.n;

		free(shown);
		shown = shown_key(&k.v[i]);
		next = table_find(t, k.v[i].s, k.v[i].len);
		if (!next) {
			if (last && aot) {
				struct toml_value *a = value_new(TOML_ARRAY, k.line);

				a->flags = F_AOT;
				if (table_add(ps, t, &k.v[i], a) < 0)
					goto out;
				next = value_new(TOML_TABLE, k.line);
				next->flags = F_EXPLICIT;
				array_add(a, next);
			} else {
				next = value_new(TOML_TABLE, k.line);
				next->flags = last ? F_EXPLICIT : F_IMPLICIT;
				if (table_add(ps, t, &k.v[i], next) < 0)
					goto out;
			}
		} else if (toml_is_table_array(next)) {
			if (last && !aot) {
				fail(ps, "'%s' is an array of tables (line %u), not a table", shown, next->line);
				goto out;
			}
			if (last) {
				struct toml_value *e = value_new(TOML_TABLE, k.line);

				e->flags = F_EXPLICIT;
				array_add(next, e);
				next = e;
			} else {
				next = next->items[next->n - 1];
			}
		} else if (next->type != TOML_TABLE || (next->flags & F_INLINE)) {
			const char *what = next->flags & F_INLINE ? "inline table" : toml_type_name(next->type);

			fail(ps, "'%s' is already defined as %s %s (line %u)", shown,
			     strchr("aeiou", what[0]) ? "an" : "a", what, next->line);
			goto out;
		} else if (last && aot) {
			fail(ps, "'%s' is already defined as a table (line %u)", shown, next->line);
			goto out;
		} else if (last && (next->flags & (F_EXPLICIT | F_DOTTED))) {
			fail(ps, "table '%s' is defined twice (first on line %u)", shown, next->line);
			goto out;
		} else if (last) {
			next->flags = (next->flags & ~(unsigned)F_IMPLICIT) | F_EXPLICIT;
			next->line = k.line;
		}
		t = next;
	}
	*cur = t;
	ret = 0;
out:
	free(shown);
	key_release(&k);
	return ret;
}

int toml_parse(struct toml_value **root, const char *name, const char *text, size_t len,
	       struct error *err)
{
	struct parser ps = { name, text, text + len, 1, 0, err };
	struct toml_value *doc = value_new(TOML_TABLE, 1), *cur = doc;
	size_t bad = utf8_invalid_at((const unsigned char *)text, len), i;

	*root = NULL;
	doc->flags = F_EXPLICIT;
	if (bad < len) {
		for (i = 0; i < bad; i++)
			ps.line += text[i] == '\n';
		fail(&ps, "not valid UTF-8");
		goto fail;
	}
	/* A byte order mark may start the document. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		ps.p += 3;
	while (ps.p < ps.end) {
		skip_ws(&ps);
		if (newline(&ps))
			continue;
		if (ps.p == ps.end)
			break;
		if (at(&ps, "#")) {
			if (end_of_line(&ps, "a comment") < 0)
				goto fail;
			continue;
		}
		if (at(&ps, "[")) {
			if (header(&ps, doc, &cur) < 0 || end_of_line(&ps, "a table header") < 0)
				goto fail;
			continue;
		}
		if (*ps.p == '\r') {
			fail(&ps, "a carriage return not followed by a newline");
			goto fail;
		}
		if (keyval(&ps, cur, 0) < 0 || end_of_line(&ps, "a value") < 0)
			goto fail;
	}
	*root = doc;
	return 0;
fail:
	toml_free(doc);
	return -1;
}
