/*
 * The image stage (image.h): base image → layers and config; the slug and
 * the entrypoint layer on top; an OCI layout written or a registry pushed.
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "error.h"
#include "extract.h"
#include "fsutil.h"
#include "inspect.h"
#include "json.h"
#include "manifest.h"
#include "output.h"
#include "pack.h"
#include "pgzip.h"
#include "registry.h"
#include "sha256.h"
#include "sig.h"
#include "xalloc.h"

#define MAX_CONFIG (8 * 1024 * 1024)
#define DEFAULT_USER "1000:1000"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ENTRYPOINT "/slugc/entrypoint"

struct layer {
	char digest[72];
	uint64_t size;
	char *media_type;
	char *path;        /* where the compressed bytes are */
	char *annotations; /* unused; reserved */
};

struct image {
	const struct image_options *o;
	struct layer *layers;
	size_t nr, alloc;
	size_t nbase;                 /* the first nbase layers are the base's */
	struct json *config;          /* the new config */
	char *tmp;                    /* private temporary directory */
	const char *base;             /* o->base, or the stack's run image */
	char *base_owned;
	struct image_ref base_ref;    /* when the base is in a registry */
	int base_is_registry;
	char *cache;
	char os[32], arch[32], variant[32];
};

/* ---- platform ---- */

/* The slug is checked as slugc inspect checks it, with the default unpack caps. */
static const struct unpack_limits unpack_defaults = UNPACK_LIMITS_INIT;

static void default_platform(struct image *im)
{
	struct utsname u;
	const char *arch = "amd64";

	snprintf(im->os, sizeof(im->os), "linux");
	im->variant[0] = '\0';
	if (uname(&u) == 0) {
		if (!strcmp(u.machine, "aarch64"))
			arch = "arm64";
		else if (!strncmp(u.machine, "arm", 3))
			arch = "arm", snprintf(im->variant, sizeof(im->variant), "v7");
		else if (!strcmp(u.machine, "ppc64le"))
			arch = "ppc64le";
		else if (!strcmp(u.machine, "s390x"))
			arch = "s390x";
		else if (!strcmp(u.machine, "riscv64"))
			arch = "riscv64";
	}
	snprintf(im->arch, sizeof(im->arch), "%s", arch);
}

static int parse_platform(struct image *im, const char *p, struct error *err)
{
	const char *a = strchr(p, '/'), *v;

	if (!a || a == p || !a[1] || (size_t)(a - p) >= sizeof(im->os))
		return error_setk(err, ERROR_USAGE, "--platform '%s' is not OS/ARCH[/VARIANT]", p);
	snprintf(im->os, sizeof(im->os), "%.*s", (int)(a - p), p);
	v = strchr(a + 1, '/');
	snprintf(im->arch, sizeof(im->arch), "%.*s", (int)(v ? (size_t)(v - a - 1) : strlen(a + 1)),
		 a + 1);
	snprintf(im->variant, sizeof(im->variant), "%s", v ? v + 1 : "");
	return 0;
}

/* ---- where a base comes from: a registry or an OCI layout ---- */

struct source {
	struct image *im;
	const char *shown;
	struct registry reg;  /* registry bases */
	const char *repo;
	char *dir;            /* layout bases */
	/* A manifest or index by tag (first call) or digest. */
	int (*manifest)(struct source *s, const char *ref, struct buf *body, char **mt,
			struct error *err);
	int (*blob)(struct source *s, const char *digest, struct buf *body, struct error *err);
	/* A layer blob as a verified file; *path is fresh. */
	int (*layer)(struct source *s, const char *digest, uint64_t size, char **path,
		     struct error *err);
};

static int reg_manifest(struct source *s, const char *ref, struct buf *body, char **mt,
			struct error *err)
{
	char digest[72];

	return registry_get_manifest(&s->reg, s->repo, ref, body, mt, digest, err);
}

static int reg_blob(struct source *s, const char *digest, struct buf *body, struct error *err)
{
	return registry_get_blob(&s->reg, s->repo, digest, MAX_CONFIG, body, err);
}

static int reg_layer(struct source *s, const char *digest, uint64_t size, char **path,
		     struct error *err)
{
	struct image *im = s->im;
	struct cache_lock lock = CACHE_LOCK_INIT;
	char *tmpdir = NULL, *part = NULL, *lockp = NULL, *dest = cache_blob_path(im->cache,
										  digest + 7);
	struct stat st;
	int ret = -1;

	if (stat(dest, &st) == 0 && (uint64_t)st.st_size == size) {
		cache_touch(dest);
		*path = dest;
		return 0;
	}
	if (cache_dir(im->o->cache_dir, "tmp", &tmpdir, err) < 0)
		goto out;
	part = xstrfmt("%s/%s.part", tmpdir, digest + 7);
	lockp = xstrfmt("%s/%s.lock", tmpdir, digest + 7);
	if (cache_lock(&lock, lockp, 1, err) < 0)
		goto out;
	if (stat(dest, &st) == 0 && (uint64_t)st.st_size == size) { /* another slugc got it */
		ret = 0;
		goto out;
	}
	out_info("Pulling layer %.19s (%llu bytes)", digest, (unsigned long long)size);
	if (registry_download_blob(&s->reg, s->repo, digest, size, part, err) < 0) {
		if (strstr(err->msg, "digest mismatch"))
			unlink(part);
		goto out;
	}
	if (cache_blob_put(im->cache, part, digest + 7, err) < 0)
		goto out;
	{
		/* What it is, for slugc cache ls. */
		struct cache_meta m = CACHE_META_INIT;
		struct error ignored = ERROR_INIT;
		char *what = xstrfmt("image layer of %s", s->shown);

		m.description = what;
		cache_meta_put(dest, &m, &ignored);
		free(what);
	}
	ret = 0;
out:
	cache_unlock(&lock);
	if (ret == 0)
		*path = dest;
	else
		free(dest);
	free(tmpdir);
	free(part);
	free(lockp);
	return ret;
}

