// The bf16 GEMM's packers (gemm-bf16.c alone includes this: one translation unit, so the compiler specialises them for
// the two panel widths): float32 operands rounded to bfloat16, nearest even, two depths of a row in one uint32.
#ifndef FT_GEMM_BF16_PACK_H
#define FT_GEMM_BF16_PACK_H

#include <stdint.h>
#include <string.h>

#include "cpu-features.h"

#ifdef FT_BF16_X86
#include <immintrin.h>

#include "transpose16.h"
#endif

static inline uint32_t bf16_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u >> 16) | 0x40u; /* NaN stays NaN (quiet) */
  return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

static inline float bf16_value(uint32_t bits) {
  uint32_t u = bits << 16;
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* One operand seen as op(X) [rows, depth]: element (r, d) at base[r * row_step + d * depth_step]. */
typedef struct {
  const float *base;
  int64_t rows, depth, row_step, depth_step;
} operand;

/*
 * Packs rows [r0, r0 + width) of op(X) into a panel of `width` slots per depth pair: out[p * width + r] holds
 * (X[r, 2p], X[r, 2p + 1]) as two bf16 in one uint32, low half first; rows past the end and an odd last depth are 0.
 */
static void pack_panel_scalar(const operand *x, int64_t r0, int width, uint32_t *out) {
  int64_t pairs = (x->depth + 1) / 2;
  for (int64_t p = 0; p < pairs; p++) {
    for (int r = 0; r < width; r++) {
      int64_t row = r0 + r;
      uint32_t lo = 0, hi = 0;
      if (row < x->rows) {
        const float *at = x->base + row * x->row_step + 2 * p * x->depth_step;
        lo = bf16_bits(at[0]);
        if (2 * p + 1 < x->depth) hi = bf16_bits(at[x->depth_step]);
      }
      out[p * width + r] = lo | hi << 16;
    }
  }
}

/*
 * Words from one packed panel to the next: a cache line more than the panel, so that panels packed side by side (below)
 * do not all fall in the same L1 sets (with k a multiple of 128, panels are whole 4 KiB pages apart).
 */
static inline int64_t panel_words(int64_t pairs, int width) { return pairs * width + 16; }

#ifdef FT_BF16_X86
/*
 * Depth pairs ahead whose source rows the rows-contiguous packer prefetches: each pair's two rows are new lines every
 * 48 or 128 bytes, which the hardware prefetcher meets too late (packing alone 0.67x with it, a T N product 0.84-0.96x).
 */
#define PREFETCH_PAIRS 2

/*
 * Rows contiguous (a transposed operand): panels [first, last) a depth pair at a time, 16 rows of two consecutive
 * depths per step, interleaved into pairs. Pairs outermost, so each source row is read in one sequential sweep; a
 * panel at a time, every pair of a 12-row panel touched a new page for 48 bytes (a third of a T N product's time).
 */
__attribute__((target("avx512f,avx512bw,avx512bf16"))) static void pack_rows_contiguous(const operand *x, int64_t first,
                                                                                        int64_t last, int width,
                                                                                        uint32_t *out) {
  int64_t pairs = (x->depth + 1) / 2;
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                              21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (int64_t p = 0; p < pairs; p++) {
    const float *d0 = x->base + 2 * p * x->depth_step;
    const float *d1 = d0 + x->depth_step;
    int has_hi = 2 * p + 1 < x->depth;
    for (int64_t panel = first; panel < last; panel++) {
      int64_t r0 = panel * width;
      int live = x->rows - r0 < width ? (int)(x->rows - r0) : width;
      uint32_t *dst = out + panel * panel_words(pairs, width) + p * width;
      if (2 * (p + PREFETCH_PAIRS) + 1 < x->depth) {
        const float *ahead = d0 + 2 * PREFETCH_PAIRS * x->depth_step + r0;
        _mm_prefetch((const char *)ahead, _MM_HINT_T0);
        _mm_prefetch((const char *)(ahead + x->depth_step), _MM_HINT_T0);
      }
      for (int r = 0; r < width; r += 16) {
        int n = live - r < 16 ? (live - r > 0 ? live - r : 0) : 16;
        __mmask16 mask = (__mmask16)((1u << n) - 1u);
        __m512 lo = _mm512_maskz_loadu_ps(mask, d0 + r0 + r);
        __m512 hi = has_hi ? _mm512_maskz_loadu_ps(mask, d1 + r0 + r) : _mm512_setzero_ps();
        /* Packs hi into the upper 16 bf16 and lo into the lower; one word permute then pairs lo[i] with hi[i]. */
        __m512i pairs_v = _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        int store = width - r < 16 ? width - r : 16;
        _mm512_mask_storeu_epi32(dst + r, (__mmask16)((1u << store) - 1u), pairs_v);
      }
    }
  }
}

/* One panel with vcvtne2ps2bf16 (nearest even), for operands whose depth is contiguous (or neither). */
__attribute__((target("avx512f,avx512bw,avx512bf16"))) static void pack_panel_vector(const operand *x, int64_t r0, int width,
                                                                                     uint32_t *out) {
  int64_t pairs = (x->depth + 1) / 2, full_pairs = x->depth / 2;
  int live = x->rows - r0 < width ? (int)(x->rows - r0) : width;
  if (x->depth_step == 1) {
    /*
     * Depth contiguous: 16 rows at a time convert 32 depths (16 pairs) each, and a 16 x 16 transpose of those pairs
     * gives one pair of every row per register, stored whole into the panel (the rows past `live` are 0).
     */
    int64_t p = 0;
    for (; p + 16 <= full_pairs; p += 16) {
      for (int g = 0; g < width; g += 16) {
        int slots = width - g < 16 ? width - g : 16;
        __m512 pairs_of[16];
        for (int i = 0; i < 16; i++) {
          if (g + i < live) {
            const float *row = x->base + (r0 + g + i) * x->row_step + 2 * p;
            pairs_of[i] = (__m512)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + 16), _mm512_loadu_ps(row));
          } else {
            pairs_of[i] = _mm512_setzero_ps();
          }
        }
        transpose16(pairs_of);
        for (int q = 0; q < 16; q++)
          _mm512_mask_storeu_epi32(out + (p + q) * width + g, (__mmask16)((1u << slots) - 1u), (__m512i)pairs_of[q]);
      }
    }
    for (int r = 0; r < width; r++) {
      uint32_t *column = out + r;
      const float *row = r < live ? x->base + (r0 + r) * x->row_step : NULL;
      for (int64_t q = p; q < pairs; q++) {
        uint32_t lo = 0, hi = 0;
        if (r < live) {
          lo = bf16_bits(row[2 * q]);
          if (2 * q + 1 < x->depth) hi = bf16_bits(row[2 * q + 1]);
        }
        column[q * width] = lo | hi << 16;
      }
    }
    return;
  }
  pack_panel_scalar(x, r0, width, out);
}
#endif

/*
 * Panels [first, last) of op(X), each `width` rows; panel i at out + i * panel_words(pairs, width). `vector`: the
 * AVX512-BF16 paths (ft_cpu_avx512_bf16, asked once per product by the caller).
 */
static void pack_panels(const operand *x, int64_t first, int64_t last, int width, int vector, uint32_t *out) {
  int64_t pairs = (x->depth + 1) / 2;
#ifdef FT_BF16_X86
  if (vector && x->row_step == 1) {
    pack_rows_contiguous(x, first, last, width, out);
    return;
  }
#endif
  for (int64_t panel = first; panel < last; panel++) {
#ifdef FT_BF16_X86
    if (vector) {
      pack_panel_vector(x, panel * width, width, out + panel * panel_words(pairs, width));
      continue;
    }
#endif
    pack_panel_scalar(x, panel * width, width, out + panel * panel_words(pairs, width));
  }
}

#endif
