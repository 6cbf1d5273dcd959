/*
 * Unit tests for the node-semver engine (runtimes/semver.c).
 *
 * The table files in tests/unit/runtimes/semver/ hold node-semver's own
 * fixtures and ours; check-tables.js verifies each expectation against the
 * real `semver` package. With `--corpus FILE` this binary instead checks a
 * corpus written by gen-corpus.js (see run-corpus.sh) and reports every
 * range where it disagrees with node-semver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "semver.h"
#include "strvec.h"
#include "unit.h"
#include "xalloc.h"

static int sign(int d)
{
	return d < 0 ? -1 : d > 0;
}

/* The lines of a case's input. */
static void input_lines(struct strvec *out, const struct unit_case *c)
{
	const char *p = c->input.ptr;

	for (;;) {
		const char *nl = strchr(p, '\n');

		if (!nl) {
			strvec_push(out, p);
			return;
		}
		strvec_pushf(out, "%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
}

/* ---- table cases ------------------------------------------------------------ */

static void range_parse_case(void **state)
{
	const struct unit_case *c = *state;
	struct semver_range *r = NULL;
	struct error err = ERROR_INIT;
	struct buf out = BUF_INIT;
	int rc = semver_range_parse(&r, c->input.ptr, &err);

	if (!strcmp(c->section, "invalid")) {
		if (rc == 0) {
			semver_range_format(r, &out);
			fail_msg("range accepted as '%s'", out.ptr);
		}
		assert_null(r);
		assert_int_equal(err.kind, ERROR_INPUT);
		assert_non_null(strstr(err.msg, "invalid version range '"));
	} else {
		if (rc < 0)
			fail_msg("%s", err.msg);
		assert_string_equal(c->section, "canonical");
		semver_range_format(r, &out);
		assert_string_equal(out.ptr, c->expect.v[0]);
	}
	semver_range_free(r);
	buf_release(&out);
}

static void range_test_case(void **state)
{
	const struct unit_case *c = *state;
	struct semver_range *r = NULL;
	struct error err = ERROR_INIT;
	size_t i;

	if (semver_range_parse(&r, c->input.ptr, &err) < 0)
		fail_msg("%s", err.msg);
	for (i = 0; i < c->expect.nr; i++) {
		const char *e = c->expect.v[i], *version = e + 2;
		struct semver v = SEMVER_INIT;
		const char *list[1];
		int want = e[0] == '+', got;

		assert_true(e[0] == '+' || e[0] == '-');
		/* Range.test(string): an unparsable version satisfies nothing. */
		got = semver_parse(&v, version, 0, &err) == 0 && semver_range_test(r, &v);
		if (got != want)
			fail_msg("'%s' %s the range", version, got ? "satisfies" : "does not satisfy");
		list[0] = version;
		assert_int_equal(semver_max_satisfying(list, 1, r), want ? 0 : -1);
		semver_release(&v);
	}
	semver_range_free(r);
}

static void version_case(void **state)
{
	const struct unit_case *c = *state;
	struct semver v = SEMVER_INIT;
	struct error err = ERROR_INIT;
	struct buf got = BUF_INIT;
	int loose = strstr(c->section, "-loose") != NULL, seen_pre = 0, seen_build = 0;
	int rc = semver_parse(&v, c->input.ptr, loose, &err);
	size_t i;

	if (!strncmp(c->section, "invalid", 7)) {
		if (rc == 0) {
			semver_format(&v, &got);
			fail_msg("version accepted as '%s'", got.ptr);
		}
		assert_non_null(strstr(err.msg, "invalid version '"));
		assert_null(v.raw);
		assert_int_equal(v.npre, 0);
		return;
	}
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(v.raw, c->input.ptr);
	for (i = 0; i < c->expect.nr; i++) {
		const char *e = c->expect.v[i], *sp = strchr(e, ' ');
		size_t k;

		assert_non_null(sp);
		buf_reset(&got);
		if (!strncmp(e, "version ", 8)) {
			semver_format(&v, &got);
		} else if (!strncmp(e, "parts ", 6)) {
			buf_addf(&got, "%llu %llu %llu", (unsigned long long)v.major,
				 (unsigned long long)v.minor, (unsigned long long)v.patch);
		} else if (!strncmp(e, "pre ", 4)) {
			for (k = 0; k < v.npre; k++)
				buf_addf(&got, "%s%s", k ? " " : "", v.pre[k]);
			seen_pre = 1;
		} else if (!strncmp(e, "build ", 6)) {
			buf_addstr(&got, v.build ? v.build : "(none)");
			seen_build = 1;
		} else {
			fail_msg("unknown expectation '%s'", e);
		}
		assert_string_equal(got.ptr, sp + 1);
	}
	if (!loose && !seen_pre)
		assert_int_equal(v.npre, 0);
	if (!loose && !seen_build)
		assert_null(v.build);
	semver_release(&v);
	assert_null(v.raw);
	buf_release(&got);
}

static void compare_case(void **state)
{
	const struct unit_case *c = *state;
	struct semver a = SEMVER_INIT, b = SEMVER_INIT;
	struct error err = ERROR_INIT;
	struct strvec lines = STRVEC_INIT;
	int loose = !strcmp(c->section, "compare-loose");
	int want = !strcmp(c->expect.v[0], "1") ? 1 : !strcmp(c->expect.v[0], "-1") ? -1 : 0;

	input_lines(&lines, c);
	assert_int_equal(lines.nr, 2);
	if (semver_parse(&a, lines.v[0], loose, &err) < 0 || semver_parse(&b, lines.v[1], loose, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sign(semver_compare(&a, &b)), want);
	assert_int_equal(sign(semver_compare(&b, &a)), -want);
	assert_int_equal(semver_compare(&a, &a), 0);
	semver_release(&a);
	semver_release(&b);
	strvec_clear(&lines);
}

static void max_case(void **state)
{
	const struct unit_case *c = *state;
	struct semver_range *r = NULL;
	struct error err = ERROR_INIT;
	struct strvec lines = STRVEC_INIT;
	long i;

	input_lines(&lines, c);
	if (semver_range_parse(&r, lines.v[0], &err) < 0) {
		/* maxSatisfying returns null for a range it cannot parse. */
		assert_string_equal(c->expect.v[0], "null");
		strvec_clear(&lines);
		return;
	}
	i = semver_max_satisfying((const char *const *)lines.v + 1, lines.nr - 1, r);
	if (!strcmp(c->expect.v[0], "null"))
		assert_int_equal(i, -1);
	else if (i < 0)
		fail_msg("no version found, expected '%s'", c->expect.v[0]);
	else
		assert_string_equal(lines.v[1 + i], c->expect.v[0]);
	semver_range_free(r);
	strvec_clear(&lines);
}

/* ---- the API ---------------------------------------------------------------- */

static void parse_fields(void **state)
{
	struct semver v = SEMVER_INIT;
	struct error err = ERROR_INIT;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(semver_parse(&v, "v20.11.1-rc.1+build.7", 0, &err), 0);
	assert_true(v.major == 20 && v.minor == 11 && v.patch == 1);
	assert_int_equal(v.npre, 2);
	assert_string_equal(v.pre[0], "rc");
	assert_string_equal(v.pre[1], "1");
	assert_string_equal(v.build, "build.7");
	assert_string_equal(v.raw, "v20.11.1-rc.1+build.7");
	semver_format(&v, &b);
	assert_string_equal(b.ptr, "20.11.1-rc.1");
	semver_release(&v);
	semver_release(&v); /* released values can be released again */

	assert_int_equal(semver_parse(&v, "9007199254740992.0.0", 0, &err), -1);
	assert_string_equal(err.msg, "invalid version '9007199254740992.0.0': major version is larger "
				     "than 9007199254740991");
	assert_int_equal(semver_parse(&v, "1.2", 0, &err), -1);
	assert_string_equal(err.msg, "invalid version '1.2'");
	assert_int_equal(semver_parse(&v, "1.2.3\n\x01", 0, &err), -1);
	assert_string_equal(err.msg, "invalid version '1.2.3\\n\\x01'");
	buf_release(&b);
}

static void range_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "1.2.3.4", "invalid version range '1.2.3.4': invalid comparator '1.2.3.4'" },
		{ ">=18 <21 || =1.2.3 - 2",
		  "invalid version range '>=18 <21 || =1.2.3 - 2': invalid comparator '>==1.2.3'" },
		{ "^9007199254740991",
		  "invalid version range '^9007199254740991': invalid comparator '<9007199254740992.0.0-0': "
		  "major version is larger than 9007199254740991" },
		{ "latest", "invalid version range 'latest': invalid comparator 'latest'" },
		{ "lts/*", "invalid version range 'lts/*': invalid comparator 'lts/'" },
		{ "\t>= 1\n2\x7f", "invalid version range '\\t>= 1\\n2\\x7f': invalid comparator '2\\x7f'" },
	};
	struct semver_range *r = (struct semver_range *)&r;
	struct error err = ERROR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(semver_range_parse(&r, cases[i][0], &err), -1);
		assert_null(r);
		assert_int_equal(err.kind, ERROR_INPUT);
		assert_string_equal(err.msg, cases[i][1]);
	}
	semver_range_free(NULL);
}

