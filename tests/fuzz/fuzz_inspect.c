/*
 * Fuzz target: the slug verifier behind `slugc inspect` and `slugc verify`,
 * on the bytes of a slug (normally a tar.gz, but any format libarchive reads).
 */
#include "error.h"
#include "extract.h"
#include "fuzz.h"
#include "inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader *r = NULL;
	struct inspect_result res;
	struct error err = ERROR_INIT;

	if (reader_open_memory(&r, data, size, "fuzz.tgz", &err) < 0)
		return 0;
	inspect_reader(r, &res, &err);
	reader_close(r);
	return 0;
}
