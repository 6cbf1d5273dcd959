/*
 * node-semver v7 in C: versions, ranges, maxSatisfying.
 *
 * node-semver does not parse a range with a grammar. Its Range class runs
 * the text through a pipeline of regular-expression rewrites (hyphen ranges,
 * operator whitespace, "~ "/"^ ", then per word carets, tildes, x-ranges and
 * stars) and only then parses what is left as plain comparators. Many of its
 * documented and undocumented behaviours ("1.2.3*" is "1.2.3", "==1.x" is
 * valid but "==1.2.3" is not, "=1.2.3 - 2" is invalid) fall out of the order
 * of those rewrites, so this file mirrors the pipeline step by step: each
 * static function below is named after the node-semver function or regular
 * expression it reproduces (classes/range.js, internal/re.js, the bounded
 * "safeRe" variants, internal/trim-comparator-whitespace.js) and works on
 * strings the same way. Hand-written matchers replace the regular
 * expressions; the comment on each gives the pattern.
 *
 * Invariants:
 *  1. After range_normalize() the only whitespace byte in a range is ' ':
 *     every run of JavaScript whitespace (\s, Unicode spaces included) has
 *     become one space, as `range.trim().replace(/\s+/g, ' ')` does. Later
 *     steps therefore test for ' ' only.
 *  2. Strings in the pipeline are NUL-terminated and contain no NUL, so a
 *     matcher may look at s[i] for any i up to the terminator: the
 *     terminator matches no character class and ends every scan.
 *  3. A range is at most SEMVER_RANGE_MAX_LENGTH bytes. Every step is one
 *     left-to-right pass whose lookahead is bounded by the safeRe limits
 *     (256/250), and a word is expanded at most once by a constant factor
 *     ("1" → ">=1.0.0 <2.0.0-0"), so hostile input costs linear time.
 */
#include "semver.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "strvec.h"
#include "xalloc.h"

/* node-semver's regular expressions bound their repetitions (internal/re.js makeSafeRegex). */
#define SAFE_DIGITS 256     /* \d* → \d{0,256}, \d+ → \d{1,256} */
#define SAFE_IDENT 250      /* [a-zA-Z0-9-]* → {0,250}, + → {1,250} */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* [a-zA-Z0-9-]: a prerelease or build identifier character. */
static int is_ident(int c)
{
	return is_digit(c) || is_letter(c) || c == '-';
}

/*
 * The JavaScript whitespace character (String.prototype.trim, \s) that
 * starts at s, as UTF-8: its length in bytes, or 0.
 */
static size_t js_space(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	switch (s[0]) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
		return 1;
	case 0xc2: /* U+00A0 */
		return s[1] == 0xa0 ? 2 : 0;
	case 0xe1: /* U+1680 */
		return s[1] == 0x9a && s[2] == 0x80 ? 3 : 0;
	case 0xe2: /* U+2000..200A, U+2028, U+2029, U+202F, U+205F */
		if (s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
				     s[2] == 0xaf))
			return 3;
		return s[1] == 0x81 && s[2] == 0x9f ? 3 : 0;
	case 0xe3: /* U+3000 */
		return s[1] == 0x80 && s[2] == 0x80 ? 3 : 0;
	case 0xef: /* U+FEFF */
		return s[1] == 0xbb && s[2] == 0xbf ? 3 : 0;
	}
	return 0;
}

/* JavaScript's trim(): the bounds [*start, *end) of s without surrounding whitespace. */
static void js_trim(const char *s, size_t *start, size_t *end)
{
	size_t i = 0, n, last = 0;

	while ((n = js_space(s + i)) > 0)
		i += n;
	*start = i;
	last = i;
	while (s[i]) {
		n = js_space(s + i);
		if (n) {
			i += n;
		} else {
			i++;
			last = i;
		}
	}
	*end = last;
}

/* A string's length as JavaScript counts it: UTF-16 code units. */
static size_t js_length(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;

	for (; *u; u++) {
		if ((*u & 0xc0) != 0x80)
			n++;
		if (*u >= 0xf0)
			n++; /* outside the BMP: a surrogate pair */
	}
	return n;
}

/* The value of a run of decimal digits, saturating at UINT64_MAX. */
static uint64_t digits_value(const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return UINT64_MAX;
		v = v * 10 + d;
	}
	return v;
}

/* ---- versions ------------------------------------------------------------ */

void semver_release(struct semver *v)
{
	size_t i;

	for (i = 0; i < v->npre; i++)
		free(v->pre[i]);
	free(v->pre);
	free(v->build);
	free(v->raw);
	memset(v, 0, sizeof(*v));
}

/* A span of the string being parsed. */
struct span {
	size_t start, end;
};

/* The parts of a version found by the matchers, before conversion. */
struct version_parts {
	struct span num[3];
	struct span pre;   /* without the '-'; empty when absent */
	struct span build; /* without the '+'; empty when absent */
	int has_pre, has_build;
};

/*
 * A strict prerelease identifier that is a whole run s[i..end) of
 * identifier characters:
 * \d{0,256}[a-zA-Z-][a-zA-Z0-9-]{0,250} | 0 | [1-9]\d{0,256}.
 * Every caller needs the run to end in '.', '+', ' ' or the end of the
 * string, so an identifier the pattern covers only partly is no match.
 */
static int strict_prerelease_id(const char *s, size_t i, size_t end)
{
	size_t lead = i;

	if (end == i)
		return 0;
	while (lead < end && is_digit(s[lead]))
		lead++;
	if (lead < end)
		return lead - i <= SAFE_DIGITS && end - lead - 1 <= SAFE_IDENT;
	if (s[i] == '0')
		return end - i == 1;
	return end - i <= SAFE_DIGITS + 1;
}

static size_t ident_run(const char *s, size_t i)
{
	while (is_ident(s[i]))
		i++;
	return i;
}

/*
 * Strict prerelease "(?:-(ID(?:\.ID)*))" at s[i]: the end of the match, or i.
 * *pre is the span after the '-'.
 */
