/*
 * slugc publish, deploy, promote, releases: the Platform API commands.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "buf.h"
#include "cmd.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "manifest.h"
#include "output.h"
#include "path.h"
#include "publish.h"
#include "xalloc.h"

#define DEFAULT_WAIT 600

static const char api_help[] =
	"      --api-url URL     the Platform API (default: HEROKU_API_URL, else\n"
	"                        HEROKU_HOST as the heroku CLI reads it, else\n"
	"                        https://api.heroku.com)\n"
	"      --wait SECONDS    how long to wait for a pending release (default: 600)\n"
	"      --json            print the release as one JSON document on stdout\n"
	"  -q, --quiet           print only warnings and errors\n"
	"  -v, --verbose         also print each request (never the token)\n"
	"  -h, --help            show this help\n"
	"\n"
	"The token is HEROKU_API_KEY, else the password of the API host's entry in\n"
	"~/.netrc (as 'heroku login' writes it). It never appears in any output.\n"
	"Exit status: 0 released, 1 the API or the upload failed, 2 usage error.\n";

static const char publish_usage[] =
	"usage: slugc publish SLUG.tgz --app APP [options]\n"
	"\n"
	"Register the slug with the Platform API (the manifest's process types,\n"
	"commit, stack and checksum), upload it, and release it on APP.\n"
	"\n"
	"  -a, --app APP         the app to release on\n"
	"      --manifest FILE   the slug's manifest (default: the slug's name with .json;\n"
	"                        without one, any slug: its ./app/Procfile is read)\n"
	"      --process-types TYPE=COMMAND  a process type (repeatable), or a JSON object\n"
	"                        of them; replaces the manifest's or the Procfile's\n"
	"      --description T   the release's description (default: Deploy <commit>)\n"
	"%s";

static const char deploy_usage[] =
	"usage: slugc deploy SOURCE --app APP [compile options] [options]\n"
	"\n"
	"Compile SOURCE and publish the slug in one step: what a CI job runs. The\n"
	"slug goes to a temporary directory and is removed afterwards, unless -o\n"
	"names where to keep it.\n"
	"\n"
	"  -a, --app APP         the app to release on\n"
	"      --description T   the release's description (default: Deploy <commit>)\n"
	"      --api-url URL     the Platform API (default: HEROKU_API_URL or\n"
	"                        https://api.heroku.com)\n"
	"      --wait SECONDS    how long to wait for a pending release (default: 600)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Compile options:\n"
	"%s"
	"\n"
	"The token is HEROKU_API_KEY, else ~/.netrc. Exit status: 0 released, 1 the\n"
	"build, the API or the upload failed, 2 usage error.\n";

static const char promote_usage[] =
	"usage: slugc promote --from APP --to APP [options]\n"
	"\n"
	"Release the slug of APP's current release on another app, as heroku\n"
	"pipelines:promote does: the same bytes, from staging to production. A newer\n"
	"release that is pending or failed is not promoted.\n"
	"\n"
	"      --from APP        the app whose current release is promoted\n"
	"      --to APP          the app to release it on\n"
	"      --description T   the release's description (default: Promote APP vN)\n"
	"%s";

static const char releases_usage[] =
	"usage: slugc releases --app APP [--num N] [options]\n"
	"\n"
	"List APP's releases, newest first, as the heroku CLI does: a header naming\n"
	"the current release, then version, description (with the release phase's\n"
	"state unless it succeeded), user and creation time. --json has every field.\n"
	"\n"
	"  -a, --app APP         the app\n"
	"  -n, --num N           how many releases (default: 15; at most 10000)\n"
	"      --api-url URL     the Platform API (default: HEROKU_API_URL or\n"
	"                        https://api.heroku.com)\n"
	"      --json            print the releases as one JSON array on stdout\n"
	"  -q, --quiet           print only warnings and errors\n"
	"  -v, --verbose         also print each request (never the token)\n"
	"  -h, --help            show this help\n"
	"\n"
	"The API is --api-url, else HEROKU_API_URL, else HEROKU_HOST (the heroku CLI's:\n"
	"a URL, or a domain whose API is api.DOMAIN), else https://api.heroku.com.\n";

enum { OPT_API_URL = 1000, OPT_WAIT, OPT_JSON_P, OPT_MANIFEST_P, OPT_DESCRIPTION, OPT_FROM, OPT_TO,
       OPT_PROCESS_TYPES };

/* The options every API command shares. */
struct api_args {
	const char *app, *api_url, *description, *manifest, *from, *to;
	unsigned long long wait, num;
	int json, quiet, verbose;
	enum out_level level;
};

