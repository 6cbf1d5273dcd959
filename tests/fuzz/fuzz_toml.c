/*
 * Fuzz target: the strict TOML reader (compiler/toml.c) on anything, and the
 * inventory built on it. A parsed document is walked whole, so every value
 * the reader hands out is read (ASan sees any bad length or pointer).
 */
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "runtimes.h"
#include "toml.h"

static size_t walk(const struct toml_value *v)
{
	size_t i, sum = v->len + v->line;

	if (v->str)
		sum += (unsigned char)v->str[v->len ? v->len - 1 : 0];
	if (v->type == TOML_TABLE)
		for (i = 0; i < v->n; i++)
			sum += strlen(v->keys[i].key) + walk(v->keys[i].value);
	if (v->type == TOML_ARRAY)
		for (i = 0; i < v->n; i++)
			sum += walk(v->items[i]);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct toml_value *doc = NULL;
	char hex[65];

	if (toml_parse(&doc, "fuzz.toml", (const char *)data, size, &err) == 0) {
		volatile size_t sum = walk(doc);

		(void)sum;
		toml_free(doc);
	} else if (doc || !err.msg[0] || strchr(err.msg, '\n')) {
		__builtin_trap(); /* an error leaves no document and one line */
	}
	inventory_lookup("inventory.toml", (const char *)data, size,
			 "https://nodejs.org/download/release/v20.1.0/node-v20.1.0-linux-x64.tar.gz",
			 "v20.1.0/node-v20.1.0-linux-x64.tar.gz", hex, &err);
	return 0;
}