static char *layout_blob_path(struct source *s, const char *digest, struct error *err)
{
	size_t i;

	if (strncmp(digest, "sha256:", 7) || strlen(digest) != 71)
		goto bad;
	for (i = 7; digest[i]; i++)
		if (!strchr("0123456789abcdef", digest[i]))
			goto bad;
	return xstrfmt("%s/blobs/sha256/%s", s->dir, digest + 7);
bad:
	error_set(err, "'%s': unsupported digest '%.80s'", s->shown, digest);
	return NULL;
}

static int layout_blob(struct source *s, const char *digest, struct buf *body, struct error *err)
{
	char *p = layout_blob_path(s, digest, err);
	char got[72];
	int ret = -1;

	if (!p)
		return -1;
	if (buf_read_file(body, p, MAX_CONFIG, err) < 0)
		goto out;
	registry_digest(body->ptr, body->len, got);
	if (strcmp(got, digest)) {
		error_set(err, "'%s': digest mismatch: '%s' has digest %s", s->shown, p, got);
		goto out;
	}
	ret = 0;
out:
	free(p);
	return ret;
}

static int layout_manifest(struct source *s, const char *ref, struct buf *body, char **mt,
			   struct error *err)
{
	struct json *doc = NULL, *m;
	int ret = -1;

	if (strncmp(ref, "sha256:", 7)) {
		/* The layout's index.json, filtered to the descriptors named `ref` (any when ""). */
		char *p = xstrfmt("%s/index.json", s->dir);
		struct json *idx = json_load(p, MAX_CONFIG, err), *keep = json_new_array(), *list;

		free(p);
		if (!idx) {
			json_free(keep);
			return -1;
		}
		list = json_get(idx, "manifests");
		for (m = list ? json_child(list) : NULL; m; m = json_next(m)) {
			struct json *ann = json_get(m, "annotations");
			const char *name = ann ? json_get_str(ann, "org.opencontainers.image.ref.name")
					       : NULL;

			if (!*ref || (name && !strcmp(name, ref)))
				json_append(keep, json_dup(m));
		}
		if (!json_size(keep)) {
			error_set(err, "'%s': the layout has no image named '%s'", s->shown, ref);
			json_free(idx);
			json_free(keep);
			return -1;
		}
		json_set(idx, "manifests", keep);
		p = json_print(idx, 0);
		buf_addstr(body, p);
		free(p);
		json_free(idx);
		*mt = xstrdup(MT_OCI_INDEX);
		return 0;
	}
	if (layout_blob(s, ref, body, err) < 0)
		return -1;
	doc = json_parse(body->ptr, body->len, s->shown, err);
	if (!doc)
		goto out;
	*mt = xstrdup(json_get_str(doc, "mediaType") ? json_get_str(doc, "mediaType")
		      : json_get(doc, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST);
	ret = 0;
out:
	json_free(doc);
	return ret;
}

static int layout_layer(struct source *s, const char *digest, uint64_t size, char **path,
			struct error *err)
{
	char *p = layout_blob_path(s, digest, err);
	char hex[SHA256_HEX_LEN + 1];
	unsigned long long got = 0;

	if (!p)
		return -1;
	if (sha256_file(p, hex, &got, err) < 0) {
		free(p);
		return -1;
	}
	if (strcmp(hex, digest + 7) || got != size) {
		error_set(err, "'%s': digest mismatch: '%s' is %llu bytes with digest sha256:%s",
			  s->shown, p, got, hex);
		free(p);
		return -1;
	}
	*path = p;
	return 0;
}

/* ---- reading the base ---- */

static int is_index(const char *mt)
{
	return !strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST);
}

static int is_manifest(const char *mt)
{
	return !strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST);
}

/* The descriptor of an index for our platform (the only one when it names none). */
static const struct json *pick_platform(struct image *im, const struct json *idx)
{
	const struct json *list = json_get(idx, "manifests"), *m, *only = NULL;
	size_t n = 0;

	for (m = list ? json_child(list) : NULL; m; m = json_next(m)) {
		const struct json *p = json_get(m, "platform");
		const char *v;

		n++;
		only = m;
		if (!p)
			continue;
		if (!json_get_str(p, "os") || strcmp(json_get_str(p, "os"), im->os) ||
		    !json_get_str(p, "architecture") || strcmp(json_get_str(p, "architecture"), im->arch))
			continue;
		v = json_get_str(p, "variant");
		if (im->variant[0] && v && strcmp(v, im->variant))
			continue;
		return m;
	}
	return n == 1 && !json_get(only, "platform") ? only : NULL;
}

