#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "xalloc.h"

struct regex {
	pcre2_code *code;
	char *pattern;
	int flags;
	struct regex *next; /* in the static cache */
};

static struct regex *cache;

/* Generous for real inputs, small enough that a hostile line cannot hang us. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000

static uint32_t pcre_options(int flags)
{
	/* Text is UTF-8, but a hostile byte must not make a match fail or crash. */
	uint32_t o = (flags & REGEX_BYTES) ? 0 : PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;

	if (flags & REGEX_CASELESS)
		o |= PCRE2_CASELESS;
	if (flags & REGEX_MULTILINE)
		o |= PCRE2_MULTILINE;
	return o;
}

static pcre2_code *compile(const char *pattern, int flags, char *msg, size_t msglen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, pcre_options(flags), &code,
			   &off, NULL);
	if (!re) {
		PCRE2_UCHAR text[256];

		pcre2_get_error_message(code, text, sizeof(text));
		snprintf(msg, msglen, "%s at offset %zu", (const char *)text, (size_t)off);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* best effort */
	return re;
}

const struct regex *regex_static(const char *pattern, int flags)
{
	struct regex *re;
	char msg[320];

	for (re = cache; re; re = re->next)
		if (re->flags == flags && !strcmp(re->pattern, pattern))
			return re;
	re = xcalloc(1, sizeof(*re));
	re->code = compile(pattern, flags, msg, sizeof(msg));
	if (!re->code) {
		fprintf(stderr, "slugc: BUG: bad built-in pattern '%s': %s\n", pattern, msg);
		abort();
	}
	re->pattern = xstrdup(pattern);
	re->flags = flags;
	re->next = cache;
	cache = re;
	return re;
}

struct regex *regex_compile(const char *pattern, int flags, struct error *err)
{
	struct regex *re = xcalloc(1, sizeof(*re));
	char msg[320];

	re->code = compile(pattern, flags, msg, sizeof(msg));
	if (!re->code) {
		free(re);
		error_set(err, "invalid pattern: %s", msg);
		return NULL;
	}
	re->pattern = xstrdup(pattern);
	re->flags = flags;
	return re;
}

void regex_free(struct regex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	free(re->pattern);
	free(re);
}

int regex_match(const struct regex *re, const char *subject, size_t len, struct regex_match *m,
		struct error *err)
{
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int rc, i;

	md = pcre2_match_data_create_from_pattern(re->code, NULL);
	mc = pcre2_match_context_create(NULL);
	if (!md || !mc)
		abort();
	pcre2_set_match_limit(mc, MATCH_LIMIT);
	pcre2_set_depth_limit(mc, DEPTH_LIMIT);
	rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, mc);
	if (m)
		m->groups = 0;
	if (rc > 0 && m) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

		m->groups = rc < REGEX_MAX_GROUPS ? rc : REGEX_MAX_GROUPS;
		for (i = 0; i < m->groups; i++) {
			if (ov[2 * i] == PCRE2_UNSET) {
				m->start[i] = m->end[i] = 0;
			} else {
				m->start[i] = ov[2 * i];
				m->end[i] = ov[2 * i + 1];
			}
		}
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return error_set(err, "pattern matching gave up (input too complex)");
}

void regex_cleanup(void)
{
	while (cache) {
		struct regex *next = cache->next;

		pcre2_code_free(cache->code);
		free(cache->pattern);
		free(cache);
		cache = next;
	}
}
