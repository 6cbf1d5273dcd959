/* Fuzz target: image references and WWW-Authenticate challenge parameters (registry.c). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "realm", "service", "scope", "error" };
	struct image_ref r = IMAGE_REF_INIT;
	struct error err = ERROR_INIT;
	char *s = malloc(size + 1);
	size_t i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (image_ref_parse(&r, s, &err) == 0)
		image_ref_release(&r);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		free(registry_challenge_param(s, keys[i]));
	free(s);
	return 0;
}
