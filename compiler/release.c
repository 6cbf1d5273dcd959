/*
 * The release stage: decide the slug's process types. The Procfile wins
 * over any default a detector offers (Heroku's rule), and every name is
 * checked against the Platform API before anything could be uploaded.
 */
#include <stdlib.h>

#include "build.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"

int release_run(struct build *b, struct error *err)
{
	char *path = path_join(b->app_dir, "Procfile");
	char *names = NULL;
	int ret = -1;

	out_step("Discovering process types");
	if (!fs_exists(path)) {
		error_set(err, "no Procfile in '%s'; add one with a line like 'web: node web.js'",
			  b->opt.source);
		goto out;
	}
	if (procfile_load(&b->process_types, path, "Procfile", err) < 0 ||
	    procfile_check_api(&b->process_types, err) < 0)
		goto out;
	names = procfile_names(&b->process_types);
	out_info("Procfile declares types -> %s", names);
	ret = 0;
out:
	free(names);
	free(path);
	return ret;
}
