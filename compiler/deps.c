/*
 * The build stage: each language's dependency step (npm ci and the build
 * scripts, go install, bundle install), in build order, with the runtimes
 * installed by the runtimes stage first on PATH. Steps are child
 * processes (child.h): their output is shown indented, and a failing step
 * fails the build with its exit status and last lines.
 */
#include <string.h>

#include "build.h"
#include "error.h"
#include "output.h"

int deps_language(struct build *b, size_t i, struct error *err)
{
	const struct resolved *r = &b->runtimes[i];

	if (!r->runtime)
		return 0;
	b->be.detection = &b->detections.v[i];
	if (r->runtime->build(&b->be, r, err) < 0)
		return error_prefix(err, "the %s build failed", r->runtime->display);
	return 0;
}

int deps_run(struct build *b, struct error *err)
{
	size_t i;

	if (!b->runtimes)
		return 0;
	for (i = 0; i < b->detections.nr; i++)
		if (deps_language(b, i, err) < 0)
			return -1;
	return 0;
}