static size_t scan_prerelease(const char *s, size_t i, struct span *pre)
{
	size_t j, e;

	if (s[i] != '-')
		return i;
	j = i + 1;
	e = ident_run(s, j);
	if (!strict_prerelease_id(s, j, e))
		return i;
	for (;;) {
		size_t k = e + 1, f;

		if (s[e] != '.')
			break;
		f = ident_run(s, k);
		if (!strict_prerelease_id(s, k, f))
			break;
		e = f;
	}
	pre->start = j;
	pre->end = e;
	return e;
}

/* Build metadata "(?:\+([a-zA-Z0-9-]{1,250}(?:\.[a-zA-Z0-9-]{1,250})*))" at s[i]: the end, or i. */
static size_t scan_build(const char *s, size_t i, struct span *build)
{
	size_t e;

	if (s[i] != '+')
		return i;
	e = ident_run(s, i + 1);
	if (e == i + 1 || e - i - 1 > SAFE_IDENT)
		return i;
	for (;;) {
		size_t f;

		if (s[e] != '.')
			break;
		f = ident_run(s, e + 1);
		if (f == e + 1 || f - e - 1 > SAFE_IDENT)
			break;
		e = f;
	}
	build->start = i + 1;
	build->end = e;
	return e;
}

/* A strict numeric identifier "0|[1-9]\d{0,256}" at s[i]: the end, or i. */
static size_t scan_number(const char *s, size_t i)
{
	size_t e = i + 1;

	if (s[i] == '0')
		return e;
	if (s[i] < '1' || s[i] > '9')
		return i;
	while (is_digit(s[e]) && e - i <= SAFE_DIGITS)
		e++;
	return e;
}

/* FULL: ^v?N\.N\.N PRERELEASE? BUILD?$ over s[i..end). */
static int match_full(const char *s, size_t i, size_t end, struct version_parts *p)
{
	int k;

	memset(p, 0, sizeof(*p));
	if (s[i] == 'v')
		i++;
	for (k = 0; k < 3; k++) {
		size_t e;

		if (k > 0) {
			if (s[i] != '.')
				return 0;
			i++;
		}
		e = scan_number(s, i);
		if (e == i)
			return 0;
		p->num[k].start = i;
		p->num[k].end = e;
		i = e;
	}
	if (s[i] == '-') {
		size_t e = scan_prerelease(s, i, &p->pre);

		if (e == i)
			return 0;
		p->has_pre = 1;
		i = e;
	}
	if (s[i] == '+') {
		size_t e = scan_build(s, i, &p->build);

		if (e == i)
			return 0;
		p->has_build = 1;
		i = e;
	}
	return i == end;
}

/* Loose "(?:\.ID)*" identifiers from s[i], each any run of identifier characters: the end, or i. */
static size_t scan_loose_ids(const char *s, size_t i)
{
	size_t e = ident_run(s, i);

	if (e == i)
		return i;
	while (s[e] == '.' && is_ident(s[e + 1]))
		e = ident_run(s, e + 1);
	return e;
}

/* After a loose version's patch: "(?:-?(IDS))?(?:\+BUILD)?$" from s[i] to end. */
static int match_loose_tail(const char *s, size_t i, size_t end, struct version_parts *p)
{
	struct span build = { 0, 0 };
	size_t e, b;
	int attempt;

	/*
	 * The regex tries, in order: the '-' taken by "-?" and identifiers
	 * after it; the identifiers starting right here (a '-' is itself an
	 * identifier character: "1.2.3-" is prerelease "-"); no prerelease.
	 */
	for (attempt = 0; attempt < 3; attempt++) {
		size_t from = i;

		if (attempt == 0) {
			if (s[i] != '-')
				continue;
			from = i + 1;
		}
		if (attempt < 2) {
			e = scan_loose_ids(s, from);
			if (e == from)
				continue;
		} else {
			e = i;
		}
		b = scan_build(s, e, &build);
		if (b != end)
			continue;
		p->has_pre = attempt < 2;
		p->pre.start = from;
		p->pre.end = e;
		p->has_build = b > e;
		p->build = build;
		return 1;
	}
	return 0;
}

/* LOOSE: ^[v=\s]*\d+\.\d+\.\d+ PRERELEASELOOSE? BUILD?$ over s[i..end). */
static int match_loose(const char *s, size_t i, size_t end, struct version_parts *p)
{
	size_t n, e;
	int k;

	memset(p, 0, sizeof(*p));
	for (;;) {
		if (s[i] == 'v' || s[i] == '=')
			i++;
		else if ((n = js_space(s + i)) > 0 && i + n <= end)
			i += n;
		else
			break;
	}
	for (k = 0; k < 3; k++) {
		if (k > 0) {
			if (s[i] != '.')
				return 0;
			i++;
		}
		e = i;
		while (is_digit(s[e]))
			e++;
		if (e == i || e - i > SAFE_DIGITS)
			return 0;
		p->num[k].start = i;
		p->num[k].end = e;
		i = e;
	}
	/*
	 * The patch's \d+ gives digits back when the rest fails:
	 * "1.2.34.5" is 1.2.3 with prerelease "4.5".
	 */
	for (e = p->num[2].end; e > p->num[2].start; e--) {
		p->num[2].end = e;
		if (match_loose_tail(s, e, end, p))
			return 1;
	}
	return 0;
}

/* A prerelease identifier as node-semver stores it: numbers below MAX_SAFE_INTEGER lose leading zeros. */
static char *prerelease_id(const char *s, size_t n)
{
	size_t i;
	uint64_t v;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return xstrndup(s, n);
	v = digits_value(s, n);
	if (v >= SEMVER_MAX_SAFE_INTEGER)
		return xstrndup(s, n);
	return xstrfmt("%llu", (unsigned long long)v);
}

static void quote(struct buf *b, const char *s)
{
	buf_add_quoted(b, s, strlen(s), 120);
}

/* Match s as a version, without allocating: NULL, or why s is not a version. */
static const char *version_match(const char *s, int loose, struct version_parts *p, uint64_t num[3])
{
	static const char *const too_large[] = {
		"major version is larger than 9007199254740991",
		"minor version is larger than 9007199254740991",
		"patch version is larger than 9007199254740991",
	};
	size_t start, end;
	int k;

	if (js_length(s) > SEMVER_MAX_LENGTH)
		return "longer than 256 characters";
	js_trim(s, &start, &end);
	if (!(loose ? match_loose(s, start, end, p) : match_full(s, start, end, p)))
		return "not a version";
	for (k = 0; k < 3; k++) {
		num[k] = digits_value(s + p->num[k].start, p->num[k].end - p->num[k].start);
		if (num[k] > SEMVER_MAX_SAFE_INTEGER)
			return too_large[k];
	}
	return NULL;
}

