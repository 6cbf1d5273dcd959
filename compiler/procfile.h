#ifndef SLUGC_PROCFILE_H
#define SLUGC_PROCFILE_H

#include <stddef.h>

struct error;

/*
 * Process types: an ordered list of (name, command), from a Procfile or from
 * a detector's defaults. Owned strings; release with procfile_release().
 */
struct proc_type {
	char *name;
	char *command;
	unsigned line; /* 1-based line in the Procfile; 0 for a default */
};

struct procfile {
	struct proc_type *v;
	size_t nr, alloc;
};
#define PROCFILE_INIT { NULL, 0, 0 }

/*
 * Parse Procfile text: "name: command" per line; blank lines and lines
 * starting with '#' are skipped; CRLF and a UTF-8 BOM are accepted. A
 * malformed line, a bad or duplicate name, an empty command, or a file with
 * no process type at all is an error naming `shown` and the line number.
 */
int procfile_parse(struct procfile *pf, const char *text, size_t len, const char *shown,
		   struct error *err);
/* Read and parse a file (at most PROCFILE_MAX_BYTES). */
int procfile_load(struct procfile *pf, const char *path, const char *shown, struct error *err);
#define PROCFILE_MAX_BYTES (1024 * 1024)

void procfile_release(struct procfile *pf);
const struct proc_type *procfile_get(const struct procfile *pf, const char *name);
/* Add a type, or replace the command of an existing one. */
void procfile_set(struct procfile *pf, const char *name, const char *command, unsigned line);

/* Check every name against the Platform API's rule ^[-\w]{1,128}$. */
int procfile_check_api(const struct procfile *pf, struct error *err);

/* Names joined with ", " into a fresh string ("web, worker"). */
char *procfile_names(const struct procfile *pf);

#endif
