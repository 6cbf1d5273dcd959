#ifndef SLUGC_UNPACK_POOL_H
#define SLUGC_UNPACK_POOL_H

/*
 * Writing verified archive entries with several threads (`slugc run`).
 *
 * Creating a million small files is kernel work that one thread does one
 * file at a time. The pool gives each of its writer threads a tree_writer
 * of its own on the same root and a bounded queue; the caller's thread
 * reads, inflates and verifies entries and hands each to a writer chosen by
 * the entry's first two path components (all of node_modules/express goes to
 * one writer, in archive order). Nothing of tree_writer.h's confinement is
 * given up: every writer opens each path one component at a time with
 * O_NOFOLLOW from the root and creates with O_EXCL, and tree_writer already
 * accepts a directory that another writer created first. What must come
 * first in the archive comes first on disk too: a directory is created by
 * whichever writer needs it, and a hard link waits until every earlier entry
 * is written. The caller must have verified each entry (inspect.c) before
 * queueing it: writers only write.
 */

#include "extract.h"

struct error;
struct unpack_pool;

/* `writers` threads (at least 1) writing beneath root. */
int unpack_pool_open(struct unpack_pool **out, const char *root, unsigned writers,
		     struct error *err);
/*
 * Queue the current entry of r as `path` (relative to root), reading its
 * data from r now. Fails with the first writer's error once one failed.
 */
int unpack_pool_entry(struct unpack_pool *p, struct reader *r, const char *path,
		      const struct reader_entry *e, struct error *err);
/* Wait until everything queued is written; the first writer's error, if any. */
int unpack_pool_finish(struct unpack_pool *p, struct error *err);
/* Stop the writers (what is still queued is dropped) and free the pool. */
void unpack_pool_close(struct unpack_pool *p);

#endif
