#ifndef SLUGC_SHA256_H
#define SLUGC_SHA256_H

#include <stddef.h>

struct error;

/* SHA-256 over OpenSSL's libcrypto, spoken to from here only. */
struct sha256 {
	void *ctx;
};
#define SHA256_INIT { NULL }
#define SHA256_HEX_LEN 64

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Finish into 32 bytes; the context is released. */
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Release without finishing (error paths). */
void sha256_release(struct sha256 *s);
/* 32 bytes → 64 lowercase hex digits + NUL. */
void sha256_hex(const unsigned char digest[32], char out[SHA256_HEX_LEN + 1]);
/* Digest of a buffer, as hex. */
void sha256_hex_of(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
/* Digest of a whole file, as hex. */
int sha256_file(const char *path, char out[SHA256_HEX_LEN + 1], unsigned long long *size,
		struct error *err);

#endif