static const struct option api_longopts[] = {
	{ "app", required_argument, NULL, 'a' },
	{ "api-url", required_argument, NULL, OPT_API_URL },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "json", no_argument, NULL, OPT_JSON_P },
	{ "manifest", required_argument, NULL, OPT_MANIFEST_P },
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "process-types", required_argument, NULL, OPT_PROCESS_TYPES },
	{ "num", required_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* 1 when c was one of the shared options (applied), 0 when not, -1 on a bad value. */
static int api_option(struct api_args *a, int c, const char *cmd, struct error *err)
{
	switch (c) {
	case 'a':
		a->app = optarg;
		return 1;
	case OPT_API_URL:
		a->api_url = optarg;
		return 1;
	case OPT_WAIT:
		return cmd_parse_uint(optarg, "--wait", cmd, 0, 86400, &a->wait, err) < 0 ? -1 : 1;
	case OPT_DESCRIPTION:
		if (strlen(optarg) > 1024)
			return cmd_usage(err, cmd, "--description is longer than 1024 characters");
		a->description = optarg;
		return 1;
	case 'q':
		a->quiet = 1;
		return 1;
	case 'v':
		a->verbose = 1;
		return 1;
	default:
		return 0;
	}
}

static void api_args_init(struct api_args *a)
{
	memset(a, 0, sizeof(*a));
	a->wait = DEFAULT_WAIT;
	a->num = 15;
	a->level = OUT_NORMAL;
}

static void print_release(const char *app, const struct json *rel, int json)
{
	int64_t v = -1;

	if (json) {
		char *text = json_print(rel, 0);

		out_json(text);
		free(text);
		return;
	}
	json_get_int(rel, "version", &v);
	out_step("Released v%lld on %s", (long long)v, app);
}

int cmd_publish(int argc, char **argv, struct error *err)
{
	struct api_args a;
	struct publish_options po;
	struct strvec types = STRVEC_INIT;
	struct api api;
	struct json *rel = NULL;
	int c, r, ret = -1, opened = 0;

	api_args_init(&a);
	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":a:qvh", api_longopts)) != -1) {
		r = api_option(&a, c, "publish", err);
		if (r < 0)
			goto out;
		if (r)
			continue;
		switch (c) {
		case OPT_JSON_P:
			a.json = 1;
			break;
		case OPT_MANIFEST_P:
			a.manifest = optarg;
			break;
		case OPT_PROCESS_TYPES:
			strvec_push(&types, optarg);
			break;
		case 'h':
			out_text(publish_usage, api_help);
			ret = 0;
			goto out;
		default:
			cmd_bad_option(err, "publish", c, argv);
			goto out;
		}
	}
	if (cmd_one_operand(argc, argv, "publish", "SLUG.tgz", err) < 0)
		goto out;
	if (!a.app) {
		cmd_usage(err, "publish", "missing --app");
		goto out;
	}
	if (cmd_out_level(a.quiet, a.verbose, "publish", &a.level, err) < 0)
		goto out;
	out_setup(a.level, a.json);
	if (api_open(&api, a.api_url, err) < 0)
		goto out;
	opened = 1;
	memset(&po, 0, sizeof(po));
	po.slug = argv[optind];
	po.manifest = a.manifest;
	po.app = a.app;
	po.description = a.description;
	po.wait = (long)a.wait;
	po.process_types = &types;
	if (publish_slug(&api, &po, &rel, err) < 0)
		goto out;
	print_release(a.app, rel, a.json);
	ret = 0;
out:
	json_free(rel);
	strvec_clear(&types);
	if (opened)
		api_close(&api);
	return ret;
}

