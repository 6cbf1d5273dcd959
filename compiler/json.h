#ifndef SLUGC_JSON_H
#define SLUGC_JSON_H

#include <stddef.h>
#include <stdint.h>

struct error;

/*
 * JSON documents over cJSON, spoken to from here only. A `struct json` is a
 * node; the root owns its children and is freed with json_free(). Getters
 * return NULL when a key is missing or has another type, so callers check
 * once. Parse errors name the document and the line and column.
 */
struct json;

struct json *json_parse(const char *text, size_t len, const char *shown, struct error *err);
/* Parse a file of at most max bytes. */
struct json *json_load(const char *path, size_t max, struct error *err);
/* Serialise; pretty uses cJSON's tab indentation. Caller frees. */
char *json_print(const struct json *j, int pretty);
void json_free(struct json *j);

struct json *json_new_object(void);
struct json *json_new_array(void);
struct json *json_new_string(const char *s);   /* NULL → null */
struct json *json_new_int(int64_t v);
struct json *json_new_bool(int v);
struct json *json_new_null(void);
/* Add child to obj under key (taking ownership). */
void json_add(struct json *obj, const char *key, struct json *child);
void json_add_str(struct json *obj, const char *key, const char *val); /* NULL → null */
void json_add_int(struct json *obj, const char *key, int64_t v);
void json_add_bool(struct json *obj, const char *key, int v);
void json_append(struct json *arr, struct json *child);
/* Replace obj's member `key` (keeping its place), or add it (taking ownership). */
void json_set(struct json *obj, const char *key, struct json *child);
/* Delete obj's member `key`, if any. */
void json_remove(struct json *obj, const char *key);
/* A deep copy. */
struct json *json_dup(const struct json *j);

struct json *json_get(const struct json *obj, const char *key);
const char *json_get_str(const struct json *obj, const char *key);
/* 0 and *out set when key holds an integral number; -1 otherwise. */
int json_get_int(const struct json *obj, const char *key, int64_t *out);

int json_is_object(const struct json *j);
int json_is_array(const struct json *j);
int json_is_string(const struct json *j);
int json_is_number(const struct json *j);
int json_is_bool(const struct json *j);
int json_is_null(const struct json *j);
int json_is_true(const struct json *j);
const char *json_string(const struct json *j); /* NULL unless a string */
double json_number(const struct json *j);
/* First member or element, next sibling, member name. */
struct json *json_child(const struct json *j);
struct json *json_next(const struct json *j);
const char *json_key(const struct json *j);
size_t json_size(const struct json *j);

#endif
