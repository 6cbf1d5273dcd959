/* Fuzz target: Gemfile.lock and Gemfile as the Ruby detector reads them. */
#include "detectors.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct detection d;

	detection_init(&d, NULL);
	ruby_read_lockfile((const char *)data, size, &d, &err);
	detection_release(&d);
	detection_init(&d, NULL);
	ruby_read_gemfile((const char *)data, size, &d, &err);
	detection_release(&d);
	return 0;
}