static const char *oci_layer_type(const char *mt)
{
	if (!strcmp(mt, MT_DOCKER_LAYER_GZIP))
		return MT_OCI_LAYER_GZIP;
	if (!strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar"))
		return "application/vnd.oci.image.layer.v1.tar";
	return mt;
}

static struct layer *add_layer(struct image *im)
{
	struct layer *l;

	ALLOC_GROW(im->layers, im->nr + 1, im->alloc);
	l = &im->layers[im->nr++];
	memset(l, 0, sizeof(*l));
	return l;
}

static int load_base(struct image *im, struct source *s, struct error *err)
{
	struct buf body = BUF_INIT, cfg = BUF_INIT;
	struct json *doc = NULL, *layers, *l;
	char *mt = NULL, *ref = NULL;
	const char *cfgd;
	int depth, ret = -1;

	if (s->repo)
		ref = xstrdup(im->base_ref.digest ? im->base_ref.digest : im->base_ref.tag);
	else if (strchr(im->base + 4, ':')) /* oci:DIR:TAG */
		ref = xstrdup(strchr(im->base + 4, ':') + 1);
	else
		ref = xstrdup("");
	for (depth = 0;; depth++) {
		const struct json *pick;

		buf_reset(&body);
		free(mt);
		mt = NULL;
		json_free(doc);
		doc = NULL;
		if (s->manifest(s, ref, &body, &mt, err) < 0)
			goto out;
		doc = json_parse(body.ptr, body.len, s->shown, err);
		if (!doc)
			goto out;
		/* A registry may label a manifest "application/json": the document says what it is. */
		if (!is_manifest(mt) && !is_index(mt) && json_get_str(doc, "mediaType")) {
			free(mt);
			mt = xstrdup(json_get_str(doc, "mediaType"));
		}
		if (is_manifest(mt))
			break;
		if (!is_index(mt) || depth >= 2) {
			error_set(err, "'%s': unsupported manifest type '%s'", s->shown, mt);
			goto out;
		}
		pick = pick_platform(im, doc);
		if (!pick || !json_get_str(pick, "digest")) {
			error_set(err, "'%s' has no image for %s/%s%s%s (use --platform)", s->shown,
				  im->os, im->arch, im->variant[0] ? "/" : "", im->variant);
			goto out;
		}
		free(ref);
		ref = xstrdup(json_get_str(pick, "digest"));
	}
	cfgd = json_get_str(json_get(doc, "config"), "digest");
	if (!cfgd) {
		error_set(err, "'%s': the manifest has no config", s->shown);
		goto out;
	}
	if (s->blob(s, cfgd, &cfg, err) < 0)
		goto out;
	im->config = json_parse(cfg.ptr, cfg.len, s->shown, err);
	if (!im->config || !json_is_object(im->config)) {
		if (im->config)
			error_set(err, "'%s': the config is not a JSON object", s->shown);
		goto out;
	}
	layers = json_get(doc, "layers");
	for (l = layers ? json_child(layers) : NULL; l; l = json_next(l)) {
		const char *d = json_get_str(l, "digest"), *lmt = json_get_str(l, "mediaType");
		int64_t size;
		struct layer *nl;

		if (!d || !lmt || json_get_int(l, "size", &size) < 0 || size < 0 ||
		    strncmp(d, "sha256:", 7) || strlen(d) != 71) {
			error_set(err, "'%s': a layer descriptor lacks a sha256 digest, media type "
				  "or size", s->shown);
			goto out;
		}
		if (strstr(lmt, "foreign") || strstr(lmt, "nondistributable")) {
			error_set(err, "'%s': layer %s is non-distributable (%s); choose another base",
				  s->shown, d, lmt);
			goto out;
		}
		nl = add_layer(im);
		snprintf(nl->digest, sizeof(nl->digest), "%s", d);
		nl->size = (uint64_t)size;
		nl->media_type = xstrdup(oci_layer_type(lmt));
		if (s->layer(s, d, (uint64_t)size, &nl->path, err) < 0)
			goto out;
	}
	ret = 0;
out:
	buf_release(&body);
	buf_release(&cfg);
	json_free(doc);
	free(mt);
	free(ref);
	return ret;
}

static void scratch_config(struct image *im)
{
	struct json *c = json_new_object(), *rootfs = json_new_object();

	json_add_str(c, "architecture", im->arch);
	json_add_str(c, "os", im->os);
	if (im->variant[0])
		json_add_str(c, "variant", im->variant);
	json_add(c, "config", json_new_object());
	json_add_str(rootfs, "type", "layers");
	json_add(rootfs, "diff_ids", json_new_array());
	json_add(c, "rootfs", rootfs);
	json_add(c, "history", json_new_array());
	im->config = c;
}

static int open_base(struct image *im, struct source *s, struct error *err)
{
	const char *b = im->base;

	memset(s, 0, sizeof(*s));
	s->im = im;
	s->shown = b;
	if (!strcmp(b, "scratch")) {
		scratch_config(im);
		return 0;
	}
	if (!strncmp(b, "oci:", 4)) {
		const char *colon = strchr(b + 4, ':');

		s->dir = colon ? xstrndup(b + 4, (size_t)(colon - b - 4)) : xstrdup(b + 4);
		if (!fs_is_dir(s->dir))
			return error_set(err, "--base '%s': '%s' is not an OCI layout directory", b,
					 s->dir);
		s->manifest = layout_manifest;
		s->blob = layout_blob;
		s->layer = layout_layer;
		return load_base(im, s, err);
	}
	if (image_ref_parse(&im->base_ref, b, err) < 0)
		return -1;
	im->base_is_registry = 1;
	if (registry_open(&s->reg, &im->base_ref, err) < 0)
		return -1;
	s->repo = im->base_ref.repository;
	s->manifest = reg_manifest;
	s->blob = reg_blob;
	s->layer = reg_layer;
	out_step("Reading base image %s", b);
	return load_base(im, s, err);
}

static void close_base(struct source *s)
{
	if (s->repo)
		registry_release(&s->reg);
	free(s->dir);
}

/* ---- the entrypoint layer ---- */

static void add_sh_quoted(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

static char *entrypoint_script(const struct manifest *m)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_addstr(&b,
		   "#!/bin/sh\n"
		   "# Written by slugc: start a process as a Heroku dyno does (docs/images.md).\n"
		   "#   entrypoint [PROCESS_TYPE | COMMAND [ARG...]]   (default: web)\n"
		   "cd /app || exit 1\n"
		   "export HOME=/app\n"
		   "export PORT=\"${PORT:-5000}\"\n"
		   "[ $# -gt 0 ] || set -- web\n"
		   "slugc_cmd=\n"
		   "if [ $# -eq 1 ]; then\n"
		   "\tcase \"$1\" in\n");
	for (i = 0; i < m->process_types.nr; i++) {
		buf_addstr(&b, "\t");
		add_sh_quoted(&b, m->process_types.v[i].name);
		buf_addstr(&b, ") slugc_cmd=");
		add_sh_quoted(&b, m->process_types.v[i].command);
		buf_addstr(&b, " ;;\n");
	}
	buf_addstr(&b,
		   "\tesac\n"
		   "fi\n"
		   "if [ -n \"$slugc_cmd\" ]; then\n"
		   "\texport DYNO=\"${DYNO:-$1.1}\"\n"
		   "fi\n"
		   "for slugc_f in /app/.profile.d/*.sh; do\n"
		   "\tif [ -r \"$slugc_f\" ]; then . \"$slugc_f\"; fi\n"
		   "done\n"
		   "unset slugc_f\n"
		   "if [ -n \"$slugc_cmd\" ]; then\n"
		   "\texec /bin/sh -c \"$slugc_cmd\"\n"
		   "fi\n"
		   "exec \"$@\"\n");
	return buf_detach(&b, NULL);
}

/* Gzip bytes into a file of the temporary directory; fill the layer. */
static int write_gzip_blob(struct image *im, const char *name, const struct buf *data,
			   struct layer *l, struct error *err)
{
	struct pgzip_options zo = { 9, im->o->threads };
	struct pgzip *z = NULL;
	unsigned char d[32];
	char hex[SHA256_HEX_LEN + 1];
	char *path = xstrfmt("%s/%s", im->tmp, name);
	int fd, ret = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		error_errno(err, "cannot create '%s'", path);
		goto out;
	}
	if (pgzip_open(&z, fd, path, &zo, err) < 0 || pgzip_write(z, data->ptr, data->len, err) < 0 ||
	    pgzip_finish(z, err) < 0)
		goto out;
	pgzip_digest(z, d);
	sha256_hex(d, hex);
	snprintf(l->digest, sizeof(l->digest), "sha256:%s", hex);
	l->size = pgzip_bytes_out(z);
	l->path = path;
	path = NULL;
	ret = 0;
out:
	pgzip_free(z);
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

/* ---- the config ---- */

static void format_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1980-01-01T00:00:00Z");
}

