/* Fuzz target: go.mod as the Go detector reads it. */
#include "detectors.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct detection d;

	detection_init(&d, NULL);
	go_read_mod((const char *)data, size, &d, &err);
	detection_release(&d);
	return 0;
}