static void max_satisfying_api(void **state)
{
	static const char *const versions[] = {
		"junk", "v20.10.0", "20.11.1", "v20.11.1", "20.11.1+b", "21.0.0", "20.12.0-rc.1", "",
	};
	struct semver_range *r = NULL;
	struct semver v = SEMVER_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(semver_range_parse(&r, "^20", &err), 0);
	/* the first of equal versions wins; junk is skipped */
	assert_int_equal(semver_max_satisfying(versions, ARRAY_SIZE(versions), r), 2);
	assert_int_equal(semver_max_satisfying(versions, 2, r), 1);
	assert_int_equal(semver_max_satisfying(versions, 1, r), -1);
	assert_int_equal(semver_max_satisfying(versions, 0, r), -1);
	/* a prerelease only when the range names one on the same x.y.z */
	assert_int_equal(semver_parse(&v, "20.12.0-rc.1", 0, &err), 0);
	assert_false(semver_range_test(r, &v));
	semver_range_free(r);
	assert_int_equal(semver_range_parse(&r, "^20.12.0-rc.0", &err), 0);
	assert_true(semver_range_test(r, &v));
	assert_int_equal(semver_max_satisfying(versions, ARRAY_SIZE(versions), r), 6);
	semver_range_free(r);
	semver_release(&v);
}

