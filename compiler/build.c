#include "build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "manifest.h"
#include "output.h"
#include "path.h"
#include "sig.h"
#include "xalloc.h"

void build_init(struct build *b, const struct build_options *opt)
{
	static const struct tempfile tf = TEMPFILE_INIT;

	memset(b, 0, sizeof(*b));
	b->opt = *opt;
	b->manifest_path = opt->manifest ? xstrdup(opt->manifest) : manifest_default_path(opt->output);
	b->commit_time = -1;
	b->slug = tf;
	b->manifest = tf;
	strvec_init(&b->buildpacks);
	strvec_init(&b->config);
	strvec_init(&b->be.env);
	strvec_init(&b->config_vars);
	strvec_init(&b->addons);
}

void build_release(struct build *b)
{
	struct error err = ERROR_INIT;
	size_t i;

	tempfile_discard(&b->slug);
	tempfile_discard(&b->manifest);
	if (b->work_dir && fs_remove_tree(b->work_dir, &err) < 0)
		out_warn("could not remove the build directory: %s", err.msg);
	free(b->work_dir);
	free(b->app_dir);
	free(b->manifest_path);
	free(b->output_abs);
	free(b->manifest_abs);
	free(b->source_kind);
	free(b->source_url);
	free(b->source_rev);
	free(b->app_subdir);
	free(b->commit);
	free(b->commit_description);
	free(b->buildpack_description);
	procfile_release(&b->process_types);
	if (b->runtimes)
		for (i = 0; i < b->detections.nr; i++)
			resolved_release(&b->runtimes[i]);
	free(b->runtimes);
	detection_list_release(&b->detections);
	free(b->cache);
	free(b->app_cache);
	free(b->home);
	strvec_clear(&b->config);
	strvec_clear(&b->be.env);
	runtime_links_release(&b->be);
	for (i = 0; i < b->be.nheld; i++)
		if (b->be.held[i] >= 0)
			close(b->be.held[i]);
	strvec_clear(&b->buildpacks);
	buildpack_list_release(&b->bps);
	strvec_clear(&b->config_vars);
	strvec_clear(&b->addons);
	memset(b, 0, sizeof(*b));
}

int build_env_epoch(int64_t *out, struct error *err)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*out = -1;
	if (!env || !*env)
		return 0;
	errno = 0;
	v = strtoll(env, &end, 10);
	/* Up to 9999-12-31, the last second tar readers agree on. */
	if (*end || errno || v < 0 || v > 253402300799LL || env[0] < '0' || env[0] > '9')
		return error_set(err, "SOURCE_DATE_EPOCH='%s' is not a number of seconds since "
				 "1970-01-01 (unset it or give an integer like 1700000000)", env);
	*out = v;
	return 0;
}

void build_checksum(const struct build *b, char out[8 + SHA256_HEX_LEN])
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex(b->slug_sha256, hex);
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, hex, SHA256_HEX_LEN + 1);
}

/* Run one stage; -v shows how long each took, so users can see where a build's time goes. */
static int run_stage(struct build *b, const char *name, int (*fn)(struct build *, struct error *),
		     struct error *err)
{
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = fn(b, err);
	out_trace("stage %s: %.3f s", name, out_seconds_since(&t0));
	return r;
}

int build_prepare_source(struct build *b, struct error *err)
{
	int64_t env_epoch;

	if (build_env_epoch(&env_epoch, err) < 0)
		return -1;

	b->work_dir = fs_make_temp_dir("slugc-build-", err);
	if (!b->work_dir)
		return -1;
	b->app_dir = path_join(b->work_dir, "app");

	if (run_stage(b, "source", source_run, err) < 0)
		return -1;
	/* A forced epoch (verify), then SOURCE_DATE_EPOCH, then the commit's time, then 1980. */
	b->source_date_epoch = b->opt.epoch >= 0 ? b->opt.epoch
			       : env_epoch >= 0 ? env_epoch
			       : b->commit_time >= 0 ? b->commit_time : BUILD_DEFAULT_EPOCH;

	return run_stage(b, "tree", tree_run, err);
}

int build_run(struct build *b, struct error *err)
{
	int r;

	/*
	 * The output files are created first, as temporaries beside their
	 * targets: an unwritable output directory fails before any work, and
	 * nothing appears at the targets until the end.
	 */
	if (outputs_check(b, err) < 0 ||
	    tempfile_open(&b->slug, b->opt.output, err) < 0 ||
	    tempfile_open(&b->manifest, b->manifest_path, err) < 0)
		return -1;
	if (build_prepare_source(b, err) < 0 || run_stage(b, "detect", detect_run, err) < 0)
		return -1;
	if (b->bps.nr)
		r = run_stage(b, "buildpacks", steps_run, err);
	else
		r = run_stage(b, "runtimes", install_run, err) < 0 ? -1 :
		    run_stage(b, "build", deps_run, err);
	/* Failed or not, a step may have written into a runtime linked from the cache. */
	runtime_links_check(&b->be);
	if (r < 0)
		return -1;
	if (run_stage(b, "release", release_run, err) < 0 ||
	    run_stage(b, "pack", pack_run, err) < 0 || run_stage(b, "manifest", manifest_run, err) < 0)
		return -1;

	/* A signal after the stages' last check still stops the build: nothing moves into place. */
	if (sig_check(err) < 0 ||
	    tempfile_commit(&b->slug, err) < 0 || tempfile_commit(&b->manifest, err) < 0)
		return -1;
	return 0;
}