/* Parse s into v (which must be zeroed); NULL, or why s is not a version. */
static const char *version_parse(struct semver *v, const char *s, int loose)
{
	struct version_parts p;
	uint64_t num[3];
	size_t i, from, alloc = 0;
	const char *why = version_match(s, loose, &p, num);

	if (why)
		return why;
	v->major = num[0];
	v->minor = num[1];
	v->patch = num[2];
	if (p.has_pre) {
		for (from = i = p.pre.start; i <= p.pre.end; i++) {
			if (i < p.pre.end && s[i] != '.')
				continue;
			ALLOC_GROW(v->pre, v->npre + 1, alloc);
			v->pre[v->npre++] = prerelease_id(s + from, i - from);
			from = i + 1;
		}
	}
	if (p.has_build)
		v->build = xstrndup(s + p.build.start, p.build.end - p.build.start);
	v->raw = xstrdup(s);
	return NULL;
}

/*
 * A strictly parsed version that owns nothing: pre points into store, raw
 * and build are NULL. semver_max_satisfying() parses every entry of an index
 * for every call, so it avoids the allocations. Strict prerelease
 * identifiers are stored as written (no leading zeros to drop), and take at
 * most SEMVER_MAX_LENGTH bytes.
 */
struct version_view {
	struct semver v;
	char store[SEMVER_MAX_LENGTH + 1];
	char *ids[SEMVER_MAX_LENGTH / 2 + 1];
};

static int view_parse(struct version_view *w, const char *s)
{
	struct version_parts p;
	uint64_t num[3];
	size_t i, n;

	memset(&w->v, 0, sizeof(w->v));
	if (version_match(s, 0, &p, num))
		return -1;
	w->v.major = num[0];
	w->v.minor = num[1];
	w->v.patch = num[2];
	w->v.pre = w->ids;
	if (!p.has_pre)
		return 0;
	n = p.pre.end - p.pre.start;
	memcpy(w->store, s + p.pre.start, n);
	w->store[n] = '\0';
	w->ids[w->v.npre++] = w->store;
	for (i = 0; i < n; i++) {
		if (w->store[i] == '.') {
			w->store[i] = '\0';
			w->ids[w->v.npre++] = w->store + i + 1;
		}
	}
	return 0;
}

int semver_parse(struct semver *v, const char *s, int loose, struct error *err)
{
	struct buf q = BUF_INIT;
	const char *why;

	memset(v, 0, sizeof(*v));
	why = version_parse(v, s, loose);
	if (!why)
		return 0;
	quote(&q, s);
	error_set(err, "invalid version '%s'%s%s", q.ptr, strcmp(why, "not a version") ? ": " : "",
		  strcmp(why, "not a version") ? why : "");
	buf_release(&q);
	return -1;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!is_digit(*s))
			return 0;
	return 1;
}

/*
 * compareIdentifiers (internal/identifiers.js): numeric identifiers compare
 * as JavaScript numbers, so above 2^53 they compare as doubles (rounded),
 * numbers sort before words, words compare by code unit.
 */
static int compare_ids(const char *a, const char *b)
{
	int anum = all_digits(a), bnum = all_digits(b);

	if (anum && bnum) {
		double x = strtod(a, NULL), y = strtod(b, NULL);

		return x == y ? 0 : x < y ? -1 : 1;
	}
	if (anum)
		return -1;
	if (bnum)
		return 1;
	return strcmp(a, b) < 0 ? -1 : 1;
}

static int compare_num(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

int semver_compare(const struct semver *a, const struct semver *b)
{
	size_t i;
	int c;

	if ((c = compare_num(a->major, b->major)) || (c = compare_num(a->minor, b->minor)) ||
	    (c = compare_num(a->patch, b->patch)))
		return c;
	if (a->npre && !b->npre)
		return -1;
	if (!a->npre && b->npre)
		return 1;
	for (i = 0;; i++) {
		if (i == a->npre && i == b->npre)
			return 0;
		if (i == b->npre)
			return 1;
		if (i == a->npre)
			return -1;
		if (strcmp(a->pre[i], b->pre[i]))
			/* comparePre returns here even when the numbers compare equal. */
			return compare_ids(a->pre[i], b->pre[i]);
	}
}

void semver_format(const struct semver *v, struct buf *out)
{
	size_t i;

	buf_addf(out, "%llu.%llu.%llu", (unsigned long long)v->major, (unsigned long long)v->minor,
		 (unsigned long long)v->patch);
	for (i = 0; i < v->npre; i++) {
		buf_addch(out, i ? '.' : '-');
		buf_addstr(out, v->pre[i]);
	}
}

/* ---- ranges: the rewriting pipeline ---------------------------------------- */

enum op { OP_EQ, OP_GT, OP_GTE, OP_LT, OP_LTE };

struct comparator {
	enum op op;
	int any;          /* the empty comparator: every version */
	struct semver v;  /* unused when any */
	char *value;      /* operator and version, as the Comparator's `value`; "" for any */
};

struct comparator_set {
	struct comparator *v;
	size_t nr, alloc;
};

struct semver_range {
	struct comparator_set *sets;
	size_t nr, alloc;
};

/* `range.trim().replace(/\s+/g, ' ')` (invariant 1). */
static void range_normalize(struct buf *out, const char *s)
{
	size_t i = 0, n;
	int pending = 0;

	while ((n = js_space(s + i)) > 0)
		i += n;
	while (s[i]) {
		if ((n = js_space(s + i)) > 0) {
			pending = 1;
			i += n;
			continue;
		}
		if (pending)
			buf_addch(out, ' ');
		pending = 0;
		buf_addch(out, s[i++]);
	}
}

/* `s.split(' ')`. */
static void split_space(struct strvec *out, const char *s)
{
	for (;;) {
		const char *sp = strchr(s, ' ');

		if (!sp) {
			strvec_push(out, s);
			return;
		}
		strvec_pushf(out, "%.*s", (int)(sp - s), s);
		s = sp + 1;
	}
}

/* `s.split(/\s+/)`: leading or trailing whitespace gives an empty first or last word. */
static void split_words(struct strvec *out, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, " ");

		strvec_pushf(out, "%.*s", (int)n, s);
		s += n;
		if (!*s)
			return;
		s += strspn(s, " ");
		if (!*s) {
			strvec_push(out, "");
			return;
		}
	}
}

