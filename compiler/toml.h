#ifndef SLUGC_TOML_H
#define SLUGC_TOML_H

#include <stddef.h>

struct error;

/*
 * A strict TOML 1.0 reader (Debian has no C TOML library). It reads a whole
 * document or refuses it: every syntax TOML allows is understood (basic,
 * literal and multi-line strings with all escapes, arrays, inline tables,
 * dotted and quoted keys, [tables] and [[arrays of tables]], comments, CRLF),
 * and everything TOML forbids is an error naming the line: invalid UTF-8,
 * control characters, bare CR, duplicate keys, tables defined twice,
 * extending inline tables or static arrays. Integers, floats, booleans and
 * dates are checked for their exact shape and kept as text (slugc reads
 * strings only; calendar ranges of dates are not checked).
 *
 * Limits, refused with a message: nesting 64, keys per table 4096.
 */

enum toml_type {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,
};

struct toml_entry;

struct toml_value {
	enum toml_type type;
	unsigned line;             /* where it starts (a table: its header, or first key) */
	char *str;                 /* strings: decoded (may hold NUL: see len); scalars: as written */
	size_t len;
	struct toml_entry *keys;   /* tables */
	struct toml_value **items; /* arrays */
	size_t n, alloc;
	unsigned flags;            /* the reader's own bookkeeping */
};

struct toml_entry {
	char *key;                 /* decoded; may hold NUL: see len */
	size_t len;
	struct toml_value *value;
};

/*
 * Parse text[0..len) into *root (a table; caller frees with toml_free).
 * Errors read "NAME:LINE: what is wrong".
 */
int toml_parse(struct toml_value **root, const char *name, const char *text, size_t len,
	       struct error *err);
void toml_free(struct toml_value *v);
/* The value of key in a table, or NULL (also when t is not a table). */
const struct toml_value *toml_get(const struct toml_value *t, const char *key);
/* Whether an array was made by [[headers]] (an array of tables). */
int toml_is_table_array(const struct toml_value *v);
/* "string", "table", ... for messages. */
const char *toml_type_name(enum toml_type t);

#endif
