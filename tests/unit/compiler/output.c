/*
 * Unit tests for redaction in the output funnel (compiler/output.c): the
 * length rules for registered secrets and the URL credentials found in any
 * text, as out_redact() applies them to every line slugc prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "unit.h"

static void expect_redacted(const char *in, const char *want)
{
	char *got = out_redact(in);

	if (strcmp(got, want))
		fail_msg("redacting '%s': got '%s', wanted '%s'", in, got, want);
	free(got);
}

static void url_passwords_in_any_text(void **state)
{
	(void)state;
	out_release();
	/* Nothing registered: the password part of any URL goes, whatever its length. */
	expect_redacted("DATABASE_URL=postgres://u:PASSWORD@db/x",
			"DATABASE_URL=postgres://u:[REDACTED]@db/x");
	expect_redacted("connecting to redis://:p@cache:6379 now", "connecting to redis://:[REDACTED]@cache:6379 now");
	expect_redacted("{\"url\":\"https://deploy:t0k@h.example/r.git\",\"x\":\"ftp://a:b@c\"}",
			"{\"url\":\"https://deploy:[REDACTED]@h.example/r.git\",\"x\":\"ftp://a:[REDACTED]@c\"}");
	/* The last '@' of the authority ends the user information; the first ':' starts the password. */
	expect_redacted("amqp://user:p@ss:w0rd@mq:5672/vh?x=y@z", "amqp://user:[REDACTED]@mq:5672/vh?x=y@z");
	/* curl-style text around it: quotes, brackets, several URLs on one line. */
	expect_redacted("curl 'http://a:b1@h1/' (mysql://r:b2@h2)", "curl 'http://a:[REDACTED]@h1/' (mysql://r:[REDACTED]@h2)");
	/* A long user name alone is taken for a token; a short one is just a name. */
	expect_redacted("https://ghp_0123456789abcdefXYZ@github.com/o/r", "https://[REDACTED]@github.com/o/r");
	expect_redacted("postgres://postgres@db/x and git@github.com:o/r", "postgres://postgres@db/x and git@github.com:o/r");
	/* No credentials, no change; text that only looks a little like a URL is left alone. */
	expect_redacted("https://example.com/a:b@c", "https://example.com/a:b@c");
	expect_redacted("://x:y@z and a://", "://x:y@z and a://");
	expect_redacted("already https://u:[REDACTED]@h", "already https://u:[REDACTED]@h");
}

static void registered_secret_lengths(void **state)
{
	(void)state;
	out_release();
	/* Under 4 characters: never matched (it would erase "1" everywhere), and callers can tell. */
	out_add_secret("1");
	out_add_secret("abc");
	assert_false(out_secret_redactable("abc"));
	assert_true(out_secret_redactable("abcd"));
	assert_true(out_secret_redactable(""));
	expect_redacted("build 1 of abc", "build 1 of abc");
	/* Plain configuration words are not secrets. */
	out_add_secret("true");
	out_add_secret("None");
	assert_true(out_secret_redactable("no"));
	expect_redacted("\"private\": true, None", "\"private\": true, None");
	/* 4 to 7 characters: whole tokens only. */
	out_add_secret("1234");
	out_add_secret("hunter2");
	expect_redacted("pin 1234, port 12345, pw=hunter2; hunter22", "pin [REDACTED], port 12345, pw=[REDACTED]; hunter22");
	/* 8 or more: anywhere, also inside other words; and a secret that [REDACTED] holds. */
	out_add_secret("s3cr3t-t0ken");
	out_add_secret("REDACTED");
	expect_redacted("xs3cr3t-t0keny", "x[REDACTED]y");
	expect_redacted("REDACTED [REDACTED]", "[REDACTED] [[REDACTED]]");
	/* A multi-line value (a private key) line by line; a value with quotes also JSON-escaped. */
	out_add_secret("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\r\nab\n");
	expect_redacted("key: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "key: [REDACTED]");
	out_add_secret("pa\"ss\\word");
	expect_redacted("{\"v\":\"pa\\\"ss\\\\word\"}", "{\"v\":\"[REDACTED]\"}");
	out_release();
	expect_redacted("pin 1234", "pin 1234");
}

static void url_secrets_registered(void **state)
{
	(void)state;
	out_release();
	/* The password of a URL config value, printed on its own later, as written and decoded. */
	out_add_url_secrets("postgres://u:p%40ssw0rd-long@db/x https://ghp_0123456789abcdefXYZ@github.com");
	expect_redacted("password is p@ssw0rd-long", "password is [REDACTED]");
	expect_redacted("raw p%40ssw0rd-long", "raw [REDACTED]");
	expect_redacted("token ghp_0123456789abcdefXYZ", "token [REDACTED]");
	out_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_passwords_in_any_text),
		cmocka_unit_test(registered_secret_lengths),
		cmocka_unit_test(url_secrets_registered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
