/*
 * Unit tests for the HTTP module (compiler/http.c), against the test file
 * server tests/e2e/lib/mirror.py on loopback: its request log says what
 * slugc really sent (ranges, retries, headers), its fault rules make the
 * failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "http.h"
#include "output.h"
#include "sha256.h"
#include "sig.h"
#include "strvec.h"
#include "unit.h"
#include "version.h"
#include "xalloc.h"

#define MIRROR SLUGC_FIXTURES "/../e2e/lib/mirror.py"
#define BLOB "/v1/blob.bin"
#define BLOB_SIZE 600000

static char *dir;       /* scratch: root/, up/, logs, faults */
static char *root, *updir, *logpath, *hlogpath, *faultspath;
static pid_t mirror_pid = -1;
static int port;
static char blob_hex[SHA256_HEX_LEN + 1];
static unsigned counter; /* fresh names for .part files */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Start mirror.py with extra arguments; returns its pid and fills *port_out. */
static pid_t start_mirror(const char *port_file, const char *const *extra, int *port_out)
{
	struct strvec argv = STRVEC_INIT;
	struct buf text = BUF_INIT;
	struct error err = ERROR_INIT;
	long long deadline = now_ms() + 15000;
	pid_t pid;
	char *end;
	long p;

	unlink(port_file);
	strvec_push(&argv, "python3");
	strvec_push(&argv, MIRROR);
	strvec_pushv(&argv, (const char *const[]){ "--root", root, "--port-file", port_file, "--log",
						  logpath, "--log-headers", hlogpath, "--faults",
						  faultspath, "--upload-dir", updir, NULL });
	if (extra)
		strvec_pushv(&argv, extra);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Never outlive the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv.v[0], argv.v);
		_exit(127);
	}
	strvec_clear(&argv);
	while (!fs_exists(port_file)) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid)
			fail_msg("mirror.py exited early (status %d)", status);
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			fail_msg("mirror.py wrote no port file");
		}
		sleep_ms(20);
	}
	if (buf_read_file(&text, port_file, 64, &err) < 0)
		fail_msg("%s", err.msg);
	errno = 0;
	p = strtol(text.ptr, &end, 10);
	if (errno || end == text.ptr || p <= 0 || p > 65535)
		fail_msg("bad port file '%s'", text.ptr);
	*port_out = (int)p;
	buf_release(&text);
	return pid;
}

