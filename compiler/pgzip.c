#include "pgzip.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "sha256.h"
#include "xalloc.h"

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct slot {
	unsigned char *in, *out;
	size_t in_len, out_len;
	uint64_t seq;
	enum slot_state state;
};

struct pgzip {
	int fd;
	char *shown;
	int level;
	size_t out_cap;

	struct slot *slots;
	unsigned nslots;
	unsigned fill;        /* the slot being filled */
	uint64_t next_seq;    /* sequence number of the block being filled */
	uint64_t next_flush;  /* next block to write out */

	/* Workers (none when threads <= 1). */
	pthread_t *threads;
	unsigned nthreads;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	uint64_t next_take;   /* next queued block a worker takes */
	int stop;

	struct libdeflate_compressor *sync_c;
	struct sha256 sha;
	unsigned char digest[32];
	uint64_t bytes_in, bytes_out;
};

static size_t compress_block(struct libdeflate_compressor *c, struct slot *s, size_t cap)
{
	size_t n = libdeflate_gzip_compress(c, s->in, s->in_len, s->out, cap);

	if (!n) /* cannot happen: cap is libdeflate's own bound */
		abort();
	return n;
}

static void *worker(void *arg)
{
	struct pgzip *z = arg;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(z->level);

	if (!c)
		abort();
	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct slot *s = &z->slots[z->next_take % z->nslots];

		if (s->state == SLOT_QUEUED && s->seq == z->next_take) {
			s->state = SLOT_BUSY;
			z->next_take++;
			pthread_mutex_unlock(&z->mu);
			s->out_len = compress_block(c, s, z->out_cap);
			pthread_mutex_lock(&z->mu);
			s->state = SLOT_DONE;
			pthread_cond_broadcast(&z->done_cv);
			continue;
		}
		if (z->stop)
			break;
		pthread_cond_wait(&z->work_cv, &z->mu);
	}
	pthread_mutex_unlock(&z->mu);
	libdeflate_free_compressor(c);
	return NULL;
}

int pgzip_open(struct pgzip **out, int fd, const char *shown, const struct pgzip_options *opt,
	       struct error *err)
{
	struct pgzip *z = xcalloc(1, sizeof(*z));
	unsigned i;

	if (opt->level < 1 || opt->level > 12) {
		free(z);
		return error_setk(err, ERROR_USAGE, "compression level %d is out of range (1-12)",
				  opt->level);
	}
	z->fd = fd;
	z->shown = xstrdup(shown);
	z->level = opt->level;
	z->sync_c = libdeflate_alloc_compressor(opt->level);
	if (!z->sync_c)
		abort();
	z->out_cap = libdeflate_gzip_compress_bound(z->sync_c, PGZIP_BLOCK);
	z->nthreads = opt->threads > 1 ? opt->threads : 0;
	z->nslots = z->nthreads ? 2 * z->nthreads : 1;
	z->slots = xcalloc(z->nslots, sizeof(*z->slots));
	for (i = 0; i < z->nslots; i++) {
		z->slots[i].in = xmalloc(PGZIP_BLOCK);
		z->slots[i].out = xmalloc(z->out_cap);
	}
	sha256_init(&z->sha);
	if (z->nthreads) {
		pthread_mutex_init(&z->mu, NULL);
		pthread_cond_init(&z->work_cv, NULL);
		pthread_cond_init(&z->done_cv, NULL);
		z->threads = xcalloc(z->nthreads, sizeof(*z->threads));
		for (i = 0; i < z->nthreads; i++) {
			if (pthread_create(&z->threads[i], NULL, worker, z)) {
				z->nthreads = i;
				pgzip_free(z);
				return error_setk(err, ERROR_INTERNAL, "cannot start compression threads");
			}
		}
	}
	*out = z;
	return 0;
}

