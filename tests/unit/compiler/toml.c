/*
 * Unit tests for the TOML reader (compiler/toml.c), driven by toml/cases.txt
 * (which check-cases.py also checks against Python's tomllib), plus Heroku's
 * real Node.js inventory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "toml.h"
#include "unit.h"
#include "xalloc.h"

/* A key as the dump writes it: bare when it can be, else quoted. */
static void dump_key(struct buf *out, const char *k, size_t len)
{
	size_t i;
	int bare = len > 0;

	for (i = 0; i < len; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			bare = 0;
	if (bare) {
		buf_add(out, k, len);
		return;
	}
	buf_addch(out, '"');
	buf_add(out, k, len);
	buf_addch(out, '"');
}

static void dump_string(struct buf *out, const char *s, size_t len)
{
	static const char from[] = "\b\t\n\f\r\"\\", to[] = "btnfr\"\\";
	size_t i;

	buf_addch(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *hit = c ? strchr(from, c) : NULL;

		if (hit) {
			buf_addch(out, '\\');
			buf_addch(out, to[hit - from]);
		} else if (c < 0x20 || c >= 0x7f) {
			buf_addf(out, "\\x%02x", c);
		} else {
			buf_addch(out, c);
		}
	}
	buf_addch(out, '"');
}

/* One line per leaf: "PATH TYPE VALUE". */
static void dump(struct buf *out, const struct toml_value *v, const char *path)
{
	struct buf p = BUF_INIT;
	size_t i;

	if (v->type == TOML_TABLE && path[0] && !v->n)
		buf_addf(out, "%s table {}\n", path);
	if (v->type == TOML_ARRAY && !v->n)
		buf_addf(out, "%s array []\n", path);
	for (i = 0; v->type == TOML_TABLE && i < v->n; i++) {
		buf_reset(&p);
		buf_addf(&p, "%s%s", path, path[0] ? "." : "");
		dump_key(&p, v->keys[i].key, v->keys[i].len);
		dump(out, v->keys[i].value, p.ptr);
	}
	for (i = 0; v->type == TOML_ARRAY && i < v->n; i++) {
		buf_reset(&p);
		buf_addf(&p, "%s[%zu]", path, i);
		dump(out, v->items[i], p.ptr);
	}
	if (v->type == TOML_STRING) {
		buf_addf(out, "%s string ", path);
		dump_string(out, v->str, v->len);
		buf_addch(out, '\n');
	} else if (v->type != TOML_TABLE && v->type != TOML_ARRAY) {
		buf_addf(out, "%s %s %s\n", path, toml_type_name(v->type), v->str);
	}
	buf_release(&p);
}

static void run_case(void **state)
{
	const struct unit_case *c = *state;
	struct toml_value *doc = NULL;
	struct error err = ERROR_INIT;
	struct buf got = BUF_INIT, want = BUF_INIT;
	int r = toml_parse(&doc, "inv", c->input.ptr, c->input.len, &err);
	size_t i;

	if (!strcmp(c->section, "ok")) {
		if (r != 0)
			fail_msg("case '%s' (line %u): unexpected error: %s", c->name, c->line, err.msg);
		dump(&got, doc, "");
		for (i = 0; i < c->expect.nr; i++)
			buf_addf(&want, "%s\n", c->expect.v[i]);
		if (strcmp(got.ptr, want.ptr))
			fail_msg("case '%s' (line %u): got\n%swanted\n%s", c->name, c->line, got.ptr, want.ptr);
	} else {
		assert_string_equal(c->section, "error");
		if (r == 0)
			fail_msg("case '%s' (line %u): parsed, but should fail", c->name, c->line);
		assert_null(doc);
		assert_int_equal(err.kind, ERROR_INPUT);
		if (!strstr(err.msg, c->expect.v[0]))
			fail_msg("case '%s': message '%s' lacks '%s'", c->name, err.msg, c->expect.v[0]);
		assert_null(strchr(err.msg, '\n'));
	}
	toml_free(doc);
	buf_release(&got);
	buf_release(&want);
}

/* Heroku's real inventory: every artifact read, with all five keys as strings. */
static void heroku_inventory(void **state)
{
	struct buf text = BUF_INIT;
	struct error err = ERROR_INIT;
	struct toml_value *doc = NULL;
	const struct toml_value *a, *last;
	char *path = xstrfmt("%s/reference/heroku-buildpack-nodejs-inventory-node.toml", SLUGC_FIXTURES);
	size_t i, line = 1, headers = 0, last_header = 0;

	(void)state;
	if (buf_read_file(&text, path, 8 << 20, &err) < 0)
		fail_msg("%s", err.msg);
	/* Where the headers are, counted independently of the reader. */
	for (i = 0; i < text.len; i++) {
		if ((i == 0 || text.ptr[i - 1] == '\n') && !strncmp(text.ptr + i, "[[artifacts]]", 13)) {
			headers++;
			last_header = line;
		}
		line += text.ptr[i] == '\n';
	}
	assert_int_equal(toml_parse(&doc, "inventory.toml", text.ptr, text.len, &err), 0);
	assert_int_equal(doc->n, 1);
	a = toml_get(doc, "artifacts");
	assert_true(toml_is_table_array(a));
	assert_int_equal(a->n, headers);
	assert_true(a->n > 700);
	for (i = 0; i < a->n; i++) {
		static const char *const keys[] = { "version", "os", "arch", "url", "checksum" };
		size_t k;

		assert_int_equal(a->items[i]->n, 5);
		for (k = 0; k < 5; k++)
			assert_int_equal(toml_get(a->items[i], keys[k])->type, TOML_STRING);
	}
	last = a->items[a->n - 1];
	assert_int_equal(last->line, last_header);
	assert_string_equal(toml_get(a->items[0], "version")->str, "26.7.0");
	toml_free(doc);
	buf_release(&text);
	free(path);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(heroku_inventory),
	};

	return unit_run_cases("toml", "cases.txt", run_case, extra, sizeof(extra) / sizeof(*extra));
}