static void stop_mirror(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

static void at_exit_stop(void)
{
	stop_mirror(&mirror_pid);
}

static void write_file(const char *path, const void *data, size_t len)
{
	struct error err = ERROR_INIT;

	if (fs_write_file_atomic(path, data, len, &err) < 0)
		fail_msg("%s", err.msg);
}

static void set_faults(const char *json)
{
	write_file(faultspath, json, strlen(json));
}

/* Forget earlier requests and faults. */
static void reset(void)
{
	set_faults("[]");
	if (truncate(logpath, 0) < 0 && errno != ENOENT)
		fail_msg("truncate: %s", strerror(errno));
	if (truncate(hlogpath, 0) < 0 && errno != ENOENT)
		fail_msg("truncate: %s", strerror(errno));
}

/*
 * The request log, once it has at least `want` lines: mirror.py writes a
 * line when an answer is over, a moment after the client may have it. A
 * short grace period then shows any line too many.
 */
static void read_log(const char *path, size_t want, struct strvec *lines)
{
	long long deadline = now_ms() + 5000;
	int grace = 0;

	for (;;) {
		struct buf text = BUF_INIT;
		struct error err = ERROR_INIT;
		char *p, *nl;

		strvec_clear(lines);
		if (fs_exists(path) && buf_read_file(&text, path, 0, &err) < 0)
			fail_msg("%s", err.msg);
		for (p = text.ptr; (nl = strchr(p, '\n')); p = nl + 1) {
			*nl = '\0';
			strvec_push(lines, p);
		}
		buf_release(&text);
		if (lines->nr >= want && grace)
			return;
		if (lines->nr >= want) {
			grace = 1;
			sleep_ms(150);
			continue;
		}
		if (now_ms() > deadline)
			fail_msg("%s: %zu lines, want %zu", path, lines->nr, want);
		sleep_ms(20);
	}
}

/* Exactly `n` requests were logged, and line i starts and ends as given. */
static void expect_log(size_t n, const char *const *prefix, const char *const *suffix)
{
	struct strvec lines = STRVEC_INIT;
	size_t i;

	read_log(logpath, n, &lines);
	if (lines.nr != n) {
		struct buf all = BUF_INIT;

		for (i = 0; i < lines.nr; i++)
			buf_addf(&all, "\n  %s", lines.v[i]);
		fail_msg("%zu requests logged, want %zu:%s", lines.nr, n, all.ptr);
	}
	for (i = 0; i < n; i++) {
		const char *l = lines.v[i];
		size_t len = strlen(l);

		if (prefix && prefix[i] && strncmp(l, prefix[i], strlen(prefix[i])))
			fail_msg("request %zu: '%s' does not start with '%s'", i + 1, l, prefix[i]);
		if (suffix && suffix[i] &&
		    (len < strlen(suffix[i]) || strcmp(l + len - strlen(suffix[i]), suffix[i])))
			fail_msg("request %zu: '%s' does not end with '%s'", i + 1, l, suffix[i]);
	}
	strvec_clear(&lines);
}

static void expect_msg(const struct error *err, const char *needle)
{
	if (!strstr(err->msg, needle))
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

static char *url_of(const char *path)
{
	return xstrfmt("http://127.0.0.1:%d%s", port, path);
}

static char *part_path(void)
{
	return xstrfmt("%s/dl-%u.part", dir, ++counter);
}

/* Fast options: short backoff, a few retries. */
static struct http_options test_options(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;

	o.connect_timeout = 5;
	o.low_speed_time = 5;
	o.retries = 3;
	o.backoff_ms = 20;
	return o;
}

/* Download `path` into a fresh (or given) .part and check the bytes are the blob's. */
static void download_ok(const char *path, const char *part, const struct http_options *o)
{
	struct error err = ERROR_INIT;
	unsigned char digest[32];
	char hex[SHA256_HEX_LEN + 1], disk[SHA256_HEX_LEN + 1];
	unsigned long long disk_size;
	uint64_t size = 0;
	char *url = url_of(path);

	if (http_download(url, part, o, digest, &size, &err) < 0)
		fail_msg("download failed: %s", err.msg);
	sha256_hex(digest, hex);
	assert_string_equal(hex, blob_hex);
	assert_int_equal(size, BLOB_SIZE);
	assert_int_equal(sha256_file(part, disk, &disk_size, &err), 0);
	assert_string_equal(disk, blob_hex);
	assert_int_equal(disk_size, BLOB_SIZE);
	free(url);
}

static int group_setup(void **state)
{
	struct error err = ERROR_INIT;
	unsigned long long sz;
	char *blob = xmalloc(BLOB_SIZE), *path;
	uint32_t x = 2463534242u;
	size_t i;

	(void)state;
	/* Loopback is never proxied, whatever the environment says. */
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	dir = unit_tmpdir();
	root = xstrfmt("%s/root", dir);
	updir = xstrfmt("%s/up", dir);
	logpath = xstrfmt("%s/requests.log", dir);
	hlogpath = xstrfmt("%s/headers.log", dir);
	faultspath = xstrfmt("%s/faults.json", dir);
	unit_mkdir(dir, "up");
	/* Incompressible, reproducible bytes (xorshift32). */
	for (i = 0; i < BLOB_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		blob[i] = (char)(x >> 24);
	}
	unit_mkdir(dir, "root/v1");
	path = xstrfmt("%s%s", root, BLOB);
	write_file(path, blob, BLOB_SIZE);
	if (sha256_file(path, blob_hex, &sz, &err) < 0)
		fail_msg("%s", err.msg);
	free(path);
	free(blob);
	unit_write(root, "v1/index.json", "{\"versions\": [\"20.1.0\"]}\n", 0644);
	reset();
	atexit(at_exit_stop);
	{
		char *pf = xstrfmt("%s/port", dir);

		mirror_pid = start_mirror(pf, NULL, &port);
		free(pf);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop_mirror(&mirror_pid);
	http_cleanup();
	unit_rmtree(dir);
	free(dir);
	free(root);
	free(updir);
	free(logpath);
	free(hlogpath);
	free(faultspath);
	return 0;
}

static void download_plain(void **state)
{
	struct http_options o = test_options();
	char *part = part_path();

	(void)state;
	reset();
	download_ok(BLOB, part, &o);
	expect_log(1, (const char *const[]){ "GET " BLOB " 200 600000 -" }, NULL);
	free(part);
}

static void download_resumes_partial_file(void **state)
{
	struct http_options o = test_options();
	char *part = part_path(), *src = xstrfmt("%s%s", root, BLOB);
	struct buf half = BUF_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	reset();
	assert_int_equal(buf_read_file(&half, src, 0, &err), 0);
	write_file(part, half.ptr, BLOB_SIZE / 2);
	download_ok(BLOB, part, &o);
	expect_log(1, (const char *const[]){ "GET " BLOB " 206 300000 " },
		   (const char *const[]){ " bytes=300000-" });

	/* Complete already (a crash before the rename): a 416 says so; nothing is fetched. */
	reset();
	download_ok(BLOB, part, &o);
	expect_log(1, (const char *const[]){ "GET " BLOB " 416 0 bytes=600000-" }, NULL);

	/* Longer than the file (it changed): start over. */
	reset();
	buf_add(&half, half.ptr, 1000);
	write_file(part, half.ptr, half.len);
	download_ok(BLOB, part, &o);
	expect_log(2, (const char *const[]){ "GET " BLOB " 416 0 bytes=601000-",
					     "GET " BLOB " 200 600000 -" }, NULL);

	/* A server without ranges answers 200: the old bytes go, whatever they were. */
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"ignore_range\"}]");
	write_file(part, "garbage", 7);
	download_ok(BLOB, part, &o);
	expect_log(1, (const char *const[]){ "GET " BLOB " 200 600000 bytes=7-" }, NULL);
	buf_release(&half);
	free(src);
	free(part);
}

static void download_drop_is_resumed(void **state)
{
	struct http_options o = test_options();
	char *part = part_path();

	(void)state;
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"drop_after\", \"bytes\": 100000}]");
	download_ok(BLOB, part, &o);
	expect_log(2, (const char *const[]){ "GET " BLOB " 200 100000 -", "GET " BLOB " 206 500000 " },
		   (const char *const[]){ NULL, " bytes=100000-" });
	free(part);
}

static void download_digest_is_of_the_bytes_received(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	unsigned char digest[32];
	char hex[SHA256_HEX_LEN + 1];
	char *part = part_path(), *url = url_of(BLOB);
	uint64_t size;

	(void)state;
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"corrupt\", \"offset\": 4321}]");
	assert_int_equal(http_download(url, part, &o, digest, &size, &err), 0);
	sha256_hex(digest, hex);
	assert_int_equal(size, BLOB_SIZE);
	assert_string_not_equal(hex, blob_hex);
	free(url);
	free(part);
}

