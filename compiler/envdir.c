#include "envdir.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "error.h"
#include "output.h"
#include "path.h"
#include "strvec.h"
#include "xalloc.h"

#define VALUE_MAX (256 * 1024)

static const char *const refused[] = {
	"PATH", "GIT_DIR", "CPATH", "CPPATH", "LD_PRELOAD", "LIBRARY_PATH", NULL,
};

static const char *const secret_words[] = {
	"KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "AUTH", NULL,
};

static int valid_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int looks_secret(const char *name)
{
	size_t i;

	for (i = 0; secret_words[i]; i++)
		if (strcasestr(name, secret_words[i]))
			return 1;
	return 0;
}

int envdir_load(const char *dir, struct strvec *vars, struct error *err)
{
	struct strvec names = STRVEC_INIT;
	struct buf value = BUF_INIT;
	struct dirent *de;
	struct stat st;
	size_t i, j;
	int ret = -1;
	DIR *d;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return error_set(err, "--env-dir '%s' is not a directory", dir);
	d = opendir(dir);
	if (!d)
		return error_errno(err, "cannot read --env-dir '%s'", dir);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strvec_push(&names, de->d_name);
	closedir(d);
	strvec_sort(&names);

	for (i = 0; i < names.nr; i++) {
		const char *name = names.v[i];
		char *path;
		int skip = 0;

		if (!valid_name(name)) {
			out_warn("--env-dir: '%s' is not a variable name; skipped", name);
			continue;
		}
		for (j = 0; refused[j]; j++)
			skip |= !strcmp(name, refused[j]);
		if (skip) {
			out_warn("--env-dir: %s is not passed to the build (as on Heroku); skipped", name);
			continue;
		}
		path = path_join(dir, name);
		buf_reset(&value);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (buf_read_file(&value, path, VALUE_MAX, err) < 0) {
			free(path);
			goto out;
		}
		free(path);
		while (value.len && (value.ptr[value.len - 1] == '\n' || value.ptr[value.len - 1] == '\r'))
			buf_setlen(&value, value.len - 1);
		if (memchr(value.ptr, '\0', value.len)) {
			error_set(err, "--env-dir: %s holds a NUL byte", name);
			goto out;
		}
		/* Every value's URL credentials; the whole value of a secret-looking name. */
		out_add_url_secrets(value.ptr);
		if (looks_secret(name)) {
			if (!out_secret_redactable(value.ptr))
				out_warn("--env-dir: %s is shorter than 4 characters, too short to be "
					 "redacted from the output", name);
			out_add_secret(value.ptr);
		}
		strvec_pushf(vars, "%s=%s", name, value.ptr);
	}
	ret = 0;
out:
	strvec_clear(&names);
	buf_release(&value);
	return ret;
}

int envdir_add(const char *assignment, struct strvec *vars, struct error *err)
{
	const char *eq = strchr(assignment, '=');
	char *name;
	size_t j;
	int refuse = 0;

	if (!eq || eq == assignment)
		return error_setk(err, ERROR_USAGE, "--env expects NAME=VALUE, not '%s'",
				  eq ? "=..." : assignment);
	name = xstrndup(assignment, (size_t)(eq - assignment));
	if (!valid_name(name)) {
		error_setk(err, ERROR_USAGE, "--env: '%s' is not a variable name", name);
		free(name);
		return -1;
	}
	for (j = 0; refused[j]; j++)
		refuse |= !strcmp(name, refused[j]);
	if (refuse) {
		error_setk(err, ERROR_USAGE, "--env: %s is not passed to the build (as on Heroku)", name);
		free(name);
		return -1;
	}
	if (looks_secret(name))
		out_add_secret(eq + 1);
	free(name);
	strvec_push(vars, assignment);
	return 0;
}

void envdir_merge(struct strvec *vars, const char *assignment)
{
	size_t n = (size_t)(strchr(assignment, '=') - assignment) + 1, i;

	for (i = 0; i < vars->nr; i++)
		if (!strncmp(vars->v[i], assignment, n)) {
			free(vars->v[i]);
			vars->v[i] = xstrdup(assignment);
			return;
		}
	strvec_push(vars, assignment);
}