/* `s.trim()` after invariant 1: the string without surrounding spaces, as a fresh copy. */
static char *trim_spaces(const char *s)
{
	size_t n;

	s += strspn(s, " ");
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	return xstrndup(s, n);
}

/*
 * BUILDSTRIPRE: /\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)/g replaced by ''.
 * Unbounded, unlike the other patterns. It runs on every set before
 * anything else, and no later step can bring a '+' next to an identifier
 * character again, so parseComparator's own BUILD strip never matches and
 * is not reproduced.
 */
static void strip_build(struct buf *out, const char *s)
{
	size_t i = 0;

	while (s[i]) {
		if (s[i] == '+' && is_ident(s[i + 1])) {
			size_t e = ident_run(s, i + 1);

			while (s[e] == '.' && is_ident(s[e + 1]))
				e = ident_run(s, e + 1);
			i = e;
			continue;
		}
		buf_addch(out, s[i++]);
	}
}

/*
 * XRANGEPLAIN: [v=\s]*(XID)(?:\.(XID)(?:\.(XID)(?:PRERELEASE)?BUILD?)?)?
 * with XID = 0|[1-9]\d{0,256}|x|X|\*, matched greedily from s[i]. Every
 * pattern that uses it requires a space or the end of the string after it,
 * where the greedy match is the only one that can succeed; callers check
 * what follows.
 */
struct xrange {
	struct span whole;  /* including the v/=/space prefix */
	struct span part[3];
	int nparts;
	struct span pre;
	int has_pre;
};

static size_t scan_xid(const char *s, size_t i)
{
	if (s[i] == 'x' || s[i] == 'X' || s[i] == '*')
		return i + 1;
	return scan_number(s, i);
}

static int scan_xrange(const char *s, size_t i, struct xrange *x)
{
	struct span build;
	size_t e;

	memset(x, 0, sizeof(*x));
	x->whole.start = i;
	while (s[i] == 'v' || s[i] == '=' || s[i] == ' ')
		i++;
	e = scan_xid(s, i);
	if (e == i)
		return 0;
	x->part[0].start = i;
	x->part[0].end = e;
	x->nparts = 1;
	i = e;
	if (s[i] == '.' && (e = scan_xid(s, i + 1)) > i + 1) {
		x->part[1].start = i + 1;
		x->part[1].end = e;
		x->nparts = 2;
		i = e;
		if (s[i] == '.' && (e = scan_xid(s, i + 1)) > i + 1) {
			x->part[2].start = i + 1;
			x->part[2].end = e;
			x->nparts = 3;
			i = e;
			e = scan_prerelease(s, i, &x->pre);
			x->has_pre = e > i;
			i = scan_build(s, e, &build);
		}
	}
	x->whole.end = i;
	return 1;
}

/* The text of a captured part, or NULL when the group did not participate. */
static char *part(const char *s, const struct xrange *x, int k)
{
	if (k >= x->nparts)
		return NULL;
	return xstrndup(s + x->part[k].start, x->part[k].end - x->part[k].start);
}

/* isX: a missing part, "x", "X" or "*". */
static int is_x(const char *id)
{
	return !id || !*id || !strcmp(id, "x") || !strcmp(id, "X") || !strcmp(id, "*");
}

/*
 * `${+n + 1}` for a number part. Parts above MAX_SAFE_INTEGER - 1 give a
 * result that fails as a comparator later, as it does in JavaScript (where
 * it prints as a rounded number or "1e+21").
 */
static void add_succ(struct buf *b, const char *n)
{
	uint64_t v = digits_value(n, strlen(n));

	if (v == UINT64_MAX)
		buf_addstr(b, "18446744073709551616");
	else
		buf_addf(b, "%llu", (unsigned long long)(v + 1));
}

/* The captures of one XRANGEPLAIN, as strings (NULL when absent). */
struct xparts {
	char *M, *m, *p, *pr;
};

static void xparts_get(struct xparts *xp, const char *s, const struct xrange *x)
{
	xp->M = part(s, x, 0);
	xp->m = part(s, x, 1);
	xp->p = part(s, x, 2);
	xp->pr = x->has_pre ? xstrndup(s + x->pre.start, x->pre.end - x->pre.start) : NULL;
}

static void xparts_release(struct xparts *xp)
{
	free(xp->M);
	free(xp->m);
	free(xp->p);
	free(xp->pr);
}

/*
 * HYPHENRANGE: ^\s{0,1}(XRANGEPLAIN)\s{1}-\s{1}(XRANGEPLAIN)\s{0,1}$ and
 * hyphenReplace: "1.2 - 3.4.5" → ">=1.2.0 <=3.4.5". A full lower bound is
 * copied with its prefix, so "=1.2.3 - 2" gives the invalid ">==1.2.3".
 */
