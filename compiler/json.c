#include "json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "xalloc.h"

/* A struct json is a cJSON node; the cast is the whole translation. */
#define C(j) ((cJSON *)(j))
#define J(c) ((struct json *)(c))

static void *no_null(void *p)
{
	if (!p)
		abort(); /* cJSON returns NULL only when malloc fails */
	return p;
}

struct json *json_parse(const char *text, size_t len, const char *shown, struct error *err)
{
	const char *end = NULL;
	cJSON *root;

	if (!len)
		return error_set(err, "%s is empty, expected JSON", shown), NULL;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		unsigned line = 1, col = 1;
		const char *p;

		if (!end || end < text || end > text + len)
			end = text;
		for (p = text; p < end; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		error_set(err, "%s is not valid JSON (line %u, column %u)", shown, line, col);
		return NULL;
	}
	/* Trailing bytes other than whitespace make the document invalid, too. */
	if (end) {
		const char *p = end;

		while (p < text + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
			p++;
		if (p < text + len && *p) {
			cJSON_Delete(root);
			error_set(err, "%s has unexpected data after the JSON document", shown);
			return NULL;
		}
	}
	return J(root);
}

struct json *json_load(const char *path, size_t max, struct error *err)
{
	struct buf b = BUF_INIT;
	struct json *j = NULL;
	char *shown;

	if (buf_read_file(&b, path, max, err) < 0)
		return NULL;
	shown = xstrfmt("'%s'", path);
	j = json_parse(b.ptr, b.len, shown, err);
	free(shown);
	buf_release(&b);
	return j;
}

char *json_print(const struct json *j, int pretty)
{
	char *s = pretty ? cJSON_Print(C(j)) : cJSON_PrintUnformatted(C(j));
	struct buf out = BUF_INIT;
	const char *p;
	int line_start = 1;

	no_null(s);
	if (!pretty) {
		buf_addstr(&out, s);
		cJSON_free(s);
		return buf_detach(&out, NULL);
	}
	/*
	 * cJSON indents with tabs and puts a tab after each ':'. Strings never
	 * hold a raw tab (cJSON writes \t), so every tab is layout: two spaces
	 * per level at the start of a line, as package.json and app.json are
	 * written, and one space after a ':'.
	 */
	for (p = s; *p; p++) {
		if (*p == '\t')
			buf_addstr(&out, line_start ? "  " : " ");
		else
			buf_addch(&out, *p);
		line_start = *p == '\n' || (line_start && *p == '\t');
	}
	cJSON_free(s);
	return buf_detach(&out, NULL);
}

void json_free(struct json *j)
{
	cJSON_Delete(C(j));
}

struct json *json_new_object(void)
{
	return J(no_null(cJSON_CreateObject()));
}

struct json *json_new_array(void)
{
	return J(no_null(cJSON_CreateArray()));
}

struct json *json_new_string(const char *s)
{
	return s ? J(no_null(cJSON_CreateString(s))) : json_new_null();
}

struct json *json_new_int(int64_t v)
{
	return J(no_null(cJSON_CreateNumber((double)v)));
}

struct json *json_new_bool(int v)
{
	return J(no_null(cJSON_CreateBool(v)));
}

struct json *json_new_null(void)
{
	return J(no_null(cJSON_CreateNull()));
}

void json_add(struct json *obj, const char *key, struct json *child)
{
	if (!cJSON_AddItemToObject(C(obj), key, C(child)))
		abort();
}

void json_add_str(struct json *obj, const char *key, const char *val)
{
	json_add(obj, key, json_new_string(val));
}

void json_add_int(struct json *obj, const char *key, int64_t v)
{
	json_add(obj, key, json_new_int(v));
}

void json_add_bool(struct json *obj, const char *key, int v)
{
	json_add(obj, key, json_new_bool(v));
}

void json_append(struct json *arr, struct json *child)
{
	if (!cJSON_AddItemToArray(C(arr), C(child)))
		abort();
}

struct json *json_dup(const struct json *j)
{
	return J(no_null(cJSON_Duplicate(C(j), 1)));
}

struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || !cJSON_IsObject(C(obj)))
		return NULL;
	return J(cJSON_GetObjectItemCaseSensitive(C(obj), key));
}

const char *json_get_str(const struct json *obj, const char *key)
{
	return json_string(json_get(obj, key));
}

int json_get_int(const struct json *obj, const char *key, int64_t *out)
{
	cJSON *n = C(json_get(obj, key));
	double d;

	if (!n || !cJSON_IsNumber(n))
		return -1;
	d = n->valuedouble;
	if (d != floor(d) || d < -9007199254740992.0 || d > 9007199254740992.0)
		return -1;
	*out = (int64_t)d;
	return 0;
}

int json_is_object(const struct json *j)
{
	return j && cJSON_IsObject(C(j));
}

int json_is_array(const struct json *j)
{
	return j && cJSON_IsArray(C(j));
}

int json_is_string(const struct json *j)
{
	return j && cJSON_IsString(C(j));
}

int json_is_number(const struct json *j)
{
	return j && cJSON_IsNumber(C(j));
}

int json_is_bool(const struct json *j)
{
	return j && cJSON_IsBool(C(j));
}

int json_is_null(const struct json *j)
{
	return j && cJSON_IsNull(C(j));
}

int json_is_true(const struct json *j)
{
	return j && cJSON_IsTrue(C(j));
}

const char *json_string(const struct json *j)
{
	return j && cJSON_IsString(C(j)) ? C(j)->valuestring : NULL;
}

double json_number(const struct json *j)
{
	return j && cJSON_IsNumber(C(j)) ? C(j)->valuedouble : 0;
}

struct json *json_child(const struct json *j)
{
	return j ? J(C(j)->child) : NULL;
}

struct json *json_next(const struct json *j)
{
	return j ? J(C(j)->next) : NULL;
}

const char *json_key(const struct json *j)
{
	return j ? C(j)->string : NULL;
}

size_t json_size(const struct json *j)
{
	return j ? (size_t)cJSON_GetArraySize(C(j)) : 0;
}

void json_set(struct json *obj, const char *key, struct json *child)
{
	if (cJSON_GetObjectItemCaseSensitive(C(obj), key)) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(C(obj), key, C(child)))
			abort();
		return;
	}
	json_add(obj, key, child);
}

void json_remove(struct json *obj, const char *key)
{
	cJSON_DeleteItemFromObjectCaseSensitive(C(obj), key);
}
