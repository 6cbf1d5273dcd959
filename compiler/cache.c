#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "path.h"
#include "sig.h"
#include "xalloc.h"

int cache_dir(const char *opt, const char *sub, char **out, struct error *err)
{
	const char *env = getenv("SLUGC_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *dir;

	if (opt && *opt)
		dir = xstrdup(opt);
	else if (env && *env)
		dir = xstrdup(env);
	else if (xdg && *xdg)
		dir = xstrfmt("%s/slugc", xdg);
	else if (home && *home)
		dir = xstrfmt("%s/.cache/slugc", home);
	else
		return error_set(err, "no cache directory: set --cache-dir, SLUGC_CACHE_DIR or HOME");
	if (sub) {
		char *full = path_join(dir, sub);

		free(dir);
		dir = full;
	}
	if (fs_mkdir_p(dir, 0700, err) < 0) {
		free(dir);
		return error_prefix(err, "cache directory");
	}
	if (access(dir, W_OK) < 0) {
		error_errno(err, "cache directory '%s' is not writable (use --cache-dir)", dir);
		free(dir);
		return -1;
	}
	*out = dir;
	return 0;
}

int cache_lock(struct cache_lock *l, const char *path, int exclusive, struct error *err)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0)
		return error_errno(err, "cannot open lock file '%s'", path);
	/* Poll rather than block, so an interrupt is noticed while another build holds the lock. */
	while (flock(l->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			error_errno(err, "cannot lock '%s'", path);
			cache_unlock(l);
			return -1;
		}
		if (sig_check(err) < 0) {
			cache_unlock(l);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

int cache_lock_share(struct cache_lock *l, struct error *err)
{
	if (flock(l->fd, LOCK_SH) < 0)
		return error_errno(err, "cannot downgrade a cache lock");
	return 0;
}

void cache_unlock(struct cache_lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