static struct json *object_member(struct json *obj, const char *key)
{
	struct json *j = json_get(obj, key);

	if (!j || !json_is_object(j)) {
		j = json_new_object();
		json_set(obj, key, j);
	}
	return j;
}

static struct json *array_member(struct json *obj, const char *key)
{
	struct json *j = json_get(obj, key);

	if (!j || !json_is_array(j)) {
		j = json_new_array();
		json_set(obj, key, j);
	}
	return j;
}

/* Env with HOME set (and PATH kept, or the usual one). */
static struct json *make_env(struct json *old, int scratch)
{
	struct json *env = json_new_array(), *e;
	int have_path = 0;

	for (e = old ? json_child(old) : NULL; e; e = json_next(e)) {
		const char *s = json_string(e);

		if (!s || !strncmp(s, "HOME=", 5) || !strncmp(s, "PORT=", 5))
			continue;
		if (!strncmp(s, "PATH=", 5))
			have_path = 1;
		json_append(env, json_new_string(s));
	}
	if (!have_path)
		json_append(env, json_new_string("PATH=" DEFAULT_PATH));
	json_append(env, json_new_string("HOME=/app"));
	if (scratch)
		json_append(env, json_new_string("PORT=5000"));
	return env;
}

/* For a base without a shell: the web command as argv, when it is plain words. */
static int scratch_command(const struct manifest *m, struct json **argv, struct error *err)
{
	const struct proc_type *web = procfile_get(&m->process_types, "web");
	const char *c;
	struct json *a;

	*argv = NULL;
	if (!web)
		return 0;
	for (c = web->command; *c; c++)
		if (strchr("$'\"\\`|&;<>()*?[]{}~#=\n", *c))
			return error_set(err, "--base scratch has no /bin/sh, and the web command "
					 "'%s' needs one; use a base with a shell", web->command);
	a = json_new_array();
	for (c = web->command; *c;) {
		size_t n;

		while (*c == ' ' || *c == '\t')
			c++;
		n = strcspn(c, " \t");
		if (n) {
			char *w = xstrndup(c, n);

			if (!json_size(a) && w[0] != '/') {
				char *abs = xstrfmt("/app/%s", w[0] == '.' && w[1] == '/' ? w + 2 : w);

				free(w);
				w = abs;
			}
			json_append(a, json_new_string(w));
			free(w);
		}
		c += n;
	}
	*argv = a;
	return 0;
}