static int hyphen_replace(struct buf *out, const char *s)
{
	struct xrange from, to;
	struct xparts f, t;
	struct buf r = BUF_INIT;
	size_t i = 0, e;
	char *trimmed;

	if (s[i] == ' ')
		i++;
	if (!scan_xrange(s, i, &from))
		return 0;
	e = from.whole.end;
	if (s[e] != ' ' || s[e + 1] != '-' || s[e + 2] != ' ' || !scan_xrange(s, e + 3, &to))
		return 0;
	e = to.whole.end;
	if (s[e] == ' ')
		e++;
	if (s[e])
		return 0;

	xparts_get(&f, s, &from);
	xparts_get(&t, s, &to);
	if (is_x(f.M)) {
		/* no lower bound */
	} else if (is_x(f.m)) {
		buf_addf(&r, ">=%s.0.0", f.M);
	} else if (is_x(f.p)) {
		buf_addf(&r, ">=%s.%s.0", f.M, f.m);
	} else {
		buf_addf(&r, ">=%.*s", (int)(from.whole.end - from.whole.start), s + from.whole.start);
	}
	buf_addch(&r, ' ');
	if (is_x(t.M)) {
		/* no upper bound */
	} else if (is_x(t.m)) {
		buf_addch(&r, '<');
		add_succ(&r, t.M);
		buf_addstr(&r, ".0.0-0");
	} else if (is_x(t.p)) {
		buf_addf(&r, "<%s.", t.M);
		add_succ(&r, t.m);
		buf_addstr(&r, ".0-0");
	} else if (t.pr) {
		buf_addf(&r, "<=%s.%s.%s-%s", t.M, t.m, t.p, t.pr);
	} else {
		buf_addf(&r, "<=%.*s", (int)(to.whole.end - to.whole.start), s + to.whole.start);
	}
	trimmed = trim_spaces(r.ptr);
	buf_addstr(out, trimmed);
	free(trimmed);
	buf_release(&r);
	xparts_release(&f);
	xparts_release(&t);
	return 1;
}

/*
 * internal/trim-comparator-whitespace.js, which reproduces the old
 * COMPARATORTRIM replacement: remove the one space between an operator and
 * the version it applies to ("> 1.2.3" → ">1.2.3"), skipping whole version
 * candidates so that text inside them is not reconsidered. The helpers
 * below are its find*EndIndex functions: each returns an exclusive end, or
 * its start when nothing matches.
 */
static int tc_version_prefix(int c)
{
	return c == 'v' || c == '=' || c == ' ';
}

static int tc_version_start(int c)
{
	return is_digit(c) || c == 'x' || c == 'X' || c == '*';
}

static size_t tc_digits_end(const char *s, size_t start, size_t limit)
{
	size_t end = start;

	while (is_digit(s[end]) && end - start < limit)
		end++;
	return end;
}

static size_t tc_number_end(const char *s, size_t start, int loose)
{
	if (!loose && s[start] == '0')
		return start + 1;
	return tc_digits_end(s, start, loose ? SAFE_DIGITS : SAFE_DIGITS + 1);
}

static size_t tc_prerelease_id_end(const char *s, size_t start, int loose)
{
	size_t digits = tc_digits_end(s, start, SAFE_DIGITS);

	if (is_letter(s[digits]) || s[digits] == '-') {
		size_t end = digits + 1, limit = end + SAFE_IDENT;

		while (end < limit && is_ident(s[end]))
			end++;
		return end;
	}
	return tc_number_end(s, start, loose);
}

static size_t tc_prerelease_end(const char *s, size_t start, int loose)
{
	int hyphen = s[start] == '-';
	size_t id = start + (hyphen ? 1 : 0), end;

	if (!loose && !hyphen)
		return start;
	end = tc_prerelease_id_end(s, id, loose);
	if (end == id) {
		if (!loose || !hyphen)
			return start;
		end = tc_prerelease_id_end(s, start, loose);
	}
	while (s[end] == '.') {
		size_t next = tc_prerelease_id_end(s, end + 1, loose);

		if (next == end + 1)
			break;
		end = next;
	}
	return end;
}

static size_t tc_build_id_end(const char *s, size_t start)
{
	size_t end = start;

	while (end - start < SAFE_IDENT && is_ident(s[end]))
		end++;
	return end;
}

static size_t tc_build_end(const char *s, size_t start)
{
	size_t end;

	if (s[start] != '+')
		return start;
	end = tc_build_id_end(s, start + 1);
	if (end == start + 1)
		return start;
	while (s[end] == '.') {
		size_t next = tc_build_id_end(s, end + 1);

		if (next == end + 1)
			break;
		end = next;
	}
	return end;
}

static size_t tc_loose_full_end(const char *s, size_t start)
{
	size_t end = start;
	int k;

	for (k = 0; k < 3; k++) {
		size_t next = tc_number_end(s, end, 1);

		if (next == end)
			return start;
		end = next;
		if (k < 2) {
			if (s[end] != '.')
				return start;
			end++;
		}
	}
	return tc_build_end(s, tc_prerelease_end(s, end, 1));
}

static size_t tc_partial_component_end(const char *s, size_t start)
{
	if (is_digit(s[start]))
		return tc_number_end(s, start, 0);
	return tc_version_start(s[start]) ? start + 1 : start;
}

static size_t tc_partial_end(const char *s, size_t start)
{
	size_t end = tc_partial_component_end(s, start);
	int k;

	for (k = 0; k < 2; k++) {
		size_t next;

		if (s[end] != '.')
			return end;
		next = tc_partial_component_end(s, end + 1);
		if (next == end + 1)
			return end;
		end = next;
	}
	return tc_build_end(s, tc_prerelease_end(s, end, 0));
}

static size_t tc_version_end(const char *s, size_t start)
{
	size_t full = tc_loose_full_end(s, start);

	return full != start ? full : tc_partial_end(s, start);
}

static void trim_comparator_whitespace(struct buf *out, const char *s)
{
	size_t len = strlen(s), copy_from = 0, cursor = 0;

	while (cursor < len) {
		size_t match_start = cursor, pos;

		if (s[cursor] == '<' || s[cursor] == '>') {
			cursor++;
		} else if (!tc_version_prefix(s[cursor]) && !tc_version_start(s[cursor])) {
			cursor++;
			continue;
		}
		while (cursor < len && tc_version_prefix(s[cursor]))
			cursor++;
		if (!tc_version_start(s[cursor]))
			continue;

		/* findRemovableWhitespaceIndex */
		pos = match_start;
		if (s[pos] == ' ')
			pos++;
		if (s[pos] == '<' || s[pos] == '>')
			pos++;
		if (s[pos] == '=')
			pos++;
		if (s[pos] == ' ') {
			buf_add(out, s + copy_from, pos - copy_from);
			copy_from = pos + 1;
		}
		cursor = tc_version_end(s, cursor);
	}
	buf_addstr(out, s + copy_from);
}

/*
 * TILDETRIM /(\s{0,1})(?:~>?)\s{1}/g → '$1~' and CARETTRIM
 * /(\s{0,1})(?:\^)\s{1}/g → '$1^': "~> 1.2" → "~1.2", "^ 1" → "^1".
 */
