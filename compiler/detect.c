/*
 * The detect stage: which languages the app is, in build order, with their
 * version requirements and default process types (detectors/).
 */
#include <stdlib.h>

#include "build.h"
#include "detectors.h"
#include "error.h"
#include "output.h"
#include "xalloc.h"

int detect_run(struct build *b, struct error *err)
{
	size_t i, j;

	if (detect_languages(b->app_dir, &b->detections, err) < 0)
		return -1;
	for (i = 0; i < b->detections.nr; i++) {
		const struct detection *d = &b->detections.v[i];
		char *desc = detection_description(d);

		out_step("%s app detected", desc);
		if (d->requirement)
			out_info("requires %s %s (from %s)", d->detector->display, d->requirement,
				 d->requirement_source);
		if (d->package_manager)
			out_info("package manager: %s", d->package_manager);
		for (j = 0; j < d->notes.nr; j++)
			out_warn("%s", d->notes.v[j]);
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