static int make_config(struct image *im, const struct manifest *m,
		       const struct inspect_result *slug, const char *app_diff,
		       const char *ep_diff, struct error *err)
{
	struct json *c = im->config, *cc, *labels, *rootfs, *diffs, *hist, *h, *ep = NULL;
	int scratch = !strcmp(im->base, "scratch");
	char when[32], checksum[80];

	format_time(slug->mtime, when);
	snprintf(checksum, sizeof(checksum), "SHA256:%s", slug->sha256);
	json_set(c, "created", json_new_string(when));
	json_remove(c, "container");
	json_remove(c, "container_config");
	json_remove(c, "docker_version");
	cc = object_member(c, "config");
	json_set(cc, "Env", make_env(json_get(cc, "Env"), scratch));
	json_set(cc, "WorkingDir", json_new_string("/app"));
	json_set(cc, "User", json_new_string(im->o->user ? im->o->user : DEFAULT_USER));
	if (scratch) {
		if (scratch_command(m, &ep, err) < 0)
			return -1;
		if (ep)
			json_set(cc, "Entrypoint", ep);
		else
			json_remove(cc, "Entrypoint");
		json_remove(cc, "Cmd");
	} else {
		struct json *e = json_new_array(), *cmd = json_new_array();

		json_append(e, json_new_string(ENTRYPOINT));
		json_set(cc, "Entrypoint", e);
		if (procfile_get(&m->process_types, "web") || !m->process_types.nr)
			json_append(cmd, json_new_string("web"));
		else
			json_append(cmd, json_new_string(m->process_types.v[0].name));
		json_set(cc, "Cmd", cmd);
	}
	if (procfile_get(&m->process_types, "web")) {
		struct json *ports = json_new_object();

		json_add(ports, "5000/tcp", json_new_object());
		json_set(cc, "ExposedPorts", ports);
	}
	labels = object_member(cc, "Labels");
	json_set(labels, "org.opencontainers.image.created", json_new_string(when));
	if (m->commit)
		json_set(labels, "org.opencontainers.image.revision", json_new_string(m->commit));
	else
		json_remove(labels, "org.opencontainers.image.revision");
	if (m->source_url && strncmp(m->source_url, "/", 1))
		json_set(labels, "org.opencontainers.image.source", json_new_string(m->source_url));
	else
		json_remove(labels, "org.opencontainers.image.source");
	if (m->commit_description)
		json_set(labels, "org.opencontainers.image.description",
			 json_new_string(m->commit_description));
	json_set(labels, "io.slugc.slug.checksum", json_new_string(checksum));
	if (m->stack)
		json_set(labels, "io.slugc.slug.stack", json_new_string(m->stack));
	if (m->buildpack_provided_description)
		json_set(labels, "io.slugc.slug.buildpack",
			 json_new_string(m->buildpack_provided_description));

	rootfs = object_member(c, "rootfs");
	json_set(rootfs, "type", json_new_string("layers"));
	diffs = array_member(rootfs, "diff_ids");
	if (json_size(diffs) != im->nbase) {
		return error_set(err, "'%s': the config lists %zu layers but the manifest %zu",
				 im->base, json_size(diffs), im->nbase);
	}
	json_append(diffs, json_new_string(app_diff));
	if (!scratch)
		json_append(diffs, json_new_string(ep_diff));
	hist = array_member(c, "history");
	h = json_new_object();
	json_add_str(h, "created", when);
	json_add_str(h, "created_by", "slugc image: the slug at /app");
	json_add_str(h, "comment", checksum);
	json_append(hist, h);
	if (!scratch) {
		h = json_new_object();
		json_add_str(h, "created", when);
		json_add_str(h, "created_by", "slugc image: " ENTRYPOINT);
		json_append(hist, h);
	}
	return 0;
}

static char *manifest_json(const struct image *im, const char *config_digest, size_t config_size)
{
	struct json *m = json_new_object(), *c = json_new_object(), *ls = json_new_array();
	char *text;
	size_t i;

	json_add_int(m, "schemaVersion", 2);
	json_add_str(m, "mediaType", MT_OCI_MANIFEST);
	json_add_str(c, "mediaType", MT_OCI_CONFIG);
	json_add_str(c, "digest", config_digest);
	json_add_int(c, "size", (int64_t)config_size);
	json_add(m, "config", c);
	for (i = 0; i < im->nr; i++) {
		struct json *l = json_new_object();

		json_add_str(l, "mediaType", im->layers[i].media_type);
		json_add_str(l, "digest", im->layers[i].digest);
		json_add_int(l, "size", (int64_t)im->layers[i].size);
		json_append(ls, l);
	}
	json_add(m, "layers", ls);
	text = json_print(m, 0);
	json_free(m);
	return text;
}

/* ---- outputs ---- */

static int put_blob_file(const char *dir, const char *digest, const char *src, struct error *err)
{
	char *dst = xstrfmt("%s/blobs/sha256/%s", dir, digest + 7);
	int in = -1, out = -1, ret = -1;
	struct stat st;

	/* A copy, not a link: the slug and the cache stay independent of the layout. */
	if (fs_exists(dst)) {
		ret = 0;
		goto out;
	}
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		error_errno(err, "cannot read '%s'", src);
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		error_errno(err, "cannot create '%s'", dst);
		goto out;
	}
	if (fs_copy_fd(in, out, (uint64_t)st.st_size, src, err) < 0)
		goto out;
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && ret == 0)
		ret = error_errno(err, "cannot write '%s'", dst);
	free(dst);
	return ret;
}