static void trim_lone(struct buf *out, const char *s, char op)
{
	size_t i = 0;

	while (s[i]) {
		size_t j = i + (s[i] == ' ');

		if (s[j] == op) {
			size_t k = j + 1;

			if (op == '~' && s[k] == '>' && s[k + 1] == ' ')
				k++;
			if (s[k] == ' ') {
				if (j > i)
					buf_addch(out, ' ');
				buf_addch(out, op);
				i = k + 1;
				continue;
			}
		}
		buf_addch(out, s[i++]);
	}
}

/*
 * CARET ^\^XRANGEPLAIN$ with replaceCaret, and TILDE ^~>?XRANGEPLAIN$ with
 * replaceTilde, on one word; other words are copied.
 */
static void replace_caret_or_tilde(struct buf *out, const char *w, char op)
{
	struct xrange x;
	struct xparts c;
	size_t i = 0;

	if (w[i] != op) {
		buf_addstr(out, w);
		return;
	}
	i++;
	if (op == '~' && w[i] == '>')
		i++;
	if (!scan_xrange(w, i, &x) || w[x.whole.end]) {
		buf_addstr(out, w);
		return;
	}
	xparts_get(&c, w, &x);
	if (is_x(c.M)) {
		/* "^*", "~x": any version */
	} else if (is_x(c.m)) {
		buf_addf(out, ">=%s.0.0 <", c.M);
		add_succ(out, c.M);
		buf_addstr(out, ".0.0-0");
	} else if (op == '^' && strcmp(c.M, "0")) {
		/* ^1.2, ^1.2.3, ^1.2.3-pre: up to the next major */
		if (is_x(c.p))
			buf_addf(out, ">=%s.%s.0 <", c.M, c.m);
		else if (c.pr)
			buf_addf(out, ">=%s.%s.%s-%s <", c.M, c.m, c.p, c.pr);
		else
			buf_addf(out, ">=%s.%s.%s <", c.M, c.m, c.p);
		add_succ(out, c.M);
		buf_addstr(out, ".0.0-0");
	} else if (op == '^' && !strcmp(c.m, "0") && !is_x(c.p)) {
		/* ^0.0.3: only 0.0.3 (and its prereleases from pr on) */
		if (c.pr)
			buf_addf(out, ">=%s.%s.%s-%s <%s.%s.", c.M, c.m, c.p, c.pr, c.M, c.m);
		else
			buf_addf(out, ">=%s.%s.%s <%s.%s.", c.M, c.m, c.p, c.M, c.m);
		add_succ(out, c.p);
		buf_addstr(out, "-0");
	} else {
		/* ~1.2, ~1.2.3, ^0.2, ^0.2.3: up to the next minor */
		if (is_x(c.p))
			buf_addf(out, ">=%s.%s.0 <%s.", c.M, c.m, c.M);
		else if (c.pr)
			buf_addf(out, ">=%s.%s.%s-%s <%s.", c.M, c.m, c.p, c.pr, c.M);
		else
			buf_addf(out, ">=%s.%s.%s <%s.", c.M, c.m, c.p, c.M);
		add_succ(out, c.m);
		buf_addstr(out, ".0-0");
	}
	xparts_release(&c);
}

/*
 * XRANGE ^((?:<|>)?=?)\s{0,1}XRANGEPLAIN$ with replaceXRange: "1.x" →
 * ">=1.0.0 <2.0.0-0", ">1.2" → ">=1.3.0", "<=1" → "<2.0.0-0", "<x" →
 * "<0.0.0-0" (nothing), "x" → "*". A word with a number after an x
 * ("1.x.3") is copied unchanged, and fails later.
 */
static void replace_xrange(struct buf *out, const char *word)
{
	char *w = trim_spaces(word);
	struct xrange x;
	struct xparts c = { NULL, NULL, NULL, NULL };
	const char *op;
	char gtlt[3];
	size_t i = 0;
	int xM, xm, xp;

	if (w[i] == '<' || w[i] == '>')
		i++;
	if (w[i] == '=')
		i++;
	memcpy(gtlt, w, i);
	gtlt[i] = '\0';
	op = gtlt;
	if (w[i] == ' ')
		i++;
	if (!scan_xrange(w, i, &x) || w[x.whole.end]) {
		buf_addstr(out, w);
		goto out;
	}
	xparts_get(&c, w, &x);
	if ((is_x(c.M) && !is_x(c.m)) || (is_x(c.m) && c.p && !is_x(c.p))) {
		buf_addstr(out, w); /* invalidXRangeOrder */
		goto out;
	}
	xM = is_x(c.M);
	xm = xM || is_x(c.m);
	xp = xm || is_x(c.p);
	if (!strcmp(op, "=") && xp)
		op = "";

	if (xM) {
		buf_addstr(out, !strcmp(op, ">") || !strcmp(op, "<") ? "<0.0.0-0" : "*");
	} else if (*op && xp) {
		/* M.m.p with the x parts as 0, then moved by the operator */
		struct buf M = BUF_INIT, m = BUF_INIT;
		int bump = 0;

		buf_addstr(&M, c.M);
		buf_addstr(&m, xm ? "0" : c.m);
		if (!strcmp(op, ">")) {
			op = ">="; /* >1 → >=2.0.0, >1.2 → >=1.3.0 */
			bump = 1;
		} else if (!strcmp(op, "<=")) {
			op = "<"; /* <=1.2 → <1.3.0-0 */
			bump = 1;
		}
		if (bump && xm) {
			buf_reset(&M);
			add_succ(&M, c.M);
		} else if (bump) {
			buf_reset(&m);
			add_succ(&m, c.m);
		}
		buf_addf(out, "%s%s.%s.0%s", op, M.ptr, m.ptr, !strcmp(op, "<") ? "-0" : "");
		buf_release(&M);
		buf_release(&m);
	} else if (xm) {
		buf_addf(out, ">=%s.0.0 <", c.M);
		add_succ(out, c.M);
		buf_addstr(out, ".0.0-0");
	} else if (xp) {
		buf_addf(out, ">=%s.%s.0 <%s.", c.M, c.m, c.M);
		add_succ(out, c.m);
		buf_addstr(out, ".0-0");
	} else {
		buf_addstr(out, w);
	}
out:
	xparts_release(&c);
	free(w);
}