/* Write out a compressed slot (invariant 1: it is block next_flush). */
static int flush_slot(struct pgzip *z, struct slot *s, struct error *err)
{
	if (fs_write_all(z->fd, s->out, s->out_len, z->shown, err) < 0)
		return -1;
	sha256_update(&z->sha, s->out, s->out_len);
	z->bytes_out += s->out_len;
	z->next_flush++;
	s->in_len = s->out_len = 0;
	if (z->nthreads)
		pthread_mutex_lock(&z->mu);
	s->state = SLOT_FREE;
	if (z->nthreads)
		pthread_mutex_unlock(&z->mu);
	return 0;
}

/* Wait until slot s holds a compressed block; 0 when it holds nothing. */
static int wait_done(struct pgzip *z, struct slot *s)
{
	int used;

	pthread_mutex_lock(&z->mu);
	used = s->state != SLOT_FREE;
	while (used && s->state != SLOT_DONE)
		pthread_cond_wait(&z->done_cv, &z->mu);
	pthread_mutex_unlock(&z->mu);
	return used;
}

/* Hand the filled slot to compression and make the next slot ready to fill. */
static int submit(struct pgzip *z, struct error *err)
{
	struct slot *s = &z->slots[z->fill];

	if (!z->nthreads) {
		s->seq = z->next_seq++;
		s->out_len = compress_block(z->sync_c, s, z->out_cap);
		return flush_slot(z, s, err);
	}
	pthread_mutex_lock(&z->mu);
	s->seq = z->next_seq++;
	s->state = SLOT_QUEUED;
	pthread_cond_signal(&z->work_cv);
	pthread_mutex_unlock(&z->mu);

	z->fill = (z->fill + 1) % z->nslots;
	s = &z->slots[z->fill];
	if (wait_done(z, s))
		return flush_slot(z, s, err);
	return 0;
}

int pgzip_write(struct pgzip *z, const void *data, size_t len, struct error *err)
{
	const unsigned char *p = data;

	while (len) {
		struct slot *s = &z->slots[z->fill];
		size_t n = PGZIP_BLOCK - s->in_len;

		if (n > len)
			n = len;
		memcpy(s->in + s->in_len, p, n);
		s->in_len += n;
		z->bytes_in += n;
		p += n;
		len -= n;
		if (s->in_len == PGZIP_BLOCK && submit(z, err) < 0)
			return -1;
	}
	return 0;
}

int pgzip_finish(struct pgzip *z, struct error *err)
{
	struct slot *s = &z->slots[z->fill];

	/* A last partial block; an empty input still becomes one (empty) member. */
	if (s->in_len || !z->next_seq) {
		if (submit(z, err) < 0)
			return -1;
	}
	while (z->next_flush < z->next_seq) {
		s = &z->slots[z->next_flush % z->nslots];
		if (wait_done(z, s) && flush_slot(z, s, err) < 0)
			return -1;
	}
	sha256_final(&z->sha, z->digest);
	return 0;
}

uint64_t pgzip_bytes_in(const struct pgzip *z)
{
	return z->bytes_in;
}

uint64_t pgzip_bytes_out(const struct pgzip *z)
{
	return z->bytes_out;
}

void pgzip_digest(const struct pgzip *z, unsigned char out[32])
{
	memcpy(out, z->digest, 32);
}

void pgzip_free(struct pgzip *z)
{
	unsigned i;

	if (!z)
		return;
	if (z->threads) {
		pthread_mutex_lock(&z->mu);
		z->stop = 1;
		pthread_cond_broadcast(&z->work_cv);
		pthread_mutex_unlock(&z->mu);
		for (i = 0; i < z->nthreads; i++)
			pthread_join(z->threads[i], NULL);
		free(z->threads);
		pthread_mutex_destroy(&z->mu);
		pthread_cond_destroy(&z->work_cv);
		pthread_cond_destroy(&z->done_cv);
	}
	for (i = 0; i < z->nslots; i++) {
		free(z->slots[i].in);
		free(z->slots[i].out);
	}
	free(z->slots);
	if (z->sha.ctx)
		sha256_release(&z->sha);
	libdeflate_free_compressor(z->sync_c);
	free(z->shown);
	free(z);
}
