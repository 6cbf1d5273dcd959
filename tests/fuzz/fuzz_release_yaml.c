/* Fuzz target: bin/release's YAML (compiler/release_yaml.c, over libyaml). */
#include "buildpack.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buildpack_release r = BUILDPACK_RELEASE_INIT;
	struct error err = ERROR_INIT;

	if (buildpack_release_parse((const char *)data, size, "bin/release", &r, &err) == 0)
		procfile_check_api(&r.types, &err);
	buildpack_release_release(&r);
	return 0;
}
