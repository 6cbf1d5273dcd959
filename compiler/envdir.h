#ifndef SLUGC_ENVDIR_H
#define SLUGC_ENVDIR_H

struct error;
struct strvec;

/*
 * Config vars from an env dir (Heroku's ENV_DIR convention for
 * bin/compile): one file per variable, the file name the variable's name,
 * its contents the value (trailing newlines dropped, as the buildpacks'
 * $(cat ...) does). Appends "NAME=value" to vars in name order. Names that
 * are not environment variable names are skipped with a warning; so are
 * the ones Heroku's buildpacks refuse to export (PATH, GIT_DIR, CPATH,
 * CPPATH, LD_PRELOAD, LIBRARY_PATH). Values of variables whose names say
 * they are secret (KEY, SECRET, TOKEN, PASSWORD, ...) are registered with
 * the output funnel, so build output cannot show them.
 */
int envdir_load(const char *dir, struct strvec *vars, struct error *err);

#endif
