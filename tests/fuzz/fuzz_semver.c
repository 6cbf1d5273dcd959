/* Fuzz target: npm version ranges and versions, and maxSatisfying over a fixed list. */
#include <stdlib.h>

#include "error.h"
#include "fuzz.h"
#include "runtimes.h"
#include "xalloc.h"

static const char *const versions[] = {
	"v0.12.17", "v14.20.1", "v18.19.0", "v20.11.1", "v22.3.0", "v24.0.0-rc.1", "v24.1.0",
	"1.2.3-beta.4", "1.2.3",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct semver_range *r = NULL;
	struct semver v = SEMVER_INIT;
	struct error err = ERROR_INIT;

	if (semver_range_parse(&r, s, &err) == 0) {
		semver_max_satisfying(versions, sizeof(versions) / sizeof(versions[0]), r);
		semver_range_free(r);
	}
	if (semver_parse(&v, s, size & 1, &err) == 0)
		semver_release(&v);
	free(s);
	return 0;
}
