// The dropout mask as a pure function of (seed, element index), so backward regenerates it instead of storing it.
// Must match src/backend/js/dropout.ts bit for bit.
#ifndef FT_DROPOUT_H
#define FT_DROPOUT_H
#include <math.h>
#include <stdint.h>

/* murmur3's 32-bit finaliser: every input bit flips about half the output bits. */
static inline uint32_t ft_mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

/* Elements whose 24-bit draw is below this are dropped: round(p * 2^24). */
static inline uint32_t ft_dropout_threshold(double p) { return (uint32_t)floor(p * 16777216.0 + 0.5); }

/* 1 when element `index` survives dropout under `seed` (the draw is uniform over 2^24 values). */
static inline int ft_dropout_keep(uint32_t seed, uint64_t index, uint32_t threshold) {
  return (ft_mix32((uint32_t)index * 0x9e3779b9u + seed) >> 8) >= threshold;
}

#endif