/* ---- hostile input ----------------------------------------------------------- */

static char *repeat(const char *unit, size_t times)
{
	struct buf b = BUF_INIT;

	while (times--)
		buf_addstr(&b, unit);
	return buf_detach(&b, NULL);
}

static void huge_input(void **state)
{
	struct semver_range *r = NULL;
	struct semver v = SEMVER_INIT;
	struct error err = ERROR_INIT;
	const char *units[] = { "1", "||", "1.2.3 ", "^", "\xff" };
	clock_t start = clock();
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		char *s = repeat(units[i], 10 * 1024 * 1024 / strlen(units[i]));

		assert_int_equal(semver_range_parse(&r, s, &err), -1);
		assert_null(r);
		assert_non_null(strstr(err.msg, "': longer than 4096 bytes"));
		assert_true(strlen(err.msg) < 200);
		assert_int_equal(semver_parse(&v, s, 0, &err), -1);
		assert_non_null(strstr(err.msg, "': longer than 256 characters"));
		assert_true(strlen(err.msg) < 200);
		free(s);
	}
	assert_true(clock() - start < 5 * CLOCKS_PER_SEC);
}

static void many_alternatives(void **state)
{
	struct semver_range *r = NULL;
	struct error err = ERROR_INIT;
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	/* 2048 empty alternatives (4096 bytes): each is "*" */
	s = repeat("||", SEMVER_RANGE_MAX_LENGTH / 2);
	assert_int_equal(semver_range_parse(&r, s, &err), 0);
	semver_range_format(r, &b);
	assert_string_equal(b.ptr, "*");
	semver_range_free(r);
	free(s);
	/* one byte more */
	s = repeat("|", SEMVER_RANGE_MAX_LENGTH + 1);
	assert_int_equal(semver_range_parse(&r, s, &err), -1);
	free(s);
	/* many real sets and many comparators in one set */
	s = repeat("1.2.3 || ", SEMVER_RANGE_MAX_LENGTH / 9);
	assert_int_equal(semver_range_parse(&r, s, &err), 0);
	buf_reset(&b);
	semver_range_format(r, &b);
	assert_string_equal(b.ptr, "*"); /* the trailing "||" adds an any-set, which wins */
	semver_range_free(r);
	free(s);
	s = repeat("^1 ", SEMVER_RANGE_MAX_LENGTH / 3);
	assert_int_equal(semver_range_parse(&r, s, &err), 0);
	buf_reset(&b);
	semver_range_format(r, &b);
	assert_string_equal(b.ptr, ">=1.0.0 <2.0.0-0");
	semver_range_free(r);
	free(s);
	buf_release(&b);
}