int cmd_deploy(int argc, char **argv, struct error *err)
{
	struct option longopts[64];
	struct compile_args ca;
	struct api_args a;
	struct publish_options po;
	struct api api;
	struct build b;
	struct json *rel = NULL;
	char *tmpdir = NULL, *slug = NULL;
	size_t n = 0, i;
	int c, r, ret = -1, opened = 0, built = 0;

	/* compile's options, then deploy's own (--app, --api-url, --wait, --description). */
	for (i = 0; compile_longopts[i].name; i++)
		longopts[n++] = compile_longopts[i];
	for (i = 0; api_longopts[i].name; i++)
		if (!strcmp(api_longopts[i].name, "app") || !strcmp(api_longopts[i].name, "api-url") ||
		    !strcmp(api_longopts[i].name, "wait") ||
		    !strcmp(api_longopts[i].name, "description"))
			longopts[n++] = api_longopts[i];
	memset(&longopts[n], 0, sizeof(longopts[n]));

	compile_args_init(&ca);
	/* No -o: the slug and manifest go to a temporary directory, removed at the end. */
	ca.opt.output = NULL;
	api_args_init(&a);
	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":a:" COMPILE_SHORTOPTS "h", longopts)) != -1) {
		if (c == 'h') {
			out_text(deploy_usage, compile_options_help);
			ret = 0;
			goto out;
		}
		/* compile's first: -q and -v set the level of the whole deploy. */
		r = compile_args_option(&ca, c, "deploy", err);
		if (!r)
			r = api_option(&a, c, "deploy", err);
		if (r < 0)
			goto out;
		if (!r) {
			cmd_bad_option(err, "deploy", c, argv);
			goto out;
		}
	}
	if (cmd_one_operand(argc, argv, "deploy", "SOURCE", err) < 0)
		goto out;
	if (!a.app) {
		cmd_usage(err, "deploy", "missing --app");
		goto out;
	}
	/* Before the build: a mistyped app should not cost one. */
	if (api_check_app(a.app, err) < 0)
		goto out;
	ca.opt.source = argv[optind];
	if (compile_args_finish(&ca, "deploy", err) < 0)
		goto out;
	/* The token first: a missing one should not cost a whole build. */
	if (api_open(&api, a.api_url, err) < 0)
		goto out;
	opened = 1;
	if (!ca.opt.output) {
		tmpdir = fs_make_temp_dir("slugc-deploy", err);
		if (!tmpdir)
			goto out;
		slug = path_join(tmpdir, "slug.tgz");
		ca.opt.output = slug;
	}
	build_init(&b, &ca.opt);
	built = 1;
	if (build_run(&b, err) < 0)
		goto out;
	memset(&po, 0, sizeof(po));
	po.slug = b.opt.output;
	po.manifest = b.manifest_path;
	po.app = a.app;
	po.description = a.description;
	po.wait = (long)a.wait;
	if (publish_slug(&api, &po, &rel, err) < 0)
		goto out;
	print_release(a.app, rel, ca.json);
	ret = 0;
out:
	if (built)
		build_release(&b);
	if (tmpdir) {
		struct error ignored = ERROR_INIT;

		fs_remove_tree(tmpdir, &ignored);
	}
	free(tmpdir);
	free(slug);
	json_free(rel);
	if (opened)
		api_close(&api);
	compile_args_release(&ca);
	return ret;
}

int cmd_promote(int argc, char **argv, struct error *err)
{
	struct api_args a;
	struct api api;
	struct json *rel = NULL;
	int c, r, ret = -1;

	api_args_init(&a);
	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":qvh", api_longopts)) != -1) {
		if (c == 'a')
			return cmd_usage(err, "promote", "promote takes --from and --to, not --app");
		r = api_option(&a, c, "promote", err);
		if (r < 0)
			return -1;
		if (r)
			continue;
		switch (c) {
		case OPT_FROM:
			a.from = optarg;
			break;
		case OPT_TO:
			a.to = optarg;
			break;
		case OPT_JSON_P:
			a.json = 1;
			break;
		case 'h':
			out_text(promote_usage, api_help);
			return 0;
		default:
			return cmd_bad_option(err, "promote", c, argv);
		}
	}
	if (optind < argc)
		return cmd_usage(err, "promote", "unexpected argument '%s'", argv[optind]);
	if (!a.from || !a.to)
		return cmd_usage(err, "promote", "missing --%s", a.from ? "to" : "from");
	if (cmd_out_level(a.quiet, a.verbose, "promote", &a.level, err) < 0)
		return -1;
	out_setup(a.level, a.json);
	if (api_open(&api, a.api_url, err) < 0)
		return -1;
	if (publish_promote(&api, a.from, a.to, a.description, (long)a.wait, &rel, err) == 0) {
		print_release(a.to, rel, a.json);
		ret = 0;
	}
	json_free(rel);
	api_close(&api);
	return ret;
}

/* "~ 3h ago" for an ISO 8601 UTC time, as the heroku CLI shows it; "" when unreadable. */
static void add_ago(struct buf *b, const char *iso, time_t now)
{
	struct tm tm;
	const char *end;
	long long d;

	memset(&tm, 0, sizeof(tm));
	end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end)
		return;
	buf_addf(b, "%04d/%02d/%02d %02d:%02d:%02d +0000", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	d = (long long)(now - timegm(&tm));
	if (d < 0)
		d = 0;
	if (d < 60)
		buf_addf(b, " (~ %llds ago)", d);
	else if (d < 3600)
		buf_addf(b, " (~ %lldm ago)", d / 60);
	else if (d < 86400)
		buf_addf(b, " (~ %lldh ago)", d / 3600);
	else
		buf_addf(b, " (~ %lldd ago)", d / 86400);
}

