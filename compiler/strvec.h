#ifndef SLUGC_STRVEC_H
#define SLUGC_STRVEC_H

#include <stddef.h>

/* A NULL-terminated array of owned strings, for argv and envp. */
struct strvec {
	char **v;
	size_t nr;
	size_t alloc;
};

extern char *strvec_empty[];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_clear(struct strvec *sv);
const char *strvec_push(struct strvec *sv, const char *s);
const char *strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strvec_pushv(struct strvec *sv, const char *const *v);
/* Index of the first element equal to s, or -1. */
long strvec_find(const struct strvec *sv, const char *s);
/* Sort bytewise. */
void strvec_sort(struct strvec *sv);

#endif
