#include "netrc.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "output.h"
#include "xalloc.h"

#define NETRC_MAX_BYTES (1024 * 1024)

struct lexer {
	const char *p, *end;
	struct buf tok;
};

/* Next whitespace-separated token (a "quoted value" may hold spaces); 0 at the end. */
static int next_token(struct lexer *lx)
{
	buf_reset(&lx->tok);
	while (lx->p < lx->end && strchr(" \t\r\n", *lx->p))
		lx->p++;
	if (lx->p >= lx->end)
		return 0;
	if (*lx->p == '"') {
		lx->p++;
		while (lx->p < lx->end && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			buf_addch(&lx->tok, *lx->p++);
		}
		if (lx->p < lx->end)
			lx->p++;
		return 1;
	}
	while (lx->p < lx->end && !strchr(" \t\r\n", *lx->p))
		buf_addch(&lx->tok, *lx->p++);
	return 1;
}

/* A macdef body runs to the first empty line. */
static void skip_macdef(struct lexer *lx)
{
	const char *blank = NULL;
	const char *p;

	for (p = lx->p; p + 1 < lx->end; p++) {
		if (p[0] == '\n' && (p[1] == '\n' || (p[1] == '\r' && p + 2 < lx->end && p[2] == '\n'))) {
			blank = p + 1;
			break;
		}
	}
	lx->p = blank ? blank : lx->end;
}

int netrc_lookup(const char *host, char **login, char **password, struct error *err)
{
	const char *env = getenv("NETRC"), *home = getenv("HOME");
	struct lexer lx = { NULL, NULL, BUF_INIT };
	struct buf text = BUF_INIT;
	char *path, *cur_login = NULL, *cur_pass = NULL;
	int in_match = 0, found = 0, ret = -1;

	*login = *password = NULL;
	if (env && *env)
		path = xstrdup(env);
	else if (home && *home)
		path = xstrfmt("%s/.netrc", home);
	else
		return 0;
	if (!fs_exists(path)) {
		ret = 0;
		goto out;
	}
	if (buf_read_file(&text, path, NETRC_MAX_BYTES, err) < 0)
		goto out;
	lx.p = text.ptr;
	lx.end = text.ptr + text.len;

	while (next_token(&lx)) {
		if (!strcmp(lx.tok.ptr, "machine") || !strcmp(lx.tok.ptr, "default")) {
			int is_default = lx.tok.ptr[0] == 'd';

			if (in_match) {
				found = 1;
				break;
			}
			if (!is_default && !next_token(&lx))
				break;
			/* A default entry applies only when no machine matched before it. */
			in_match = is_default || !strcmp(lx.tok.ptr, host);
			free(cur_login);
			free(cur_pass);
			cur_login = cur_pass = NULL;
		} else if (!strcmp(lx.tok.ptr, "login") || !strcmp(lx.tok.ptr, "password") ||
			   !strcmp(lx.tok.ptr, "account")) {
			int which = lx.tok.ptr[0];

			if (!next_token(&lx))
				break;
			if (which == 'l') {
				free(cur_login);
				cur_login = xstrdup(lx.tok.ptr);
			} else if (which == 'p') {
				free(cur_pass);
				cur_pass = xstrdup(lx.tok.ptr);
			}
		} else if (!strcmp(lx.tok.ptr, "macdef")) {
			next_token(&lx);
			skip_macdef(&lx);
		}
	}
	if (in_match)
		found = 1;
	if (found) {
		out_add_secret(cur_pass);
		*login = cur_login;
		*password = cur_pass;
		cur_login = cur_pass = NULL;
	}
	ret = found;
out:
	free(cur_login);
	free(cur_pass);
	free(path);
	buf_release(&text);
	buf_release(&lx.tok);
	return ret;
}