static void download_404_fails_at_once(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	char *part = part_path();
	char *url = xstrfmt("http://deploy:hunter22@127.0.0.1:%d/v9/x.tar.gz", port);
	char *want = xstrfmt("cannot download 'http://127.0.0.1:%d/v9/x.tar.gz': "
			     "the server answered 404 Not Found", port);

	(void)state;
	reset();
	assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.kind, ERROR_NETWORK);
	expect_log(1, (const char *const[]){ "GET /v9/x.tar.gz 404 " }, NULL);
	free(want);
	free(url);
	free(part);
}

static void download_retries_503(void **state)
{
	struct http_options o = test_options();
	char *part = part_path();

	(void)state;
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"status\", \"status\": 503, \"times\": 2}]");
	download_ok(BLOB, part, &o);
	expect_log(3, (const char *const[]){ "GET " BLOB " 503 ", "GET " BLOB " 503 ",
					     "GET " BLOB " 200 600000 -" }, NULL);

	/* Out of retries: the last answer is the message. */
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"status\", \"status\": 502, \"times\": -1}]");
	o.retries = 2;
	{
		struct error err = ERROR_INIT;
		char *url = url_of(BLOB);

		assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
		expect_msg(&err, "the server answered 502 Bad Gateway (3 attempts)");
		free(url);
	}
	expect_log(3, NULL, NULL);
	free(part);
}

static void download_honours_retry_after(void **state)
{
	struct http_options o = test_options();
	char *part = part_path();
	long long t0;

	(void)state;
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"status\", \"status\": 429, "
		   "\"retry_after\": 1}]");
	t0 = now_ms();
	download_ok(BLOB, part, &o);
	assert_true(now_ms() - t0 >= 1000);
	expect_log(2, (const char *const[]){ "GET " BLOB " 429 ", "GET " BLOB " 200 " }, NULL);
	free(part);
}

static void download_slow_server_times_out(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	char *part = part_path(), *url = url_of(BLOB);
	long long t0;

	(void)state;
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"slow\", \"interval\": 0.5, \"times\": -1}]");
	o.low_speed_time = 1;
	o.retries = 1;
	t0 = now_ms();
	assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
	if (now_ms() - t0 > 8000)
		fail_msg("a slow server held the download for %lld ms", now_ms() - t0);
	expect_msg(&err, "low-speed timeout: less than 1024 bytes/s for 1 s (2 attempts)");
	assert_int_equal(err.kind, ERROR_NETWORK);
	/* The second attempt resumed after the few bytes the first one got. */
	expect_log(2, (const char *const[]){ "GET " BLOB " 200 ", "GET " BLOB " 206 " },
		   (const char *const[]){ " -", NULL });
	free(url);
	free(part);
}

