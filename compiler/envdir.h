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

/*
 * One config var from the command line (--env NAME=value), checked as
 * envdir_load() checks a file, except that a bad or refused name is an
 * error (it was typed, not found). Appends "NAME=value" to vars; a secret
 * value is registered with the output funnel as above.
 */
int envdir_add(const char *assignment, struct strvec *vars, struct error *err);

/* Set NAME=value in vars (from envdir_add), replacing an earlier NAME: --env over --env-dir. */
void envdir_merge(struct strvec *vars, const char *assignment);

#endif
