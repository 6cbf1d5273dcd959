#ifndef SLUGC_XALLOC_H
#define SLUGC_XALLOC_H

#include <stddef.h>

/*
 * Allocation that never returns NULL: running out of memory is not an error a
 * user can fix, so these print one line and abort instead of returning.
 */

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh allocation. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of *alloc elements of elsize bytes) so that it holds at least need. */
void *xgrow(void *arr, size_t elsize, size_t need, size_t *alloc);
#define ALLOC_GROW(arr, need, alloc) ((arr) = xgrow((arr), sizeof(*(arr)), (need), &(alloc)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
