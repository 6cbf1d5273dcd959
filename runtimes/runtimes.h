#ifndef SLUGC_RUNTIMES_H
#define SLUGC_RUNTIMES_H

/*
 * Runtimes: resolving version requirements against runtime indexes, and
 * (as their issue lands) fetching, verifying, caching and installing them.
 * This is the folder's public header; the version engines live here.
 */

#include "semver.h"

#endif