static int put_blob_bytes(const char *dir, const char *digest, const char *data, size_t len,
			  struct error *err)
{
	char *dst = xstrfmt("%s/blobs/sha256/%s", dir, digest + 7);
	int ret = fs_write_file_atomic(dst, data, len, err);

	free(dst);
	return ret;
}

static int write_layout(struct image *im, const char *config, const char *config_digest,
			const char *manifest, const char *digest, struct error *err)
{
	const char *dir = im->o->output;
	struct json *idx = json_new_object(), *list = json_new_array();
	char *tmp = xstrfmt("%s.tmp-%ld", dir, (long)getpid()), *old = NULL, *p = NULL, *text = NULL;
	size_t i;
	int ret = -1;

	if (fs_exists(dir) && !fs_exists((p = xstrfmt("%s/oci-layout", dir)))) {
		error_set(err, "'%s' exists and is not an OCI layout; remove it or choose another "
			  "--output", dir);
		goto out;
	}
	free(p);
	p = xstrfmt("%s/blobs/sha256", tmp);
	if (fs_remove_tree(tmp, err) < 0 || fs_mkdir_p(p, 0755, err) < 0)
		goto out;
	for (i = 0; i < im->nr; i++)
		if (put_blob_file(tmp, im->layers[i].digest, im->layers[i].path, err) < 0)
			goto out;
	if (put_blob_bytes(tmp, config_digest, config, strlen(config), err) < 0 ||
	    put_blob_bytes(tmp, digest, manifest, strlen(manifest), err) < 0)
		goto out;
	free(p);
	p = xstrfmt("%s/oci-layout", tmp);
	if (fs_write_file_atomic(p, "{\"imageLayoutVersion\":\"1.0.0\"}",
				 strlen("{\"imageLayoutVersion\":\"1.0.0\"}"), err) < 0)
		goto out;
	json_add_int(idx, "schemaVersion", 2);
	json_add_str(idx, "mediaType", MT_OCI_INDEX);
	for (i = 0; i < (im->o->tags && im->o->tags->nr ? im->o->tags->nr : 1); i++) {
		struct json *d = json_new_object(), *ann = json_new_object();

		json_add_str(d, "mediaType", MT_OCI_MANIFEST);
		json_add_str(d, "digest", digest);
		json_add_int(d, "size", (int64_t)strlen(manifest));
		json_add_str(ann, "org.opencontainers.image.ref.name",
			     im->o->tags && im->o->tags->nr ? im->o->tags->v[i] : "latest");
		json_add(d, "annotations", ann);
		json_append(list, d);
	}
	json_add(idx, "manifests", list);
	list = NULL;
	text = json_print(idx, 0);
	free(p);
	p = xstrfmt("%s/index.json", tmp);
	if (fs_write_file_atomic(p, text, strlen(text), err) < 0)
		goto out;
	if (fs_exists(dir)) {
		old = xstrfmt("%s.old-%ld", dir, (long)getpid());
		if (rename(dir, old) < 0) {
			error_errno(err, "cannot replace '%s'", dir);
			goto out;
		}
	}
	if (rename(tmp, dir) < 0) {
		error_errno(err, "cannot rename '%s' to '%s'", tmp, dir);
		if (old)
			rename(old, dir);
		goto out;
	}
	if (old)
		fs_remove_tree(old, err);
	ret = 0;
out:
	if (ret < 0) {
		struct error ignored = ERROR_INIT;

		fs_remove_tree(tmp, &ignored);
	}
	json_free(idx);
	json_free(list);
	free(tmp);
	free(old);
	free(p);
	free(text);
	return ret;
}

/* A --tag as a docker image name: NAME[:TAG] (":latest" added). */
static char *repo_tag(const char *t)
{
	const char *slash = strrchr(t, '/'), *colon = strrchr(t, ':');

	if (colon && (!slash || colon > slash))
		return xstrdup(t);
	return xstrfmt("%s:latest", t);
}

/*
 * A tar that both `docker load` (manifest.json) and OCI tools (oci-layout,
 * index.json) read, Docker 25's format; blobs stored once each, as they are.
 */
static int write_docker_archive(struct image *im, const char *config, const char *config_digest,
				const char *manifest, const char *digest, int64_t mtime,
				struct error *err)
{
	const struct strvec *tags = im->o->tags;
	struct pack_member *m = xcalloc(im->nr + 8, sizeof(*m));
	struct strvec names = STRVEC_INIT;
	struct json *dm = json_new_array(), *one = json_new_object(), *rt = json_new_array(),
		    *ls = json_new_array(), *idx = json_new_object(), *list = json_new_array();
	char *dm_text = NULL, *idx_text = NULL;
	size_t i, j, n = 0;
	int ret;

	m[n++].name = "blobs/";
	m[n++].name = "blobs/sha256/";
	for (i = 0; i < im->nr; i++) {
		const char *name = strvec_pushf(&names, "blobs/sha256/%s", im->layers[i].digest + 7);

		json_append(ls, json_new_string(name));
		for (j = 0; j < i && strcmp(im->layers[j].digest, im->layers[i].digest); j++)
			;
		if (j < i)
			continue;
		m[n].name = name;
		m[n++].path = im->layers[i].path;
	}
	m[n].name = strvec_pushf(&names, "blobs/sha256/%s", config_digest + 7);
	m[n].data = config;
	m[n++].len = strlen(config);
	m[n].name = strvec_pushf(&names, "blobs/sha256/%s", digest + 7);
	m[n].data = manifest;
	m[n++].len = strlen(manifest);