static void redirects_never_reach_files(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	char *part = part_path(), *url = url_of("/moved"), *target = NULL;
	unsigned long long size;
	char hex[SHA256_HEX_LEN + 1];

	(void)state;
	reset();
	set_faults("[{\"path\": \"/moved\", \"action\": \"redirect\", "
		   "\"location\": \"file:///etc/passwd\", \"times\": -1}]");
	assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
	expect_msg(&err, "refusing the redirect to 'file:///etc/passwd'");
	/* Not even for a file:// mirror. */
	o.allow_file = 1;
	error_clear(&err);
	assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
	expect_msg(&err, "refusing the redirect to 'file:///etc/passwd'");
	assert_int_equal(sha256_file(part, hex, &size, &err), 0);
	assert_int_equal(size, 0);

	/* An http redirect is followed. */
	reset();
	target = url_of(BLOB);
	{
		char *json = xstrfmt("[{\"path\": \"/moved\", \"action\": \"redirect\", "
				     "\"location\": \"%s\"}]", target);

		set_faults(json);
		free(json);
	}
	download_ok("/moved", part, &o);
	expect_log(2, (const char *const[]){ "GET /moved 302 0 -", "GET " BLOB " 200 " }, NULL);
	free(target);
	free(url);
	free(part);
}

/* Whether any request the header log at path records carries an Authorization header. */
static int any_authorization(const char *path)
{
	struct buf text = BUF_INIT;
	struct error err = ERROR_INIT;
	int found;

	if (fs_exists(path) && buf_read_file(&text, path, 0, &err) < 0)
		fail_msg("%s", err.msg);
	found = text.len && strcasestr(text.ptr, "\"Authorization\"") != NULL;
	buf_release(&text);
	return found;
}

/*
 * libcurl keeps credentials on their origin (CURLOPT_UNRESTRICTED_AUTH off,
 * no netrc): a mirror URL's user:password and an API request's
 * Authorization header reach the first server, never a second one on
 * another port that a redirect names.
 */
static void credentials_stay_on_their_origin(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	struct strvec headers = STRVEC_INIT;
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	char *pf2 = xstrfmt("%s/port2", dir), *hlog2 = xstrfmt("%s/headers2.log", dir);
	char *log2 = xstrfmt("%s/requests2.log", dir), *json, *url, *part = part_path(), *netrc;
	const char *home = getenv("HOME");
	char *old_home = home ? xstrdup(home) : NULL;
	pid_t pid2;
	int port2;

	(void)state;
	reset();
	pid2 = start_mirror(pf2, (const char *const[]){ "--log-headers", hlog2, "--log", log2, NULL },
			    &port2);
	json = xstrfmt("[{\"path\": \"/moved\", \"action\": \"redirect\", \"times\": -1, "
		       "\"location\": \"http://127.0.0.1:%d" BLOB "\"}]", port2);
	set_faults(json);
	/* ~/.netrc is never read by libcurl here: an entry for the second server must not be used. */
	setenv("HOME", dir, 1);
	netrc = xstrfmt("%s/.netrc", dir);
	write_file(netrc, "machine 127.0.0.1 login n password netrc-secret-pw\n",
		   strlen("machine 127.0.0.1 login n password netrc-secret-pw\n"));

	url = xstrfmt("http://mirror-user:mirror-secret-pw@127.0.0.1:%d/moved", port);
	if (http_download(url, part, &o, NULL, NULL, &err) < 0)
		fail_msg("download failed: %s", err.msg);
	assert_true(any_authorization(hlogpath));
	assert_false(any_authorization(hlog2));

	reset();
	set_faults(json);
	strvec_push(&headers, "Authorization: Bearer api-secret-token");
	free(url);
	url = url_of("/moved");
	rq.url = url;
	rq.headers = &headers;
	assert_int_equal(http_request(&rq, &rs, &o, &err), 0);
	assert_int_equal(rs.status, 200);
	assert_true(any_authorization(hlogpath));
	assert_false(any_authorization(hlog2));

	if (old_home)
		setenv("HOME", old_home, 1);
	http_response_release(&rs);
	stop_mirror(&pid2);
	unlink(netrc);
	strvec_clear(&headers);
	free(old_home);
	free(netrc);
	free(json);
	free(url);
	free(part);
	free(pf2);
	free(hlog2);
	free(log2);
}

