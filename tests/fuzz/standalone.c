/*
 * Replay driver: runs a fuzz target's LLVMFuzzerTestOneInput() on every file
 * named on the command line (directories are read one level deep). This is
 * how the seed corpora and the inputs of past crashes run in every build,
 * sanitizers or not, without libFuzzer.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "xalloc.h"

static int replay(const char *path)
{
	struct buf b = BUF_INIT;
	struct error err = ERROR_INIT;

	if (buf_read_file(&b, path, 0, &err) < 0) {
		fprintf(stderr, "replay: %s\n", err.msg);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)b.ptr, b.len);
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay(argv[i]) < 0)
				return 1;
			n++;
			continue;
		}
		if (!(d = opendir(argv[i])))
			return 1;
		while ((de = readdir(d))) {
			char *p;

			if (de->d_name[0] == '.')
				continue;
			p = xstrfmt("%s/%s", argv[i], de->d_name);
			if (replay(p) < 0) {
				free(p);
				closedir(d);
				return 1;
			}
			free(p);
			n++;
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", n);
	return 0;
}
