#include "path.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "strvec.h"
#include "xalloc.h"

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (!la)
		return xstrdup(b);
	if (!*b)
		return xstrdup(a);
	if (a[la - 1] == '/')
		return xstrfmt("%s%s", a, b);
	return xstrfmt("%s/%s", a, b);
}

const char *path_basename(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int has_component(const char *p, const char *name)
{
	size_t n = strlen(name);

	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !memcmp(p, name, n))
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

int path_has_dotdot(const char *p)
{
	return has_component(p, "..");
}

int path_has_git_component(const char *p)
{
	return has_component(p, ".git");
}

static void split_components(const char *p, struct strvec *out)
{
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len) {
			char *c = xstrndup(p, len);

			strvec_push(out, c);
			free(c);
		}
		if (!end)
			break;
		p = end + 1;
	}
}

char *path_relative(const char *from, const char *to)
{
	struct strvec f = STRVEC_INIT, t = STRVEC_INIT;
	struct buf b = BUF_INIT;
	size_t k = 0, i;

	split_components(from, &f);
	split_components(to, &t);
	while (k < f.nr && k < t.nr && !strcmp(f.v[k], t.v[k]))
		k++;
	for (i = k; i < f.nr; i++)
		buf_addstr(&b, i + 1 < f.nr || k < t.nr ? "../" : "..");
	for (i = k; i < t.nr; i++) {
		buf_addstr(&b, t.v[i]);
		if (i + 1 < t.nr)
			buf_addch(&b, '/');
	}
	if (!b.len)
		buf_addstr(&b, ".");
	strvec_clear(&f);
	strvec_clear(&t);
	return buf_detach(&b, NULL);
}

/* Drop the last component of a root-relative path ("" is the root). */
static void pop_component(struct buf *stack)
{
	char *slash = strrchr(stack->ptr, '/');

	buf_setlen(stack, slash ? (size_t)(slash - stack->ptr) : 0);
}

/*
 * An absolute target restarts resolution at the root when it names /app or
 * the build directory; it returns the rest of the path after that prefix, or
 * NULL when the target is outside both.
 */
static const char *strip_abs_root(const char *target, const char *abs_root)
{
	size_t n;

	if (abs_root && (n = strlen(abs_root)) > 1 && !strncmp(target, abs_root, n) &&
	    (target[n] == '/' || !target[n]))
		return target + n;
	if (!strncmp(target, "/app", 4) && (target[4] == '/' || !target[4]))
		return target + 4;
	return NULL;
}

enum path_verdict path_resolve_in_root(const char *link, const char *target, const char *abs_root,
				       path_lookup_fn lookup, void *ctx, struct buf *resolved)
{
	struct buf stack = BUF_INIT, pending = BUF_INIT, next = BUF_INIT;
	enum path_verdict verdict = PATH_INSIDE;
	unsigned hops = 0;
	size_t pos = 0;

	buf_addstr(&stack, link);
	pop_component(&stack);
	buf_addstr(&pending, target);

	for (;;) {
		const char *comp, *end;
		size_t len;

		if (pending.ptr[pos] == '/' && pos == 0) {
			const char *rest = strip_abs_root(pending.ptr, abs_root);

			if (!rest) {
				verdict = PATH_ESCAPES;
				break;
			}
			buf_reset(&stack);
			pos = (size_t)(rest - pending.ptr);
		}
		while (pending.ptr[pos] == '/')
			pos++;
		if (!pending.ptr[pos])
			break;
		comp = pending.ptr + pos;
		end = strchr(comp, '/');
		len = end ? (size_t)(end - comp) : strlen(comp);
		pos += len;

		if (len == 1 && comp[0] == '.')
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			if (!stack.len) {
				verdict = PATH_ESCAPES;
				break;
			}
			pop_component(&stack);
			continue;
		}
		if (stack.len)
			buf_addch(&stack, '/');
		buf_add(&stack, comp, len);

		if (lookup) {
			const char *link_target = NULL;

			if (lookup(ctx, stack.ptr, &link_target) == 1 && link_target) {
				if (++hops > 40) {
					verdict = PATH_LOOP;
					break;
				}
				pop_component(&stack);
				/* Continue with the link's target followed by what was left. */
				buf_reset(&next);
				buf_addstr(&next, link_target);
				buf_addstr(&next, pending.ptr + pos);
				buf_reset(&pending);
				buf_add(&pending, next.ptr, next.len);
				pos = 0;
			}
		}
	}

	if (verdict == PATH_INSIDE && resolved) {
		buf_reset(resolved);
		buf_add(resolved, stack.ptr, stack.len);
	}
	buf_release(&stack);
	buf_release(&pending);
	buf_release(&next);
	return verdict;
}

int path_check_symlink(const char *link, const char *target, const char *abs_root,
		       path_lookup_fn lookup, void *ctx, struct buf *out, struct error *err)
{
	enum path_verdict v = path_resolve_in_root(link, target, abs_root, lookup, ctx, NULL);
	size_t n = abs_root ? strlen(abs_root) : 0;

	if (v != PATH_INSIDE) {
		struct buf q = BUF_INIT, ql = BUF_INIT;

		/* Names are bytes: a newline or invalid UTF-8 in one must not break the line. */
		buf_add_quoted(&q, target, strlen(target), 200);
		buf_add_quoted(&ql, link, strlen(link), 200);
		if (v == PATH_LOOP)
			error_set(err, "symlink '%s' is part of a symlink loop; remove it or point it "
				  "at a real file", ql.ptr);
		else
			error_set(err, "symlink '%s' points outside the app ('%s'); a slug must be "
				  "self-contained: copy the file in or remove the link", ql.ptr, q.ptr);
		buf_release(&q);
		buf_release(&ql);
		return -1;
	}
	buf_reset(out);
	if (n > 1 && !strncmp(target, abs_root, n) && (target[n] == '/' || !target[n])) {
		const char *slash = strrchr(link, '/');
		char *dir = slash ? xstrndup(link, (size_t)(slash - link)) : xstrdup("");
		char *rel;

		rel = path_relative(dir, target + n);
		buf_addstr(out, rel);
		free(rel);
		free(dir);
		return 0;
	}
	buf_addstr(out, target);
	return 0;
}