static void get_is_bounded(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	struct buf body = BUF_INIT;
	struct strvec lines = STRVEC_INIT;
	char *url = url_of("/v1/index.json"), *huge = url_of("/huge.json");
	const char *sent;
	int i;

	(void)state;
	reset();
	assert_int_equal(http_get(url, 1024, &o, &body, &err), 0);
	assert_string_equal(body.ptr, "{\"versions\": [\"20.1.0\"]}\n");

	/* 2 GB announced, and then without a length: refused at 1 MB either way. */
	for (i = 0; i < 2; i++) {
		reset();
		set_faults(i ? "[{\"path\": \"/huge.json\", \"action\": \"huge\", "
			       "\"bytes\": 2147483648, \"length\": false}]"
			     : "[{\"path\": \"/huge.json\", \"action\": \"huge\", \"bytes\": 2147483648}]");
		buf_reset(&body);
		buf_addstr(&body, "kept");
		assert_int_equal(http_get(huge, 1024 * 1024, &o, &body, &err), -1);
		expect_msg(&err, "answered with more than 1.0 MB; refusing it");
		assert_string_equal(body.ptr, "kept");
		assert_true(body.alloc < 4 * 1024 * 1024);
		/* The server could send little more than the cap before the client hung up. */
		read_log(logpath, 1, &lines);
		sent = strchr(strchr(strchr(lines.v[0], ' ') + 1, ' ') + 1, ' ') + 1;
		if (strtoull(sent, NULL, 10) > 64ULL * 1024 * 1024)
			fail_msg("the client read on: '%s'", lines.v[0]);
	}

	/* A document that is not there. */
	reset();
	error_clear(&err);
	free(url);
	url = url_of("/v1/missing.json");
	assert_int_equal(http_get(url, 1024, &o, &body, &err), -1);
	expect_msg(&err, "the server answered 404 Not Found");
	strvec_clear(&lines);
	buf_release(&body);
	free(huge);
	free(url);
}

static void file_urls_only_when_allowed(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	struct buf half = BUF_INIT;
	char *part = part_path(), *part2 = part_path();
	char *url = xstrfmt("file://%s%s", root, BLOB), *src = xstrfmt("%s%s", root, BLOB);
	unsigned char digest[32];
	char hex[SHA256_HEX_LEN + 1];
	uint64_t size;

	(void)state;
	assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
	expect_msg(&err, "only http and https URLs are allowed");
	error_clear(&err);
	assert_int_equal(http_get(url, 1 << 20, &o, &half, &err), -1);
	expect_msg(&err, "only http and https URLs are allowed");

	o.allow_file = 1;
	assert_int_equal(http_download(url, part, &o, digest, &size, &err), 0);
	sha256_hex(digest, hex);
	assert_string_equal(hex, blob_hex);
	assert_int_equal(size, BLOB_SIZE);

	/* Resuming works for files too. */
	assert_int_equal(buf_read_file(&half, src, 0, &err), 0);
	write_file(part2, half.ptr, 123457);
	assert_int_equal(http_download(url, part2, &o, digest, &size, &err), 0);
	sha256_hex(digest, hex);
	assert_string_equal(hex, blob_hex);
	assert_int_equal(size, BLOB_SIZE);
	buf_release(&half);
	free(src);
	free(url);
	free(part);
	free(part2);
}

static void run_openssl(const char *key, const char *cert)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("openssl", "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
		       "/CN=127.0.0.1", "-days", "1", "-keyout", key, "-out", cert, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("openssl req failed (status %d)", status);
}

static void https_self_signed_is_refused(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	char *key = xstrfmt("%s/key.pem", dir), *cert = xstrfmt("%s/cert.pem", dir);
	char *pf = xstrfmt("%s/tls-port", dir), *part = part_path(), *url;
	pid_t tls_pid;
	int tls_port;

	(void)state;
	run_openssl(key, cert);
	tls_pid = start_mirror(pf, (const char *const[]){ "--tls", cert, key, NULL }, &tls_port);
	url = xstrfmt("https://127.0.0.1:%d%s", tls_port, BLOB);
	o.retries = 0;
	/* The handshake is part of the connect time: a loaded machine (ASan, -j4) needs longer. */
	o.connect_timeout = 60;
	assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
	stop_mirror(&tls_pid);
	expect_msg(&err, "certificate");
	expect_msg(&err, "cannot download 'https://127.0.0.1:");
	free(url);
	free(part);
	free(pf);
	free(key);
	free(cert);
}