/*
 * The heroku CLI's releases table: a "=== APP Releases - Current: vN"
 * header, then per release its version, description (with the release
 * phase's state when it did not succeed), user and time, columns aligned.
 * Text from the API is quoted as in messages, so it cannot break lines.
 */
static void print_releases(const char *app, const struct json *list)
{
	const struct json *rel;
	struct strvec cells = STRVEC_INIT;
	size_t width[3] = { 0, 0, 0 }, i, n = 0, k;
	struct buf cell = BUF_INIT, line = BUF_INIT;
	long long current = -1;
	time_t now = time(NULL);

	for (rel = json_child(list); rel; rel = json_next(rel)) {
		const struct json *user = json_get(rel, "user");
		const char *status = json_get_str(rel, "status"), *email;
		int64_t v = -1;

		json_get_int(rel, "version", &v);
		if (current < 0 && json_is_true(json_get(rel, "current")))
			current = (long long)v;
		email = user && json_is_object(user) ? json_get_str(user, "email") : NULL;
		strvec_pushf(&cells, "v%lld", (long long)v);
		buf_reset(&cell);
		if (json_get_str(rel, "description"))
			buf_add_quoted(&cell, json_get_str(rel, "description"),
				       strlen(json_get_str(rel, "description")), 200);
		if (status && !strcmp(status, "pending"))
			buf_addstr(&cell, " (release command executing)");
		else if (status && strcmp(status, "succeeded"))
			buf_addstr(&cell, " (release command failed)");
		strvec_push(&cells, cell.ptr);
		buf_reset(&cell);
		if (email)
			buf_add_quoted(&cell, email, strlen(email), 100);
		strvec_push(&cells, cell.ptr);
		buf_reset(&cell);
		add_ago(&cell, json_get_str(rel, "created_at"), now);
		strvec_push(&cells, cell.ptr);
		for (k = 0; k < 3; k++)
			if (strlen(cells.v[n * 4 + k]) > width[k])
				width[k] = strlen(cells.v[n * 4 + k]);
		n++;
	}
	if (current >= 0)
		out_text("=== %s Releases - Current: v%lld\n\n", app, current);
	else
		out_text("=== %s Releases\n\n", app);
	for (i = 0; i < n; i++) {
		buf_reset(&line);
		for (k = 0; k < 3; k++)
			buf_addf(&line, "%-*s  ", (int)width[k], cells.v[i * 4 + k]);
		buf_addstr(&line, cells.v[i * 4 + 3]);
		buf_rtrim(&line);
		out_text("%s\n", line.ptr);
	}
	buf_release(&cell);
	buf_release(&line);
	strvec_clear(&cells);
}

int cmd_releases(int argc, char **argv, struct error *err)
{
	struct api_args a;
	struct api api;
	struct json *list = NULL;
	int c, r, ret = -1;

	api_args_init(&a);
	optind = 0;
	while ((c = cmd_getopt(argc, argv, ":a:n:qvh", api_longopts)) != -1) {
		r = api_option(&a, c, "releases", err);
		if (r < 0)
			return -1;
		if (r)
			continue;
		switch (c) {
		case 'n':
			if (cmd_parse_uint(optarg, "--num", "releases", 1, 10000, &a.num, err) < 0)
				return -1;
			break;
		case OPT_JSON_P:
			a.json = 1;
			break;
		case 'h':
			out_text("%s", releases_usage);
			return 0;
		default:
			return cmd_bad_option(err, "releases", c, argv);
		}
	}
	if (optind < argc)
		return cmd_usage(err, "releases", "unexpected argument '%s'", argv[optind]);
	if (!a.app)
		return cmd_usage(err, "releases", "missing --app");
	if (cmd_out_level(a.quiet, a.verbose, "releases", &a.level, err) < 0)
		return -1;
	out_setup(a.level, a.json);
	if (api_open(&api, a.api_url, err) < 0)
		return -1;
	if (publish_releases(&api, a.app, (unsigned)a.num, &list, err) == 0) {
		if (a.json) {
			char *text = json_print(list, 0);

			out_json(text);
			free(text);
		} else {
			print_releases(a.app, list);
		}
		ret = 0;
	}
	json_free(list);
	api_close(&api);
	return ret;
}
