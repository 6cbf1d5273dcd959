#include "unpack_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "sig.h"
#include "tree_writer.h"
#include "xalloc.h"

/* A file up to this size is read whole and written by one call; larger ones go in chunks. */
#define WHOLE_FILE (64 * 1024)
#define CHUNK (128 * 1024)
/* What one writer's queue may hold: entries, and data bytes. */
#define QUEUE_OPS 1024
#define QUEUE_BYTES (8u << 20)
/* Entries are shared out by their first GROUP_DEPTH path components. */
#define GROUP_DEPTH 3
/*
 * Each writer keeps up to 64 directories open (tree_writer.c): 8 writers stay
 * far below the usual 1,024 descriptors, and more gain nothing on one file
 * system.
 */
#define MAX_WRITERS 8

enum op_kind { OP_DIR, OP_FILE, OP_BEGIN, OP_DATA, OP_END, OP_SYMLINK, OP_HARDLINK };

struct op {
	enum op_kind kind;
	int executable;
	char *path;            /* all but OP_DATA and OP_END */
	char *target;          /* OP_SYMLINK, OP_HARDLINK */
	unsigned char *data;   /* OP_FILE, OP_DATA */
	size_t len;
};

struct writer {
	struct unpack_pool *pool;
	struct tree_writer *tw;
	pthread_t tid;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t work;   /* an op was queued, or stop */
	pthread_cond_t room;   /* an op was taken, or the writer went idle */
	struct op ring[QUEUE_OPS];
	size_t head, count, bytes;
	int busy, stop;
	/* Set by the writer thread only, read after it is idle or joined. */
	int failed;
	int in_file;           /* a BEGIN without its END yet */
	struct error err;
};

struct unpack_pool {
	struct writer *w;
	unsigned n;
	atomic_int failed;
};

static void op_free(struct op *o)
{
	free(o->path);
	free(o->target);
	free(o->data);
}