/* Apply fn to every word of s (`s.split(/\s+/).map(fn).join(' ')`), trimming s first if asked. */
static void map_words(struct buf *out, const char *s, int trim, void (*fn)(struct buf *, const char *, char),
		      char arg)
{
	struct strvec words = STRVEC_INIT;
	char *t = trim ? trim_spaces(s) : xstrdup(s);
	size_t i;

	split_words(&words, t);
	for (i = 0; i < words.nr; i++) {
		if (i)
			buf_addch(out, ' ');
		fn(out, words.v[i], arg);
	}
	strvec_clear(&words);
	free(t);
}

static void xrange_word(struct buf *out, const char *w, char unused)
{
	(void)unused;
	replace_xrange(out, w);
}

/*
 * STAR (<|>)?=?\s{0,1}\* replaced by '' once (not globally), after a trim:
 * "*" → "", ">=*" → "", and also "1.2.3*" → "1.2.3".
 */
static void replace_stars(struct buf *out, const char *s)
{
	char *t = trim_spaces(s);
	size_t i;

	for (i = 0; t[i]; i++) {
		size_t j = i;

		if (t[j] == '<' || t[j] == '>')
			j++;
		if (t[j] == '=')
			j++;
		if (t[j] == ' ')
			j++;
		if (t[j] == '*') {
			buf_add(out, t, i);
			buf_addstr(out, t + j + 1);
			free(t);
			return;
		}
	}
	buf_addstr(out, t);
	free(t);
}

/* parseComparator: carets, tildes, x-ranges, stars, in that order, on one word. */
static void parse_comparator(struct buf *out, const char *word)
{
	struct buf a = BUF_INIT, b = BUF_INIT;

	map_words(&a, word, 1, replace_caret_or_tilde, '^');
	map_words(&b, a.ptr, 1, replace_caret_or_tilde, '~');
	buf_reset(&a);
	map_words(&a, b.ptr, 0, xrange_word, 0);
	replace_stars(out, a.ptr);
	buf_release(&a);
	buf_release(&b);
}

/*
 * The Comparator class: COMPARATOR ^((?:<|>)?=?)\s{0,1}(FULLPLAIN)$|^$,
 * then `new SemVer()` of the version, which also checks its length and
 * MAX_SAFE_INTEGER. "" is the comparator that admits everything.
 */
static int comparator_parse(struct comparator *c, const char *w, struct error *err)
{
	static const char *const ops[] = { "", ">", ">=", "<", "<=" };
	struct buf value = BUF_INIT, q = BUF_INIT;
	const char *why = "not a version";
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	if (!*w) {
		c->any = 1;
		c->value = xstrdup("");
		return 0;
	}
	c->op = OP_EQ;
	if (w[i] == '<' || w[i] == '>')
		c->op = w[i++] == '<' ? OP_LT : OP_GT;
	if (w[i] == '=') {
		if (c->op != OP_EQ)
			c->op = c->op == OP_LT ? OP_LTE : OP_GTE;
		i++;
	}
	/* Words hold no whitespace (invariant 1), so SemVer's own trim has nothing to do. */
	if (w[i] && !(why = version_parse(&c->v, w + i, 0))) {
		buf_addstr(&value, ops[c->op]);
		semver_format(&c->v, &value);
		c->value = buf_detach(&value, NULL);
		return 0;
	}
	semver_release(&c->v);
	quote(&q, w);
	if (!strcmp(why, "not a version"))
		error_set(err, "invalid comparator '%s'", q.ptr);
	else
		error_set(err, "invalid comparator '%s': %s", q.ptr, why);
	buf_release(&q);
	return -1;
}

static void comparator_release(struct comparator *c)
{
	semver_release(&c->v);
	free(c->value);
	memset(c, 0, sizeof(*c));
}

/* isNullSet: "<0.0.0-0", which no version satisfies. */
static int is_null_set(const struct comparator *c)
{
	return !strcmp(c->value, "<0.0.0-0");
}

static void set_release(struct comparator_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		comparator_release(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* Range.parseRange: one '||' alternative, already trimmed, to a set of comparators. */
static int parse_set(struct comparator_set *set, const char *text, struct error *err)
{
	struct buf s = BUF_INIT, t = BUF_INIT, joined = BUF_INIT;
	struct strvec words = STRVEC_INIT, comps = STRVEC_INIT;
	struct comparator *parsed = NULL;
	size_t i, j, n = 0;
	int ret = -1;

	strip_build(&s, text);
	if (hyphen_replace(&t, s.ptr)) {
		buf_reset(&s);
		buf_addstr(&s, t.ptr);
	}
	buf_reset(&t);
	trim_comparator_whitespace(&t, s.ptr);
	buf_reset(&s);
	trim_lone(&s, t.ptr, '~');
	buf_reset(&t);
	trim_lone(&t, s.ptr, '^');

	split_space(&words, t.ptr);
	for (i = 0; i < words.nr; i++) {
		if (i)
			buf_addch(&joined, ' ');
		parse_comparator(&joined, words.v[i]);
	}
	split_words(&comps, joined.ptr);

	/* Every comparator is built before any is used: one invalid word fails the set. */
	parsed = xcalloc(comps.nr, sizeof(*parsed));
	for (n = 0; n < comps.nr; n++) {
		char *w = trim_spaces(comps.v[n]);
		int rc = comparator_parse(&parsed[n], strcmp(w, ">=0.0.0") ? w : "", err); /* GTE0 */

		free(w);
		if (rc < 0)
			goto out;
	}

	/* A null set is the whole set; otherwise keep the first of equal values. */
	for (i = 0; i < n; i++) {
		if (is_null_set(&parsed[i])) {
			set_release(set);
			ALLOC_GROW(set->v, 1, set->alloc);
			set->v[0] = parsed[i];
			set->nr = 1;
			memset(&parsed[i], 0, sizeof(parsed[i]));
			break;
		}
		for (j = 0; j < set->nr; j++)
			if (!strcmp(set->v[j].value, parsed[i].value))
				break;
		if (j < set->nr)
			continue;
		ALLOC_GROW(set->v, set->nr + 1, set->alloc);
		set->v[set->nr++] = parsed[i];
		memset(&parsed[i], 0, sizeof(parsed[i]));
	}
	/* More than one comparator: the empty one adds nothing. */
	for (i = 0; set->nr > 1 && i < set->nr; i++) {
		if (set->v[i].any) {
			comparator_release(&set->v[i]);
			memmove(&set->v[i], &set->v[i + 1], (set->nr - i - 1) * sizeof(*set->v));
			set->nr--;
			break;
		}
	}
	ret = 0;
out:
	for (i = 0; i < comps.nr && parsed; i++)
		comparator_release(&parsed[i]);
	free(parsed);
	strvec_clear(&words);
	strvec_clear(&comps);
	buf_release(&s);
	buf_release(&t);
	buf_release(&joined);
	return ret;
}

void semver_range_free(struct semver_range *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr; i++)
		set_release(&r->sets[i]);
	free(r->sets);
	free(r);
}

/* Keep only sets[keep] (its index after the call is 0). */
static void keep_one_set(struct semver_range *r, size_t keep)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (i != keep)
			set_release(&r->sets[i]);
	r->sets[0] = r->sets[keep];
	r->nr = 1;
}

