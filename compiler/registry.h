#ifndef SLUGC_REGISTRY_H
#define SLUGC_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "strvec.h"

struct error;

/*
 * An OCI distribution API client (docs/images.md), over http.h.
 *
 * Invariants:
 *  1. Credentials come from $DOCKER_CONFIG/config.json (else
 *     ~/.docker/config.json) "auths" entries; the password, the Basic
 *     header value and every bearer token are registered with the output
 *     funnel (out_add_secret) before any request, so none can be printed.
 *  2. Nothing is sent with credentials until the registry asks (a 401 with
 *     a Basic or Bearer challenge); a request is repeated once after a new
 *     challenge was answered.
 *  3. Every failure is one line naming the image reference, the request
 *     and the registry's status and error code.
 *  4. Loopback registries (localhost, 127.0.0.0/8, ::1) and the hosts in
 *     $SLUGC_INSECURE_REGISTRIES (comma-separated "host[:port]") are spoken
 *     to over http; every other registry over https.
 */

/* "[host[:port]/]repository[:tag][@sha256:hex]", normalised as docker does. */
struct image_ref {
	char *host;        /* "registry-1.docker.io" for Docker Hub; with ":port" */
	char *repository;  /* "library/busybox" */
	char *tag;         /* NULL when only a digest was given */
	char *digest;      /* "sha256:<hex>" or NULL */
	char *shown;       /* the reference as the user wrote it */
};
#define IMAGE_REF_INIT { NULL, NULL, NULL, NULL, NULL }

int image_ref_parse(struct image_ref *r, const char *s, struct error *err);
void image_ref_release(struct image_ref *r);

struct registry {
	const struct image_ref *ref; /* borrowed; named in every message */
	char *base;                  /* "https://host" */
	char *user, *password;       /* from the docker config, or NULL */
	char *authorization;         /* "Authorization: ..." once a challenge was answered */
	struct strvec scopes;        /* bearer token scopes asked for so far */
	struct http_options http;
};

/* Open a client for ref's registry (reads the credentials; no request yet). */
int registry_open(struct registry *r, const struct image_ref *ref, struct error *err);
void registry_release(struct registry *r);

/* The media types slugc reads and writes. */
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

/*
 * GET a manifest or index of `repo` by tag or digest into `body`, its media
 * type into *media_type (caller frees) and its digest ("sha256:<hex>",
 * computed here and checked against `reference` when that is a digest and
 * against the registry's Docker-Content-Digest) into digest.
 */
int registry_get_manifest(struct registry *r, const char *repo, const char *reference,
			  struct buf *body, char **media_type, char digest[72], struct error *err);
/* GET a small blob (a config) into body, checking its digest. */
int registry_get_blob(struct registry *r, const char *repo, const char *digest, size_t max,
		      struct buf *body, struct error *err);
/*
 * Download a blob into the file `path` (resumed when it holds a prefix) and
 * check its digest and size; a mismatch is an error naming the blob.
 */
int registry_download_blob(struct registry *r, const char *repo, const char *digest,
			   uint64_t size, const char *path, struct error *err);
/* 1 when `repo` has the blob (HEAD), 0 when not. */
int registry_blob_exists(struct registry *r, const char *repo, const char *digest,
			 struct error *err);
/*
 * Upload the file `path` (size bytes, digest `digest`) as a blob of repo:
 * first a cross-repository mount from `mount_from` when not NULL (*mounted
 * set to 1 when the registry did it), else one PUT when size <= chunk
 * (or chunk is 0), else PATCHes of `chunk` bytes and a closing PUT.
 */
int registry_upload_blob(struct registry *r, const char *repo, const char *digest,
			 const char *path, uint64_t size, uint64_t chunk, const char *mount_from,
			 int *mounted, struct error *err);
/* PUT a manifest by tag (or digest); checks the digest the registry reports. */
int registry_put_manifest(struct registry *r, const char *repo, const char *reference,
			  const char *media_type, const char *body, size_t len,
			  const char *digest, struct error *err);

/*
 * The value of parameter `key` (any case) in the parameters of a
 * WWW-Authenticate challenge ('realm="https://a/token",service=b'): quoted
 * or bare, a fresh string, or NULL when absent or unterminated.
 */
char *registry_challenge_param(const char *params, const char *key);

/* "sha256:<hex>" of bytes. */
void registry_digest(const void *data, size_t len, char out[72]);

#endif
