/* Fuzz target: runtime.txt, .python-version and Pipfile.lock as the Python detector reads them. */
#include "detectors.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct detection d;

	detection_init(&d, NULL);
	python_read_version_file((const char *)data, size, &d, &err);
	detection_release(&d);
	detection_init(&d, NULL);
	python_read_runtime_txt((const char *)data, size, &d, &err);
	detection_release(&d);
	detection_init(&d, NULL);
	python_read_pipfile_lock((const char *)data, size, &d, &err);
	detection_release(&d);
	return 0;
}
