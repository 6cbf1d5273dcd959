/*
 * The release stage: decide the slug's process types. The detectors'
 * defaults come first, in build order (a later language's type replaces an
 * earlier one of the same name); the Procfile wins over all of them, as on
 * Heroku. Every name is checked against the Platform API before anything
 * could be uploaded.
 */
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"

int release_run(struct build *b, struct error *err)
{
	struct procfile procfile = PROCFILE_INIT;
	char *path = path_join(b->app_dir, "Procfile");
	char *names;
	size_t i, j;
	int ret = -1, has_procfile;

	out_step("Discovering process types");
	has_procfile = fs_exists(path);
	if (has_procfile) {
		if (procfile_load(&procfile, path, "Procfile", err) < 0)
			goto out;
		names = procfile_names(&procfile);
		out_info("Procfile declares types     -> %s", names);
		free(names);
	}
	for (i = 0; i < b->detections.nr; i++) {
		const char *when = detection_fact(&b->detections.v[i], "defaults");

		/* Go's are a Procfile its buildpack writes only when the app has none. */
		if (has_procfile && when && !strcmp(when, "without-procfile"))
			continue;
		for (j = 0; j < b->detections.v[i].defaults.nr; j++)
			procfile_set(&b->process_types, b->detections.v[i].defaults.v[j].name,
				     b->detections.v[i].defaults.v[j].command, 0);
	}
	if (b->process_types.nr) {
		names = procfile_names(&b->process_types);
		out_info("Default types for buildpack -> %s", names);
		free(names);
	}
	for (i = 0; i < procfile.nr; i++)
		procfile_set(&b->process_types, procfile.v[i].name, procfile.v[i].command,
			     procfile.v[i].line);
	if (!b->process_types.nr) {
		error_set(err, "no Procfile in '%s' and no default process type for %s; add a "
			  "Procfile with a line like 'web: <command that starts the app>'",
			  b->opt.source, b->buildpack_description ? b->buildpack_description : "this app");
		goto out;
	}
	if (!procfile.nr)
		out_warn("no Procfile; the slug uses the default process types above");
	ret = procfile_check_api(&b->process_types, err);
out:
	procfile_release(&procfile);
	free(path);
	return ret;
}
