/*
 * The release stage: decide the slug's process types. The detectors'
 * defaults come first, in build order (a later language's type replaces an
 * earlier one of the same name); the Procfile wins over all of them, as on
 * Heroku. Every name is checked against the Platform API before anything
 * could be uploaded.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "build.h"
#include "child.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "path.h"
#include "xalloc.h"

/* Shell single quotes around s. */
static void add_sh_quoted(struct buf *out, const char *s)
{
	buf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addstr(out, "'\\''");
		else
			buf_addch(out, *s);
	}
	buf_addch(out, '\'');
}

/*
 * With a buildpack list, as on Heroku: the last buildpack gives the default
 * process types (earlier ones' are ignored); every bin/release's config_vars
 * are merged in order, a later one winning. They become defaults at dyno
 * boot (.profile.d: exported only when unset): a config var the app
 * sets wins, as Heroku only adds the ones the app does not have.
 */
static int list_release(struct build *b, struct error *err)
{
	const struct buildpack *last = &b->bps.v[b->bps.nr - 1];
	struct buf sh = BUF_INIT;
	size_t i, j;
	int ret = 0;

	if (last->kind == BUILDPACK_NATIVE) {
		const struct procfile *d = &b->detections.v[last->detection].defaults;

		for (j = 0; j < d->nr; j++)
			procfile_set(&b->process_types, d->v[j].name, d->v[j].command, 0);
	} else {
		for (j = 0; j < last->release.types.nr; j++)
			procfile_set(&b->process_types, last->release.types.v[j].name,
				     last->release.types.v[j].command, 0);
	}
	for (i = 0; i < b->bps.nr; i++) {
		const struct buildpack_release *r = &b->bps.v[i].release;

		for (j = 0; j < r->config_vars.nr; j++) {
			const char *eq = strchr(r->config_vars.v[j], '=');
			char *name = xstrndup(r->config_vars.v[j], (size_t)(eq - r->config_vars.v[j]));

			env_set(&b->config_vars, name, eq + 1);
			free(name);
		}
		for (j = 0; j < r->addons.nr; j++)
			if (strvec_find(&b->addons, r->addons.v[j]) < 0)
				strvec_push(&b->addons, r->addons.v[j]);
	}
	for (i = 0; i < b->addons.nr; i++)
		out_warn("a buildpack asks for the add-on '%s'; slugc does not provision add-ons "
			 "(it is recorded in the manifest)", b->addons.v[i]);
	if (!b->config_vars.nr)
		return 0;
	buf_addstr(&sh, "# Config vars from the buildpacks' bin/release (slugc): defaults only.\n");
	for (i = 0; i < b->config_vars.nr; i++) {
		const char *eq = strchr(b->config_vars.v[i], '=');

		int n = (int)(eq - b->config_vars.v[i]);

		buf_addf(&sh, "[ -n \"${%.*s+set}\" ] || export %.*s=", n, b->config_vars.v[i], n,
			 b->config_vars.v[i]);
		add_sh_quoted(&sh, eq + 1);
		buf_addch(&sh, '\n');
	}
	out_info("Default config vars         -> %zu, in .profile.d/000-buildpack-config-vars.sh",
		 b->config_vars.nr);
	ret = runtime_write_profile(b->app_dir, "000-buildpack-config-vars.sh", sh.ptr, err);
	buf_release(&sh);
	return ret;
}

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
	if (b->bps.nr) {
		if (list_release(b, err) < 0)
			goto out;
	} else {
		for (i = 0; i < b->detections.nr; i++) {
			const char *when = detection_fact(&b->detections.v[i], "defaults");

			/* Go's are a Procfile its buildpack writes only when the app has none. */
			if (has_procfile && when && !strcmp(when, "without-procfile"))
				continue;
			for (j = 0; j < b->detections.v[i].defaults.nr; j++)
				procfile_set(&b->process_types, b->detections.v[i].defaults.v[j].name,
					     b->detections.v[i].defaults.v[j].command, 0);
		}
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