static void user_agent_is_slugc(void **state)
{
	struct http_options o = test_options();
	struct strvec lines = STRVEC_INIT;
	char *part = part_path();

	(void)state;
	reset();
	download_ok(BLOB, part, &o);
	read_log(hlogpath, 1, &lines);
	assert_int_equal(lines.nr, 1);
	if (!strstr(lines.v[0], "[\"User-Agent\", \"slugc/" SLUGC_VERSION "\"]"))
		fail_msg("headers: %s", lines.v[0]);
	strvec_clear(&lines);
	free(part);
}

/* A file of n bytes, different from the blob. */
static char *make_upload(size_t n)
{
	char *path = xstrfmt("%s/upload-%u.bin", dir, ++counter);
	char *data = xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		data[i] = (char)(i * 7 + i / 251);
	write_file(path, data, n);
	free(data);
	return path;
}

static void expect_same_file(const char *a, const char *b)
{
	struct error err = ERROR_INIT;
	char ha[SHA256_HEX_LEN + 1], hb[SHA256_HEX_LEN + 1];
	unsigned long long sa = 0, sb = 0;

	if (sha256_file(a, ha, &sa, &err) < 0 || sha256_file(b, hb, &sb, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sa, sb);
	assert_string_equal(ha, hb);
}

static void upload_streams_file_without_content_type(void **state)
{
	struct http_options o = test_options();
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct error err = ERROR_INIT;
	struct strvec lines = STRVEC_INIT;
	char *src = make_upload(3 * 1024 * 1024), *url = url_of("/slugs/app.tgz?X-Amz-Signature=abc");
	char *stored = xstrfmt("%s/slugs/app.tgz", updir);

	(void)state;
	reset();
	rq.method = "PUT";
	rq.url = url;
	rq.upload_path = src;
	rq.idempotent = 1;
	if (http_request(&rq, &rs, &o, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(rs.status, 200);
	assert_string_equal(http_header(&rs, "X-Mirror-Received"), "3145728");
	assert_string_equal(http_header(&rs, "content-type"), "application/json");
	assert_non_null(strstr(rs.body.ptr, "\"bytes\": 3145728"));
	expect_same_file(src, stored);
	expect_log(1, (const char *const[]){ "PUT /slugs/app.tgz?X-Amz-Signature=abc 200 3145728 - "
					     "content-type=- content-length=3145728" }, NULL);
	/* Neither a Content-Type nor an Expect: 100-continue went out. */
	read_log(hlogpath, 1, &lines);
	assert_null(strstr(lines.v[0], "Content-Type"));
	assert_null(strstr(lines.v[0], "Expect"));
	assert_non_null(strstr(lines.v[0], "[\"Content-Length\", \"3145728\"]"));

	/* Dropped halfway: an idempotent PUT is sent again, from the start. */
	reset();
	unlink(stored);
	set_faults("[{\"path\": \"/slugs/app.tgz\", \"method\": \"PUT\", \"action\": \"drop_after\", "
		   "\"bytes\": 1000000}]");
	if (http_request(&rq, &rs, &o, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(rs.status, 200);
	expect_same_file(src, stored);
	expect_log(2, (const char *const[]){ "PUT /slugs/app.tgz?X-Amz-Signature=abc 0 1000000 - ",
					     "PUT /slugs/app.tgz?X-Amz-Signature=abc 200 3145728 - " },
		   NULL);

	http_response_release(&rs);
	strvec_clear(&lines);
	free(stored);
	free(src);
	free(url);
}

static void requests_return_any_answer(void **state)
{
	struct http_options o = test_options();
	struct http_request rq = HTTP_REQUEST_INIT;
	struct http_response rs = HTTP_RESPONSE_INIT;
	struct strvec headers = STRVEC_INIT;
	struct error err = ERROR_INIT;
	char *url = url_of("/apps/demo/builds"), *dead, *text;

	(void)state;
	reset();
	strvec_push(&headers, "Content-Type: application/json");
	strvec_push(&headers, "Authorization: Bearer not-in-the-log");
	rq.method = "POST";
	rq.url = url;
	rq.headers = &headers;
	rq.body = "{}";
	rq.body_len = 2;

	/* Not idempotent: a 503 is the answer, not retried. */
	set_faults("[{\"path\": \"/apps/demo/builds\", \"action\": \"status\", \"status\": 503}]");
	assert_int_equal(http_request(&rq, &rs, &o, &err), 0);
	assert_int_equal(rs.status, 503);
	assert_string_equal(rs.body.ptr, "503 Service Unavailable\n");
	expect_log(1, (const char *const[]){ "POST /apps/demo/builds 503 " }, NULL);

	/* A 429 is retried even so: the server did not act on the request. */
	reset();
	set_faults("[{\"path\": \"/apps/demo/builds\", \"action\": \"status\", \"status\": 429, "
		   "\"retry_after\": 1}]");
	assert_int_equal(http_request(&rq, &rs, &o, &err), 0);
	assert_int_equal(rs.status, 200);
	expect_log(2, (const char *const[]){ "POST /apps/demo/builds 429 ", "POST /apps/demo/builds 200 " },
		   NULL);

	/* The fault is spent: the body and its type arrive. */
	reset();
	assert_int_equal(http_request(&rq, &rs, &o, &err), 0);
	assert_int_equal(rs.status, 200);
	assert_non_null(strstr(rs.body.ptr, "\"bytes\": 2"));
	text = xstrfmt("%zu", rs.body.len);
	assert_string_equal(http_header(&rs, "Content-Length"), text);
	free(text);
	assert_null(http_header(&rs, "x-missing"));
	expect_log(1, (const char *const[]){ "POST /apps/demo/builds 200 2 - "
					     "content-type=application/json content-length=2" }, NULL);

	/* Idempotent: retried, and after the retries the last answer is returned. */
	reset();
	set_faults("[{\"path\": \"/apps/demo/builds\", \"action\": \"status\", \"status\": 500, "
		   "\"times\": -1}]");
	rq.idempotent = 1;
	o.retries = 2;
	assert_int_equal(http_request(&rq, &rs, &o, &err), 0);
	assert_int_equal(rs.status, 500);
	expect_log(3, NULL, NULL);

	/* A 4xx is an answer. */
	reset();
	http_response_release(&rs);
	rq.method = "GET";
	rq.body = NULL;
	rq.body_len = 0;
	free(url);
	url = url_of("/nothing/here");
	rq.url = url;
	assert_int_equal(http_request(&rq, &rs, &o, &err), 0);
	assert_int_equal(rs.status, 404);

	/* HEAD: the headers only. */
	rq.method = "HEAD";
	rq.url = text = url_of(BLOB);
	assert_int_equal(http_request(&rq, &rs, &o, &err), 0);
	assert_int_equal(rs.status, 200);
	assert_int_equal(rs.body.len, 0);
	assert_string_equal(http_header(&rs, "content-length"), "600000");
	assert_string_equal(http_header(&rs, "Accept-Ranges"), "bytes");
	free(text);
	rq.method = "GET";
	rq.url = url;

	/* Too large an answer is refused. */
	rq.max_response = 10;
	assert_int_equal(http_request(&rq, &rs, &o, &err), -1);
	expect_msg(&err, "more than 10 B");
	rq.max_response = 0;

	/* Nothing listening: retried even when not idempotent (nothing was sent), then -1. */
	{
		pid_t p;
		int dead_port;
		char *pf = xstrfmt("%s/dead-port", dir);

		p = start_mirror(pf, NULL, &dead_port);
		stop_mirror(&p);
		dead = xstrfmt("http://127.0.0.1:%d/x", dead_port);
		free(pf);
	}
	rq.url = dead;
	rq.idempotent = 0;
	assert_int_equal(http_request(&rq, &rs, &o, &err), -1);
	expect_msg(&err, "request GET 'http://127.0.0.1:");
	expect_msg(&err, "the connection was refused (3 attempts)");
	assert_int_equal(err.kind, ERROR_NETWORK);

	http_response_release(&rs);
	strvec_clear(&headers);
	free(dead);
	free(url);
}

/* Run fn with fd 2 going to a file; returns what was written. */
static char *capture_stderr(void (*fn)(void))
{
	char *path = xstrfmt("%s/stderr-%u", dir, ++counter);
	struct buf text = BUF_INIT;
	struct error err = ERROR_INIT;
	int fd, saved;

	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(buf_read_file(&text, path, 0, &err), 0);
	free(path);
	return buf_detach(&text, NULL);
}

static struct error traced_err;
static int traced_ret;
static const struct http_options *traced_options; /* NULL: test_options() */

static void traced_get(void)
{
	struct http_options o = traced_options ? *traced_options : test_options();
	struct buf body = BUF_INIT;
	char *url = xstrfmt("http://deploy:pw0rd-x@127.0.0.1:%d/v1/index.json?token=s3cr3t-token-xyz",
			    port);

	traced_ret = http_get(url, 1024, &o, &body, &traced_err);
	buf_release(&body);
	free(url);
}

static void traces_are_redacted(void **state)
{
	char *text;

	(void)state;
	reset();
	set_faults("[{\"path\": \"/v1/index.json\", \"action\": \"status\", \"status\": 503}]");
	out_setup(OUT_VERBOSE, 0);
	out_add_secret("s3cr3t-token-xyz");
	text = capture_stderr(traced_get);
	out_release();
	assert_int_equal(traced_ret, 0);
	if (!strstr(text, "trace: http: GET http://127.0.0.1:") ||
	    !strstr(text, "/v1/index.json?token=[REDACTED] -> 503") ||
	    !strstr(text, "trace: http: retry 1 of 3 in 20 ms: the server answered 503") ||
	    !strstr(text, "-> 200 (25 B in") || strstr(text, "s3cr3t") || strstr(text, "pw0rd") ||
	    strstr(text, "deploy"))
		fail_msg("trace:\n%s", text);
	free(text);

	/* Without -v: nothing. */
	text = capture_stderr(traced_get);
	assert_string_equal(text, "");
	free(text);
}

static void progress_only_on_a_terminal(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	char *part = part_path(), *url = url_of(BLOB), *text;
	char got[8192];
	size_t n = 0;
	int master, slave, saved;

	(void)state;
	reset();
	o.progress = 1;
	o.label = "node-v20.1.0 key=s3cr3t-token-xyz";
	out_add_secret("s3cr3t-token-xyz");

	/* stderr is a file here: no bar. */
	traced_options = &o;
	text = capture_stderr(traced_get);
	traced_options = NULL;
	assert_int_equal(traced_ret, 0);
	assert_string_equal(text, "");
	free(text);

	/* On a terminal: "\r"-redrawn, redacted, then cleared. */
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	fflush(stderr);
	saved = dup(2);
	dup2(slave, 2);
	if (http_download(url, part, &o, NULL, NULL, &err) < 0) {
		dup2(saved, 2);
		fail_msg("%s", err.msg);
	}
	out_setup(OUT_QUIET, 0);
	out_progress("quiet", 1, 2); /* -q: nothing */
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		ssize_t r;

		if (poll(&p, 1, 200) <= 0 || n == sizeof(got) - 1)
			break;
		r = read(master, got + n, sizeof(got) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	got[n] = '\0';
	close(slave);
	close(master);
	out_release();
	if (!strstr(got, "\r       node-v20.1.0 key=[REDACTED]  ") || !strstr(got, "585.9 KB") ||
	    strstr(got, "s3cr3t") || strchr(got, '\n'))
		fail_msg("progress: '%s'", got);
	free(url);
	free(part);
}

static void on_alarm(int signo)
{
	(void)signo;
	kill(getpid(), SIGINT);
}

/* Last: the interrupt flag stays set for the rest of the process. */
static void interrupt_stops_a_transfer(void **state)
{
	struct http_options o = test_options();
	struct error err = ERROR_INIT;
	char *part = part_path(), *url = url_of(BLOB);
	long long t0;

	(void)state;
	reset();
	set_faults("[{\"path\": \"" BLOB "\", \"action\": \"slow\", \"interval\": 0.2, \"times\": -1}]");
	o.low_speed_limit = 1;
	o.low_speed_time = 30;
	sig_install();
	signal(SIGALRM, on_alarm);
	alarm(1);
	t0 = now_ms();
	assert_int_equal(http_download(url, part, &o, NULL, NULL, &err), -1);
	assert_int_equal(err.kind, ERROR_INTERRUPTED);
	assert_true(now_ms() - t0 < 4000);
	free(url);
	free(part);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(download_plain),
		cmocka_unit_test(download_resumes_partial_file),
		cmocka_unit_test(download_drop_is_resumed),
		cmocka_unit_test(download_digest_is_of_the_bytes_received),
		cmocka_unit_test(download_404_fails_at_once),
		cmocka_unit_test(download_retries_503),
		cmocka_unit_test(download_honours_retry_after),
		cmocka_unit_test(download_slow_server_times_out),
		cmocka_unit_test(redirects_never_reach_files),
		cmocka_unit_test(credentials_stay_on_their_origin),
		cmocka_unit_test(get_is_bounded),
		cmocka_unit_test(file_urls_only_when_allowed),
		cmocka_unit_test(https_self_signed_is_refused),
		cmocka_unit_test(user_agent_is_slugc),
		cmocka_unit_test(upload_streams_file_without_content_type),
		cmocka_unit_test(requests_return_any_answer),
		cmocka_unit_test(traces_are_redacted),
		cmocka_unit_test(progress_only_on_a_terminal),
		cmocka_unit_test(interrupt_stops_a_transfer),
	};

	return cmocka_run_group_tests_name("http", tests, group_setup, group_teardown);
}
