/*
 * Fuzz target: the capped archive reader (extract.h) under small caps, and
 * the slug verifier over it. Whatever the bytes, the reader never hands out
 * more data than the byte cap, never passes the entry cap, and a refused
 * archive is refused with an error; invariant breaks abort().
 */
#include <stdlib.h>

#include "error.h"
#include "extract.h"
#include "fuzz.h"
#include "inspect.h"

#define FUZZ_MAX_BYTES (1 << 20)
#define FUZZ_MAX_ENTRIES 64

static void read_all(const uint8_t *data, size_t size, const struct unpack_limits *l)
{
	static char chunk[16384];
	struct error err = ERROR_INIT;
	struct reader *r = NULL;
	struct reader_entry e;
	uint64_t got = 0;
	int rc;

	if (reader_open_memory(&r, data, size, "fuzz.tgz", &err) < 0)
		return;
	reader_set_limits(r, l);
	while ((rc = reader_next(r, &e, &err)) == 1) {
		ssize_t n;

		if (reader_entries(r) > l->max_entries || reader_declared_bytes(r) > l->max_bytes)
			abort();
		while ((n = reader_read(r, chunk, sizeof(chunk), &err)) > 0) {
			got += (uint64_t)n;
			if (got > l->max_bytes)
				abort();
		}
		if (n < 0)
			break;
	}
	if (rc < 0 && !err.msg[0])
		abort();
	reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack_limits l = { FUZZ_MAX_BYTES, FUZZ_MAX_ENTRIES };
	struct error err = ERROR_INIT;
	struct inspect_result res;
	struct reader *r = NULL;

	read_all(data, size, &l);
	if (reader_open_memory(&r, data, size, "fuzz.tgz", &err) < 0)
		return 0;
	reader_set_limits(r, &l);
	if (inspect_reader(r, &res, &err) == 0 && (res.entries > l.max_entries || res.bytes > l.max_bytes))
		abort();
	reader_close(r);
	return 0;
}