/* xorshift64: a fixed-seed source of garbage. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void garbage(void **state)
{
	static const char alphabet[] = "0123456789.xX*-+|<>=~^ vVab\t";
	static const char *const versions[] = { "1.2.3", "1.2.3-beta", "0.0.0", "9007199254740991.0.0" };
	uint64_t seed = 0x5eedf00dULL;
	struct buf s = BUF_INIT, out = BUF_INIT;
	size_t i, k, ok = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct semver_range *r = NULL;
		struct semver v = SEMVER_INIT;
		struct error err = ERROR_INIT;
		size_t len = next_random(&seed) % 300;

		buf_reset(&s);
		for (k = 0; k < len; k++) {
			uint64_t x = next_random(&seed);
			/* half of the strings are raw bytes, half use the range alphabet */
			int c = i % 2 ? (int)(x % 255) + 1 : alphabet[x % (sizeof(alphabet) - 1)];

			buf_addch(&s, c);
		}
		if (semver_range_parse(&r, s.ptr, &err) == 0) {
			ok++;
			buf_reset(&out);
			semver_range_format(r, &out);
			assert_true(out.len > 0);
			semver_max_satisfying(versions, ARRAY_SIZE(versions), r);
			semver_range_free(r);
		} else {
			assert_null(r);
			assert_true(err.msg[0] != '\0');
		}
		if (semver_parse(&v, s.ptr, (int)(i % 3 == 0), &err) == 0)
			semver_release(&v);
	}
	assert_true(ok > 0);
	buf_release(&s);
	buf_release(&out);
}

/* ---- the corpus --------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undo gen-corpus.js's escaping (\xHH). */
static char *corpus_field(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
		    hexval(s[i + 3]) >= 0) {
			buf_addch(&b, hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
			i += 3;
		} else {
			buf_addch(&b, s[i]);
		}
	}
	return buf_detach(&b, NULL);
}

struct corpus_list {
	char *name;
	struct strvec versions;
};

static void print_quoted(const char *what, const char *s)
{
	struct buf q = BUF_INIT;

	buf_add_quoted(&q, s, strlen(s), 300);
	printf("%s'%s'", what, q.ptr);
	buf_release(&q);
}