	for (i = 0; tags && i < tags->nr; i++) {
		char *t = repo_tag(tags->v[i]);

		json_append(rt, json_new_string(t));
		free(t);
	}
	if ((!tags || !tags->nr) && im->o->push) {
		char *t = repo_tag(im->o->push);

		json_append(rt, json_new_string(t));
		free(t);
	}
	json_add_str(one, "Config", m[n - 2].name);
	json_add(one, "RepoTags", rt);
	json_add(one, "Layers", ls);
	json_append(dm, one);
	dm_text = json_print(dm, 0);

	json_add_int(idx, "schemaVersion", 2);
	json_add_str(idx, "mediaType", MT_OCI_INDEX);
	{
		struct json *d = json_new_object();

		json_add_str(d, "mediaType", MT_OCI_MANIFEST);
		json_add_str(d, "digest", digest);
		json_add_int(d, "size", (int64_t)strlen(manifest));
		json_append(list, d);
	}
	json_add(idx, "manifests", list);
	idx_text = json_print(idx, 0);

	m[n].name = "index.json";
	m[n].data = idx_text;
	m[n++].len = strlen(idx_text);
	m[n].name = "manifest.json";
	m[n].data = dm_text;
	m[n++].len = strlen(dm_text);
	m[n].name = "oci-layout";
	m[n].data = "{\"imageLayoutVersion\":\"1.0.0\"}";
	m[n].len = strlen(m[n].data);
	n++;
	ret = pack_bundle(m, n, mtime, im->o->output, err);
	json_free(dm);
	json_free(idx);
	free(dm_text);
	free(idx_text);
	free(m);
	strvec_clear(&names);
	return ret;
}

static int push_blob(struct image *im, struct registry *r, const struct image_ref *to,
		     const char *digest, const char *path, uint64_t size, struct image_result *res,
		     struct error *err)
{
	const char *from = NULL;
	int have, mounted = 0;

	have = registry_blob_exists(r, to->repository, digest, err);
	if (have < 0)
		return -1;
	if (have) {
		res->present++;
		out_info("Layer %.19s exists", digest);
		return 0;
	}
	if (im->base_is_registry && !strcmp(im->base_ref.host, to->host) &&
	    strcmp(im->base_ref.repository, to->repository))
		from = im->base_ref.repository;
	if (from) {
		size_t i;

		for (i = 0; i < im->nr && strcmp(im->layers[i].digest, digest); i++)
			;
		if (i >= im->nbase)
			from = NULL; /* only base layers can come from the base's repository */
	}
	if (registry_upload_blob(r, to->repository, digest, path, size, im->o->chunk, from,
				 &mounted, err) < 0)
		return -1;
	if (mounted) {
		res->mounted++;
		out_info("Layer %.19s mounted from %s", digest, from);
	} else {
		res->uploaded++;
		out_info("Layer %.19s uploaded (%llu bytes)", digest, (unsigned long long)size);
	}
	return 0;
}

static int push(struct image *im, const char *config, const char *config_digest,
		const char *manifest, const char *digest, struct image_result *res,
		struct error *err)
{
	struct image_ref to = IMAGE_REF_INIT;
	struct registry r;
	char *cfgpath = NULL;
	size_t i;
	int opened = 0, ret = -1;

	if (image_ref_parse(&to, im->o->push, err) < 0)
		goto out;
	if (to.digest) {
		error_setk(err, ERROR_USAGE, "--push '%s': push to a tag, not a digest", im->o->push);
		goto out;
	}
	if (registry_open(&r, &to, err) < 0)
		goto out;
	opened = 1;
	out_step("Pushing %s", im->o->push);
	for (i = 0; i < im->nr; i++)
		if (push_blob(im, &r, &to, im->layers[i].digest, im->layers[i].path,
			      im->layers[i].size, res, err) < 0)
			goto out;
	cfgpath = xstrfmt("%s/config.json", im->tmp);
	if (fs_write_file_atomic(cfgpath, config, strlen(config), err) < 0 ||
	    push_blob(im, &r, &to, config_digest, cfgpath, strlen(config), res, err) < 0)
		goto out;
	if (registry_put_manifest(&r, to.repository, to.tag, MT_OCI_MANIFEST, manifest,
				  strlen(manifest), digest, err) < 0)
		goto out;
	out_info("%s: digest: %s", to.tag, digest);
	for (i = 0; im->o->tags && i < im->o->tags->nr; i++) {
		if (registry_put_manifest(&r, to.repository, im->o->tags->v[i], MT_OCI_MANIFEST,
					  manifest, strlen(manifest), digest, err) < 0)
			goto out;
		out_info("%s: digest: %s", im->o->tags->v[i], digest);
	}
	ret = 0;
out:
	if (opened)
		registry_release(&r);
	image_ref_release(&to);
	free(cfgpath);
	return ret;
}

/* ---- the stage ---- */

