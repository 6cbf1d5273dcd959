/*
 * The detect stage: which languages the app is, in build order, with their
 * version requirements and default process types (detectors/).
 */
#include <stdlib.h>
#include <string.h>

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
			out_info("requires %s %s (from %s)", d->detector->display,
				 detect_shown_requirement(d), d->requirement_source);
		if (d->package_manager)
			out_info("package manager: %s", d->package_manager);
		for (j = 0; j < d->notes.nr; j++)
			out_warn("%s", d->notes.v[j]);
		strvec_push(&b->buildpacks, d->detector->name);
		/* Heroku shows the last buildpack's description: the app's primary language. */
		free(b->buildpack_description);
		b->buildpack_description = desc;
	}
	return 0;
}
