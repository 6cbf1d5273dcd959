/*
 * Fuzz target: .slugignore patterns. The input is patterns, then a NUL,
 * then paths (one per line) to match against them.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "slugignore.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t plen = nul ? (size_t)(nul - text) : size;
	struct slugignore *s = NULL;
	struct error err = ERROR_INIT;

	if (slugignore_parse(&s, text, plen, ".slugignore", NULL, &err) < 0)
		return 0;
	if (nul) {
		const char *p = nul + 1, *end = text + size;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char *path = xstrndup(p, n);

			if (*path) {
				slugignore_match(s, path, 0, &err);
				slugignore_match(s, path, 1, &err);
			}
			free(path);
			p = nl ? nl + 1 : end;
		}
	}
	slugignore_free(s);
	return 0;
}
