#ifndef SLUGC_FUZZ_H
#define SLUGC_FUZZ_H

/*
 * Every fuzz target defines LLVMFuzzerTestOneInput(). With clang and
 * -DSLUGC_FUZZ=ON it links libFuzzer; in every build it also links
 * standalone.c, which replays the seed corpus and the saved regressions.
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
