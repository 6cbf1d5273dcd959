/*
 * bin/release's YAML (buildpack.h), through libyaml's document loader. This
 * is the one file that includes <yaml.h>. The loader keeps an alias as a
 * reference to the node it names, so a document of aliases cannot expand
 * beyond its own size; the text itself is capped by the caller.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buildpack.h"
#include "error.h"
#include "xalloc.h"

void buildpack_release_release(struct buildpack_release *r)
{
	procfile_release(&r->types);
	strvec_clear(&r->config_vars);
	strvec_clear(&r->addons);
}

/* A scalar's text, or NULL when the node is not a scalar. */
static const char *scalar(yaml_node_t *n, size_t *len)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

static int fail_at(struct error *err, const char *shown, const yaml_node_t *n, const char *what)
{
	return error_set(err, "'%s' line %lu column %lu: %s", shown,
			 (unsigned long)n->start_mark.line + 1, (unsigned long)n->start_mark.column + 1,
			 what);
}

/* NUL bytes inside a scalar would be cut short silently by C strings: refused. */
static int clean(const char *s, size_t len)
{
	return memchr(s, '\0', len) == NULL;
}

static int read_types(yaml_document_t *doc, yaml_node_t *map, const char *shown,
		      struct buildpack_release *r, struct error *err)
{
	yaml_node_pair_t *p;

	if (map->type == YAML_SCALAR_NODE && !map->data.scalar.length)
		return 0; /* "default_process_types:" with nothing after it */
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(err, shown, map, "default_process_types must be a mapping of process "
			       "type to command");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *ks, *vs;
		size_t kl = 0, vl = 0;
		char *name, *cmd;

		ks = scalar(k, &kl);
		vs = scalar(v, &vl);
		if (!ks || !vs || !kl || !clean(ks, kl) || !clean(vs, vl))
			return fail_at(err, shown, k ? k : map, "a process type must be 'name: command'");
		if (!vl)
			return fail_at(err, shown, v, "a process type's command must not be empty");
		name = xstrndup(ks, kl);
		cmd = xstrndup(vs, vl);
		procfile_set(&r->types, name, cmd, 0);
		free(name);
		free(cmd);
	}
	return 0;
}

static int valid_env_name(const char *s, size_t n)
{
	size_t i;

	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int read_config(yaml_document_t *doc, yaml_node_t *map, const char *shown,
		       struct buildpack_release *r, struct error *err)
{
	yaml_node_pair_t *p;

	if (map->type == YAML_SCALAR_NODE && !map->data.scalar.length)
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(err, shown, map, "config_vars must be a mapping of name to value");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *ks, *vs;
		size_t kl = 0, vl = 0;

		ks = scalar(k, &kl);
		vs = scalar(v, &vl);
		if (!ks || !valid_env_name(ks, kl))
			return fail_at(err, shown, k ? k : map, "a config var name must be letters, "
				       "digits and '_'");
		if (!vs || !clean(vs, vl))
			return fail_at(err, shown, v ? v : map, "a config var's value must be a scalar");
		strvec_pushf(&r->config_vars, "%.*s=%.*s", (int)kl, ks, (int)vl, vs);
	}
	return 0;
}

static int read_addons(yaml_document_t *doc, yaml_node_t *seq, const char *shown,
		       struct buildpack_release *r, struct error *err)
{
	yaml_node_item_t *i;

	if (seq->type == YAML_SCALAR_NODE && !seq->data.scalar.length)
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_at(err, shown, seq, "addons must be a list of add-on plans");
	for (i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
		yaml_node_t *v = yaml_document_get_node(doc, *i);
		const char *vs;
		size_t vl = 0;

		vs = scalar(v, &vl);
		if (!vs || !vl || !clean(vs, vl))
			return fail_at(err, shown, v ? v : seq, "an add-on must be a plan name");
		strvec_pushf(&r->addons, "%.*s", (int)vl, vs);
	}
	return 0;
}

int buildpack_release_parse(const char *text, size_t len, const char *shown,
			    struct buildpack_release *r, struct error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *p;
	int loaded = 0, ret = -1;

	if (len > BUILDPACK_RELEASE_MAX)
		return error_set(err, "'%s' is larger than %d bytes", shown, BUILDPACK_RELEASE_MAX);
	if (!yaml_parser_initialize(&parser))
		return error_setk(err, ERROR_INTERNAL, "cannot set up the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		error_set(err, "'%s' line %lu column %lu: not valid YAML: %s", shown,
			  (unsigned long)parser.problem_mark.line + 1,
			  (unsigned long)parser.problem_mark.column + 1,
			  parser.problem ? parser.problem : "parse error");
		goto out;
	}
	loaded = 1;
	root = yaml_document_get_root_node(&doc);
	if (!root || (root->type == YAML_SCALAR_NODE && !root->data.scalar.length)) {
		ret = 0; /* an empty document: nothing released */
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		fail_at(err, shown, root, "expected a mapping (default_process_types, config_vars, "
			"addons)");
		goto out;
	}
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		const char *ks;
		size_t kl = 0;

		ks = scalar(k, &kl);
		if (!ks || !v) {
			fail_at(err, shown, k ? k : root, "a top-level key must be a plain name");
			goto out;
		}
		if (kl == 21 && !memcmp(ks, "default_process_types", 21)) {
			if (read_types(&doc, v, shown, r, err) < 0)
				goto out;
		} else if (kl == 11 && !memcmp(ks, "config_vars", 11)) {
			if (read_config(&doc, v, shown, r, err) < 0)
				goto out;
		} else if (kl == 6 && !memcmp(ks, "addons", 6)) {
			if (read_addons(&doc, v, shown, r, err) < 0)
				goto out;
		}
	}
	ret = 0;
out:
	if (loaded)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}