int image_build(const struct image_options *o, struct image_result *res, struct error *err)
{
	struct image im;
	struct source src;
	struct manifest m = MANIFEST_INIT;
	struct inspect_result slug;
	struct buf tar = BUF_INIT;
	struct layer *l;
	char *mpath = NULL, *script = NULL, *config = NULL, *manifest = NULL;
	char app_diff[72], ep_diff[72], config_digest[72], hex[SHA256_HEX_LEN + 1];
	unsigned char d[32];
	uint64_t raw;
	int src_open = 0, ret = -1, scratch;
	size_t i;

	memset(res, 0, sizeof(*res));
	memset(&im, 0, sizeof(im));
	im.o = o;
	default_platform(&im);
	if (o->platform && parse_platform(&im, o->platform, err) < 0)
		return -1;
	for (i = 0; o->tags && i < o->tags->nr; i++) {
		int archive = o->format && !strcmp(o->format, "docker-archive");
		struct image_ref t = IMAGE_REF_INIT;
		char *probe = archive ? xstrdup(o->tags->v[i]) : xstrfmt("x:%s", o->tags->v[i]);
		int bad = image_ref_parse(&t, probe, err) < 0 || t.digest ||
			  (!archive && strcmp(t.tag, o->tags->v[i]));

		image_ref_release(&t);
		free(probe);
		if (bad && archive)
			return error_setk(err, ERROR_USAGE, "--tag '%s' is not an image name "
					  "(NAME[:TAG])", o->tags->v[i]);
		if (bad)
			return error_setk(err, ERROR_USAGE, "--tag '%s' is not a tag (letters, "
					  "digits, '.', '_', '-')", o->tags->v[i]);
	}

	mpath = o->manifest ? xstrdup(o->manifest) : manifest_default_path(o->slug);
	if (!fs_exists(mpath)) {
		error_set(err, "no manifest '%s' for '%s'; pass --manifest", mpath, o->slug);
		goto out;
	}
	if (manifest_load(&m, mpath, err) < 0)
		goto out;
	out_step("Checking slug %s", o->slug);
	if (inspect_slug(o->slug, &unpack_defaults, &slug, err) < 0)
		goto out;
	if (m.checksum && strncmp(m.checksum, "SHA256:", 7) == 0 &&
	    strcmp(m.checksum + 7, slug.sha256)) {
		error_set(err, "'%s' records checksum %s but '%s' has SHA256:%s", mpath, m.checksum,
			  o->slug, slug.sha256);
		goto out;
	}
	/* heroku-24 → heroku/heroku:24, the run image of the slug's stack. */
	if (!o->base)
		im.base_owned = xstrfmt("heroku/heroku:%s", m.stack && !strncmp(m.stack, "heroku-", 7) &&
					m.stack[7] ? m.stack + 7 : "24");
	im.base = o->base ? o->base : im.base_owned;
	scratch = !strcmp(im.base, "scratch");
	if (!slug.normalized) {
		out_warn("'%s' is not normalised (%s): the image will not be reproducible",
			 o->slug, slug.why_not);
		slug.mtime = 315532800;
	}
	if (extract_gunzip_digest(o->slug, d, &raw, err) < 0)
		goto out;
	sha256_hex(d, hex);
	snprintf(app_diff, sizeof(app_diff), "sha256:%s", hex);

	im.tmp = fs_make_temp_dir("slugc-image-", err);
	if (!im.tmp)
		goto out;
	if (cache_dir(o->cache_dir, NULL, &im.cache, err) < 0)
		goto out;
	if (open_base(&im, &src, err) < 0) {
		src_open = 1;
		goto out;
	}
	src_open = 1;
	im.nbase = im.nr;

	/* The app layer: the slug's bytes. */
	l = add_layer(&im);
	snprintf(l->digest, sizeof(l->digest), "sha256:%s", slug.sha256);
	l->size = slug.size;
	l->media_type = xstrdup(MT_OCI_LAYER_GZIP);
	l->path = xstrdup(o->slug);
	if (!scratch) {
		struct pack_file files[2] = {
			{ "slugc/", NULL, 0755 },
			{ "slugc/entrypoint", NULL, 0755 },
		};

		script = entrypoint_script(&m);
		files[1].data = script;
		if (pack_memory_tar(files, 2, slug.mtime, &tar, err) < 0)
			goto out;
		registry_digest(tar.ptr, tar.len, ep_diff);
		l = add_layer(&im);
		l->media_type = xstrdup(MT_OCI_LAYER_GZIP);
		if (write_gzip_blob(&im, "entrypoint.tar.gz", &tar, l, err) < 0)
			goto out;
	}
	if (make_config(&im, &m, &slug, app_diff, ep_diff, err) < 0)
		goto out;
	config = json_print(im.config, 0);
	registry_digest(config, strlen(config), config_digest);
	manifest = manifest_json(&im, config_digest, strlen(config));
	registry_digest(manifest, strlen(manifest), res->digest);
	snprintf(res->config, sizeof(res->config), "%s", config_digest);
	res->manifest_size = strlen(manifest);
	res->layers = (unsigned)im.nr;

	if (o->output && o->format && !strcmp(o->format, "docker-archive")) {
		out_step("Writing docker archive %s", o->output);
		if (write_docker_archive(&im, config, config_digest, manifest, res->digest,
					 slug.mtime, err) < 0)
			goto out;
	} else if (o->output) {
		out_step("Writing OCI layout %s", o->output);
		if (write_layout(&im, config, config_digest, manifest, res->digest, err) < 0)
			goto out;
	}
	if (o->push && push(&im, config, config_digest, manifest, res->digest, res, err) < 0)
		goto out;
	ret = 0;
out:
	if (src_open)
		close_base(&src);
	for (i = 0; i < im.nr; i++) {
		free(im.layers[i].media_type);
		free(im.layers[i].path);
	}
	free(im.layers);
	json_free(im.config);
	if (im.tmp) {
		struct error ignored = ERROR_INIT;

		fs_remove_tree(im.tmp, &ignored);
		free(im.tmp);
	}
	image_ref_release(&im.base_ref);
	free(im.base_owned);
	free(im.cache);
	manifest_release(&m);
	buf_release(&tar);
	free(mpath);
	free(script);
	free(config);
	free(manifest);
	return ret;
}