static int apply(struct writer *w, const struct op *o)
{
	switch (o->kind) {
	case OP_DIR:
		return tree_writer_mkdir(w->tw, o->path, &w->err);
	case OP_FILE:
		return tree_writer_file(w->tw, o->path, o->executable, o->data, o->len, &w->err);
	case OP_BEGIN:
		w->in_file = 1;
		return tree_writer_begin(w->tw, o->path, o->executable, &w->err);
	case OP_DATA:
		return tree_writer_write(w->tw, o->data, o->len, &w->err);
	case OP_END:
		w->in_file = 0;
		return tree_writer_end(w->tw, &w->err);
	case OP_SYMLINK:
		return tree_writer_symlink(w->tw, o->path, o->target, &w->err);
	case OP_HARDLINK:
		return tree_writer_hardlink(w->tw, o->path, o->target, &w->err);
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct op o;

		while (!w->count && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->count)
			break;
		o = w->ring[w->head];
		w->head = (w->head + 1) % QUEUE_OPS;
		w->count--;
		w->bytes -= o.len;
		w->busy = 1;
		pthread_cond_signal(&w->room);
		pthread_mutex_unlock(&w->lock);

		/* After a failure the rest is only dropped: the caller stops at its next entry. */
		if (!w->failed && apply(w, &o) < 0) {
			w->failed = 1;
			atomic_store(&w->pool->failed, 1);
			if (w->in_file) {
				struct error ignored = ERROR_INIT;

				tree_writer_end(w->tw, &ignored);
				w->in_file = 0;
			}
		}
		op_free(&o);

		pthread_mutex_lock(&w->lock);
		w->busy = 0;
		if (!w->count)
			pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Queue o on w (taking its allocations), waiting for room. */
static void push(struct writer *w, struct op *o)
{
	pthread_mutex_lock(&w->lock);
	while (w->count == QUEUE_OPS || (w->count && w->bytes + o->len > QUEUE_BYTES))
		pthread_cond_wait(&w->room, &w->lock);
	w->ring[(w->head + w->count) % QUEUE_OPS] = *o;
	w->count++;
	w->bytes += o->len;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	memset(o, 0, sizeof(*o));
}

/* Wait until w has written everything queued. */
static void drain(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->count || w->busy)
		pthread_cond_wait(&w->room, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* The first failed writer's error, once every writer is idle. */
static int pool_error(struct unpack_pool *p, struct error *err)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		drain(&p->w[i]);
	for (i = 0; i < p->n; i++)
		if (p->w[i].failed) {
			*err = p->w[i].err;
			return -1;
		}
	return 0;
}

int unpack_pool_open(struct unpack_pool **out, const char *root, unsigned writers,
		     struct error *err)
{
	struct unpack_pool *p = xcalloc(1, sizeof(*p));
	unsigned i;

	p->n = !writers ? 1 : writers > MAX_WRITERS ? MAX_WRITERS : writers;
	p->w = xcalloc(p->n, sizeof(*p->w));
	atomic_init(&p->failed, 0);
	for (i = 0; i < p->n; i++) {
		struct writer *w = &p->w[i];

		w->pool = p;
		w->err = (struct error)ERROR_INIT;
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->work, NULL);
		pthread_cond_init(&w->room, NULL);
	}
	for (i = 0; i < p->n; i++) {
		struct writer *w = &p->w[i];

		if (tree_writer_open(&w->tw, root, 0, err) < 0)
			goto fail;
		if (pthread_create(&w->tid, NULL, writer_main, w)) {
			error_setk(err, ERROR_INTERNAL, "cannot start a thread to unpack into '%s'",
				   root);
			goto fail;
		}
		w->started = 1;
	}
	*out = p;
	return 0;
fail:
	unpack_pool_close(p);
	return -1;
}

/* Which writer takes path: by its first GROUP_DEPTH components (FNV-1a). */
static struct writer *writer_for(struct unpack_pool *p, const char *path)
{
	uint32_t h = 2166136261u;
	unsigned depth = 0;
	const char *c;

	for (c = path; *c; c++) {
		if (*c == '/' && ++depth == GROUP_DEPTH)
			break;
		h = (h ^ (unsigned char)*c) * 16777619u;
	}
	return &p->w[h % p->n];
}

/* The current entry's data: whole when small, else in chunks queued on w as it is read. */
static int queue_file(struct unpack_pool *p, struct writer *w, struct reader *r, const char *path,
		      const struct reader_entry *e, struct error *err)
{
	struct op o = { OP_FILE, (e->perm & 0111) != 0, xstrdup(path), NULL, NULL, 0 };
	size_t alloc = e->size > 0 && e->size <= WHOLE_FILE ? (size_t)e->size : 0;
	ssize_t n;

	if (e->size > WHOLE_FILE) {
		o.kind = OP_BEGIN;
		push(w, &o);
		for (;;) {
			o.data = xmalloc(CHUNK);
			n = reader_read(r, o.data, CHUNK, err);
			if (n <= 0)
				break;
			o.kind = OP_DATA;
			o.len = (size_t)n;
			push(w, &o);
			/* A writer's failure is reported by the caller. */
			if (sig_check(err) < 0 || atomic_load(&p->failed))
				return -1;
		}
		free(o.data);
		o.data = NULL;
		o.kind = OP_END;
		push(w, &o);
		return n < 0 ? -1 : 0;
	}
	/* A header may understate the data (libarchive hands out what is there): grow if so. */
	o.data = xmalloc(alloc ? alloc : 1);
	for (;;) {
		if (o.len == alloc) {
			alloc = alloc ? 2 * alloc : 4096;
			o.data = xrealloc(o.data, alloc);
		}
		n = reader_read(r, o.data + o.len, alloc - o.len, err);
		if (n < 0) {
			op_free(&o);
			return -1;
		}
		if (!n)
			break;
		o.len += (size_t)n;
	}
	push(w, &o);
	return 0;
}

int unpack_pool_entry(struct unpack_pool *p, struct reader *r, const char *path,
		      const struct reader_entry *e, struct error *err)
{
	struct writer *w = writer_for(p, path);
	struct op o = { OP_DIR, 0, NULL, NULL, NULL, 0 };
	const char *target;
	unsigned i;
	int ret = 0;

	if (atomic_load(&p->failed))
		return pool_error(p, err);
	switch (e->type) {
	case ENTRY_DIR:
		o.path = xstrdup(path);
		push(w, &o);
		break;
	case ENTRY_FILE:
		ret = queue_file(p, w, r, path, e, err);
		break;
	case ENTRY_SYMLINK:
		o.kind = OP_SYMLINK;
		o.path = xstrdup(path);
		o.target = xstrdup(e->link);
		push(w, &o);
		break;
	case ENTRY_HARDLINK:
		/* Its target may be any earlier entry: let every writer finish first. */
		for (i = 0; i < p->n; i++)
			drain(&p->w[i]);
		for (target = e->link; target[0] == '.' && target[1] == '/';)
			target += 2;
		o.kind = OP_HARDLINK;
		o.path = xstrdup(path);
		o.target = xstrdup(target);
		push(w, &o);
		break;
	case ENTRY_OTHER:
		return error_set(err, "entry '%s' is a %s; slugc unpacks only files, directories "
				 "and links", path, e->other);
	}
	/* A writer's failure concerns an earlier entry: it is the one to report. */
	if (atomic_load(&p->failed))
		return pool_error(p, err);
	return ret;
}

int unpack_pool_finish(struct unpack_pool *p, struct error *err)
{
	return pool_error(p, err);
}

void unpack_pool_close(struct unpack_pool *p)
{
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		struct writer *w = &p->w[i];

		pthread_mutex_lock(&w->lock);
		w->stop = 1;
		/* Whatever is still queued is dropped unwritten. */
		while (w->count) {
			op_free(&w->ring[w->head]);
			w->head = (w->head + 1) % QUEUE_OPS;
			w->count--;
		}
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->lock);
	}
	for (i = 0; i < p->n; i++) {
		struct writer *w = &p->w[i];

		if (w->started)
			pthread_join(w->tid, NULL);
		if (w->in_file) {
			struct error ignored = ERROR_INIT;

			tree_writer_end(w->tw, &ignored);
		}
		tree_writer_close(w->tw);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->room);
		pthread_mutex_destroy(&w->lock);
	}
	free(p->w);
	free(p);
}
