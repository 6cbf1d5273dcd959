/*
 * The detect stage: which languages the app is, in build order, with their
 * version requirements and default process types (detectors/).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "build.h"
#include "detectors.h"
#include "error.h"
#include "output.h"
#include "xalloc.h"

const char *detect_shown_requirement(const struct detection *d)
{
	const char *req = d->requirement;
	size_t n = strlen(d->detector->name);

	/* "go1.19" is Go's own spelling; after "Go" it reads "Go 1.19". */
	if (!strncmp(req, d->detector->name, n) && req[n] >= '0' && req[n] <= '9')
		return req + n;
	return req;
}

static void show(const struct detection *d, const char *desc)
{
	size_t j;

	out_step("%s app detected", desc);
	if (d->requirement)
		out_info("requires %s %s (from %s)", d->detector->display,
			 detect_shown_requirement(d), d->requirement_source);
	if (d->package_manager)
		out_info("package manager: %s", d->package_manager);
	for (j = 0; j < d->notes.nr; j++)
		out_warn("%s", d->notes.v[j]);
}

/*
 * A buildpack list: its native steps' languages are detected now (in list
 * order), so a step asked for on an app that is not of its language fails
 * before anything runs. External buildpacks' bin/detect runs with them.
 */
static int detect_list(struct build *b, struct error *err)
{
	struct buf shown = BUF_INIT;
	size_t i;
	int r;

	for (i = 0; i < b->bps.nr; i++)
		buf_addf(&shown, "%s%s", i ? ", " : "", b->bps.v[i].shown);
	out_step("Buildpacks from %s: %s", b->bps.origin, shown.ptr);
	buf_release(&shown);
	for (i = 0; i < b->bps.nr; i++) {
		struct buildpack *bp = &b->bps.v[i];

		if (bp->kind != BUILDPACK_NATIVE)
			continue;
		if (!runtime_find(bp->lang))
			return error_set(err, "buildpack '%s' (from %s): slugc cannot build %s natively "
					 "yet; give the classic buildpack's URL instead", bp->shown,
					 b->bps.origin, bp->lang);
		r = detect_language(b->app_dir, bp->lang, &b->detections, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return error_set(err, "buildpack '%s' (from %s): this is not a %s app (slugc's "
					 "%s step found nothing to build); remove it from the list",
					 bp->shown, b->bps.origin, bp->lang, bp->lang);
		bp->detection = (long)b->detections.nr - 1;
		bp->description = detection_description(&b->detections.v[bp->detection]);
	}
	return 0;
}

int detect_run(struct build *b, struct error *err)
{
	size_t i;
	int r;

	if (build_load_config(b, err) < 0)
		return -1;
	r = buildpack_list_read(&b->bps, b->opt.buildpacks, &b->config, b->app_dir, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return detect_list(b, err);
	if (detect_languages(b->app_dir, &b->detections, err) < 0)
		return -1;
	for (i = 0; i < b->detections.nr; i++) {
		const struct detection *d = &b->detections.v[i];
		char *desc = detection_description(d);

		show(d, desc);
		/* Detected, but the buildpack would refuse to build it (its compile fails early). */
		if (detection_fact(d, "refuse"))
			return error_set(err, "%s", detection_fact(d, "refuse"));
		strvec_push(&b->buildpacks, d->detector->name);
		/* Heroku shows the last buildpack's description: the app's primary language. */
		free(b->buildpack_description);
		b->buildpack_description = desc;
	}
	return 0;
}