static int corpus_run(const char *file)
{
	struct buf text = BUF_INIT, got = BUF_INIT;
	struct error err = ERROR_INIT;
	struct corpus_list *lists = NULL;
	size_t nlists = 0, alloc = 0, ranges = 0, cases = 0, bad = 0, bad_form = 0, i;
	const char *p, *end;
	clock_t start = clock();

	if (buf_read_file(&text, file, 512 * 1024 * 1024, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	for (p = text.ptr, end = text.ptr + text.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct strvec f = STRVEC_INIT;
		char *line = xstrndup(p, len), *q = line;

		p = nl ? nl + 1 : end;
		if (!len || line[0] == '#') {
			free(line);
			continue;
		}
		for (;;) {
			char *tab = strchr(q, '\t');
			char *field = corpus_field(q, tab ? (size_t)(tab - q) : strlen(q));

			strvec_push(&f, field);
			free(field);
			if (!tab)
				break;
			q = tab + 1;
		}
		free(line);
		if (!strcmp(f.v[0], "L") && f.nr == 2) {
			ALLOC_GROW(lists, nlists + 1, alloc);
			lists[nlists].name = xstrdup(f.v[1]);
			strvec_init(&lists[nlists].versions);
			nlists++;
		} else if (!strcmp(f.v[0], "V") && f.nr == 2 && nlists) {
			strvec_push(&lists[nlists - 1].versions, f.v[1]);
		} else if (!strcmp(f.v[0], "R") && f.nr == 3 + nlists) {
			struct semver_range *r = NULL;
			int rc = semver_range_parse(&r, f.v[1], &err);

			ranges++;
			buf_reset(&got);
			if (rc == 0)
				semver_range_format(r, &got);
			else
				buf_addstr(&got, "!");
			if (strcmp(got.ptr, f.v[2])) {
				if (bad + bad_form < 50) {
					print_quoted("form mismatch: range ", f.v[1]);
					print_quoted(": slugc ", rc == 0 ? got.ptr : err.msg);
					print_quoted(", node-semver ", f.v[2]);
					printf("\n");
				}
				bad_form++;
			}
			for (i = 0; i < nlists; i++) {
				const char *answer = "!";

				cases++;
				if (rc == 0) {
					long k = semver_max_satisfying((const char *const *)lists[i].versions.v,
								       lists[i].versions.nr, r);

					if (k >= 0)
						answer = lists[i].versions.v[k];
				}
				if (strcmp(answer, f.v[3 + i])) {
					if (bad + bad_form < 50) {
						print_quoted("mismatch: range ", f.v[1]);
						printf(" over %s: ", lists[i].name);
						print_quoted("slugc ", answer);
						print_quoted(", node-semver ", f.v[3 + i]);
						printf(" (\"!\" is null)\n");
					}
					bad++;
				}
			}
			semver_range_free(r);
		} else {
			fprintf(stderr, "%s: malformed corpus line\n", file);
			strvec_clear(&f);
			bad++;
			break;
		}
		strvec_clear(&f);
	}
	printf("corpus: %zu ranges x %zu lists = %zu cases, %zu mismatches, %zu range-form mismatches, %.2f s\n",
	       ranges, nlists, cases, bad, bad_form, (double)(clock() - start) / CLOCKS_PER_SEC);
	for (i = 0; i < nlists; i++) {
		free(lists[i].name);
		strvec_clear(&lists[i].versions);
	}
	free(lists);
	buf_release(&text);
	buf_release(&got);
	return bad || bad_form || !cases ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest api[] = {
		cmocka_unit_test(parse_fields),
		cmocka_unit_test(range_errors),
		cmocka_unit_test(max_satisfying_api),
		cmocka_unit_test(huge_input),
		cmocka_unit_test(many_alternatives),
		cmocka_unit_test(garbage),
	};
	int failed = 0;

	if (argc == 3 && !strcmp(argv[1], "--corpus"))
		return corpus_run(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--corpus FILE]\n", argv[0]);
		return 2;
	}
	failed += unit_run_cases("semver range-parse", "range-parse.txt", range_parse_case, NULL, 0);
	failed += unit_run_cases("semver range-test", "range-test.txt", range_test_case, NULL, 0);
	failed += unit_run_cases("semver versions", "versions.txt", version_case, NULL, 0);
	failed += unit_run_cases("semver compare", "compare.txt", compare_case, NULL, 0);
	failed += unit_run_cases("semver max-satisfying", "max-satisfying.txt", max_case, api, ARRAY_SIZE(api));
	return failed;
}
