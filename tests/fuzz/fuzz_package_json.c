/* Fuzz target: package.json as the Node.js detector reads it. */
#include "detectors.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	const struct defaults *def = defaults_get(&err);
	struct detection d;

	if (!def)
		return 0;
	detection_init(&d, NULL);
	nodejs_read_package_json((const char *)data, size, def, &d, &err);
	detection_release(&d);
	return 0;
}
