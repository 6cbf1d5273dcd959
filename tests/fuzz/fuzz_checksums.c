/*
 * Fuzz target: the line formats that pin a runtime's digest, Node.js's
 * SHASUMS256.txt and a Heroku inventory.toml, as a mirror or an app gives them.
 */
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "runtimes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	char hex[65];

	nodejs_parse_shasums((const char *)data, size, "node-v20.1.0-linux-x64.tar.gz", hex, &err);
	inventory_lookup("inventory.toml", (const char *)data, size, "https://nodejs.org/dist/v20.1.0/node-v20.1.0-linux-x64.tar.gz",
			 "v20.1.0/node-v20.1.0-linux-x64.tar.gz", hex, &err);
	return 0;
}
