#ifndef SLUGC_IMAGE_H
#define SLUGC_IMAGE_H

#include <stdint.h>

#include "strvec.h"

struct error;

/*
 * The image stage: a slug and its manifest → an OCI image (docs/images.md).
 *
 * Invariants:
 *  1. The app layer is the slug file itself, byte for byte: its digest is
 *     the slug's checksum and its tree is the slug's ./app (sorted, uid/gid
 *     0, one mtime). Nothing about the image depends on the clock, the
 *     machine or the order of network answers, so the same slug on the same
 *     base gives the same image digest anywhere.
 *  2. Base layers are used as their registry or layout holds them, never
 *     decompressed or recompressed; from a registry they are verified and
 *     kept in the cache by digest (<cache>/blobs/sha256/<hex>).
 *  3. A second, small layer holds /slugc/entrypoint, a POSIX sh script that
 *     starts a process type as a dyno does; its tar uses the slug's mtime.
 *  4. An --output layout is written to a temporary directory beside it and
 *     renamed into place; a push uploads only blobs the registry lacks
 *     (HEAD first, cross-repository mount from the base's repository on the
 *     same registry), then PUTs the manifest by each tag.
 */

struct image_options {
	const char *slug;
	const char *manifest;     /* NULL: beside the slug */
	const char *base;         /* "scratch", "oci:DIR[:TAG]" or a registry reference;
				     NULL: heroku/heroku:NN for the manifest's stack heroku-NN */
	const char *output;       /* an OCI layout directory, or NULL */
	const char *format;       /* "oci" (default) */
	const char *push;         /* a registry reference, or NULL */
	const struct strvec *tags;/* more tags (of --push, or ref names in --output) */
	const char *user;         /* the config's User; NULL: "1000:1000" */
	const char *platform;     /* "os/arch[/variant]"; NULL: this machine's */
	const char *cache_dir;    /* NULL: the default cache */
	uint64_t chunk;           /* upload chunk size; 0: monolithic uploads */
	unsigned threads;         /* gzip threads for the entrypoint layer */
};

struct image_result {
	char digest[72];          /* "sha256:<hex>" of the image manifest */
	char config[72];
	uint64_t manifest_size;
	unsigned layers;
	unsigned uploaded, present, mounted; /* blobs, when pushing */
};

int image_build(const struct image_options *o, struct image_result *res, struct error *err);

#endif
