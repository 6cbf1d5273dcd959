/* Fuzz target: a release index as the Node.js and Go runtimes read it (JSON from a mirror). */
#include "error.h"
#include "fuzz.h"
#include "runtimes.h"
#include "strvec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct strvec versions = STRVEC_INIT;
	struct go_file *files;
	size_t nr;

	nodejs_parse_index((const char *)data, size, "linux-x64", &versions, &err);
	strvec_clear(&versions);
	if (go_parse_index((const char *)data, size, "amd64", &files, &nr, &err) == 0)
		go_files_release(files, nr);
	return 0;
}
