#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "xalloc.h"

void sha256_init(struct sha256 *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		abort();
	s->ctx = c;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	if (EVP_DigestUpdate(s->ctx, data, len) != 1)
		abort();
}

void sha256_final(struct sha256 *s, unsigned char out[32])
{
	unsigned int n = 32;

	if (EVP_DigestFinal_ex(s->ctx, out, &n) != 1)
		abort();
	sha256_release(s);
}

void sha256_release(struct sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

void sha256_hex(const unsigned char digest[32], char out[SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
}

int sha256_file(const char *path, char out[SHA256_HEX_LEN + 1], unsigned long long *size,
		struct error *err)
{
	struct sha256 s = SHA256_INIT;
	unsigned char d[32];
	unsigned long long total = 0;
	char *chunk = NULL;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot open '%s'", path);
	chunk = xmalloc(1 << 17);
	sha256_init(&s);
	for (;;) {
		ssize_t n = read(fd, chunk, 1 << 17);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "cannot read '%s'", path);
			goto out;
		}
		if (!n)
			break;
		sha256_update(&s, chunk, (size_t)n);
		total += (unsigned long long)n;
	}
	sha256_final(&s, d);
	sha256_hex(d, out);
	if (size)
		*size = total;
	ret = 0;
out:
	if (s.ctx)
		sha256_release(&s);
	free(chunk);
	close(fd);
	return ret;
}

void sha256_hex_of(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	struct sha256 s = SHA256_INIT;
	unsigned char digest[32];

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, digest);
	sha256_hex(digest, out);
}
