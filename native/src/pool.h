// A small pthread pool: parallel-for over index ranges, parts claimed by whichever thread is free, the caller first.
#ifndef FT_POOL_H
#define FT_POOL_H
#include <stdint.h>

/** Runs one part: items [begin, end) as part number `part` (0 .. parts-1). */
typedef void (*ft_range_fn)(void *ctx, int64_t begin, int64_t end, int part);

/** Threads the pool uses, the caller included (>= 1). */
int ft_threads(void);
/** Sets the thread count (clamped to 1 .. FT_MAX_THREADS); restarts the workers when it changes. */
void ft_set_threads(int threads);
/** Parts ft_parallel_for would use: min(threads, total / grain), at least 1. */
int ft_parts(int64_t total, int64_t grain);
/**
 * Splits [0, total) into ft_parts(total, grain) contiguous ranges and runs fn on each, in parallel,
 * returning when all are done. grain is the fewest items worth a thread of their own.
 */
void ft_parallel_for(int64_t total, int64_t grain, ft_range_fn fn, void *ctx);
/**
 * Splits [0, total) into chunks of about `wanted` items (at least 1), their count a multiple of the thread count so that
 * threads that all start on time finish together, and the pool's threads claim them one by one, so a thread that
 * starts late takes fewer. `part` is then the chunk's index, not a thread's: only for functions whose result depends on
 * nothing but the range (no per-part partial results). `wanted` is also the fewest items worth a thread, as
 * ft_parallel_for's grain: under 2 * wanted, or with one thread, fn sees [0, total) at once on the caller.
 */
void ft_parallel_chunks(int64_t total, int64_t wanted, ft_range_fn fn, void *ctx);
/** How long idle workers poll before sleeping: long (the default), or short when other threads need the cores between jobs. */
void ft_pool_set_short_spin(int short_spin);

#define FT_MAX_THREADS 256

#endif
