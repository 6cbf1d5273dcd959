/* Fuzz target: the Procfile parser and the Platform API name check. */
#include "error.h"
#include "fuzz.h"
#include "procfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procfile pf = PROCFILE_INIT;
	struct error err = ERROR_INIT;

	if (procfile_parse(&pf, (const char *)data, size, "Procfile", &err) == 0)
		procfile_check_api(&pf, &err);
	procfile_release(&pf);
	return 0;
}