/*
 * The end of the Range constructor: with more than one set, sets that
 * admit nothing are dropped (the first is kept if all are such), and a set
 * that is just "*" replaces all the others, so "* || 1.2.3-beta" does not
 * admit 1.2.3-beta.
 */
static void simplify_sets(struct semver_range *r)
{
	size_t i, k = 0;

	if (r->nr <= 1)
		return;
	for (i = 0; i < r->nr; i++)
		if (!is_null_set(&r->sets[i].v[0]))
			k++;
	if (!k) {
		keep_one_set(r, 0);
		return;
	}
	for (i = k = 0; i < r->nr; i++) {
		if (is_null_set(&r->sets[i].v[0]))
			set_release(&r->sets[i]);
		else
			r->sets[k++] = r->sets[i];
	}
	r->nr = k;
	if (r->nr < 2)
		return;
	for (i = 0; i < r->nr; i++) {
		if (r->sets[i].nr == 1 && r->sets[i].v[0].any) {
			keep_one_set(r, i);
			return;
		}
	}
}

int semver_range_parse(struct semver_range **out, const char *range, struct error *err)
{
	struct semver_range *r = xcalloc(1, sizeof(*r));
	struct buf norm = BUF_INIT, q = BUF_INIT;
	struct error why = ERROR_INIT;
	size_t len = strlen(range);
	const char *p;
	int ret = -1;

	*out = NULL;
	if (len > SEMVER_RANGE_MAX_LENGTH) {
		buf_add_quoted(&q, range, len, 60);
		error_set(err, "invalid version range '%s': longer than %d bytes", q.ptr,
			  SEMVER_RANGE_MAX_LENGTH);
		goto out;
	}
	range_normalize(&norm, range);
	for (p = norm.ptr;;) {
		const char *bar = strstr(p, "||");
		char *piece = xstrndup(p, bar ? (size_t)(bar - p) : strlen(p));
		char *trimmed = trim_spaces(piece);
		int rc;

		ALLOC_GROW(r->sets, r->nr + 1, r->alloc);
		memset(&r->sets[r->nr], 0, sizeof(r->sets[r->nr]));
		rc = parse_set(&r->sets[r->nr++], trimmed, &why);
		free(piece);
		free(trimmed);
		if (rc < 0) {
			quote(&q, range);
			error_set(err, "invalid version range '%s': %s", q.ptr, why.msg);
			goto out;
		}
		if (!bar)
			break;
		p = bar + 2;
	}
	simplify_sets(r);
	*out = r;
	r = NULL;
	ret = 0;
out:
	semver_range_free(r);
	buf_release(&norm);
	buf_release(&q);
	return ret;
}

/* Comparator.test via functions/cmp.js. */
static int comparator_test(const struct comparator *c, const struct semver *v)
{
	int d;

	if (c->any)
		return 1;
	d = semver_compare(v, &c->v);
	switch (c->op) {
	case OP_EQ:
		return d == 0;
	case OP_GT:
		return d > 0;
	case OP_GTE:
		return d >= 0;
	case OP_LT:
		return d < 0;
	case OP_LTE:
		return d <= 0;
	}
	return 0;
}

/* testSet, includePrerelease off. */
static int set_test(const struct comparator_set *set, const struct semver *v)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (!comparator_test(&set->v[i], v))
			return 0;
	if (!v->npre)
		return 1;
	/*
	 * ^1.2.3-pr.1 is >=1.2.3-pr.1 <2.0.0-0: 1.2.3-pr.2 passes, but
	 * 1.2.4-alpha does not, though it lies inside the bounds.
	 */
	for (i = 0; i < set->nr; i++) {
		const struct semver *a = &set->v[i].v;

		if (!set->v[i].any && a->npre && a->major == v->major && a->minor == v->minor &&
		    a->patch == v->patch)
			return 1;
	}
	return 0;
}

int semver_range_test(const struct semver_range *r, const struct semver *v)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (set_test(&r->sets[i], v))
			return 1;
	return 0;
}

void semver_range_format(const struct semver_range *r, struct buf *out)
{
	size_t start = out->len, i, j;

	for (i = 0; i < r->nr; i++) {
		if (i)
			buf_addstr(out, "||");
		for (j = 0; j < r->sets[i].nr; j++) {
			if (j)
				buf_addch(out, ' ');
			buf_addstr(out, r->sets[i].v[j].value);
		}
	}
	if (out->len == start)
		buf_addch(out, '*');
}

long semver_max_satisfying(const char *const *versions, size_t n, const struct semver_range *r)
{
	struct version_view views[2], *cur = &views[0], *best = &views[1], *tmp;
	long found = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (view_parse(cur, versions[i]) < 0 || !semver_range_test(r, &cur->v))
			continue;
		/* a later entry wins only when strictly greater: the first of equals stays */
		if (found < 0 || semver_compare(&best->v, &cur->v) < 0) {
			tmp = best;
			best = cur;
			cur = tmp;
			found = (long)i;
		}
	}
	return found;
}
