// Packing for the built-in GEMM: op(A) into mr-row panels and op(B) into nr-column panels, p-major inside a panel.
#include "gemm.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FT_X86_KERNELS 1
#include <immintrin.h>

#include "transpose16.h"
#endif

#ifdef FT_X86_KERNELS
#define PANEL_ROWS 12 /* mr of the AVX-512 micro-kernel (gemm-builtin.c) */

/*
 * The transposing packs of the AVX-512 kernel, 16 x 16 blocks at a time (scalar copies write one float per
 * panel row): A row-major into a full PANEL_ROWS-row panel, and B stored transposed into a full 32-column panel.
 * Both return how many leading p were packed; the caller packs the rest.
 */
__attribute__((target("avx512f"))) static int64_t pack_a_rows_avx512(const float *a, int64_t lda, int64_t kc, float *out) {
  int64_t p = 0;
  for (; p + 16 <= kc; p += 16) {
    __m512 r[16];
    for (int i = 0; i < PANEL_ROWS; i++) r[i] = _mm512_loadu_ps(a + i * lda + p);
    for (int i = PANEL_ROWS; i < 16; i++) r[i] = _mm512_setzero_ps();
    transpose16(r);
    for (int q = 0; q < 16; q++) _mm512_mask_storeu_ps(out + (p + q) * PANEL_ROWS, (__mmask16)((1u << PANEL_ROWS) - 1), r[q]);
  }
  return p;
}

__attribute__((target("avx512f"))) static int64_t pack_b_columns_avx512(const float *b, int64_t ldb, int64_t kc, float *out) {
  int64_t p = 0;
  for (; p + 16 <= kc; p += 16) {
    for (int half = 0; half < 32; half += 16) {
      __m512 r[16];
      for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(b + (half + j) * ldb + p);
      transpose16(r);
      for (int q = 0; q < 16; q++) _mm512_store_ps(out + (p + q) * 32 + half, r[q]);
    }
  }
  return p;
}
#endif

/*
 * Copies `rows` floats of one source row into a panel row of width `width`, padding with 0. Rows of full width
 * are fixed-size copies the compiler inlines.
 */
static inline void copy_row(float *dst, const float *src, int rows, int width) {
  if (rows == 32 && width == 32) memcpy(dst, src, 32 * sizeof(float));
  else if (rows == 12 && width == 12) memcpy(dst, src, 12 * sizeof(float));
  else {
    for (int i = 0; i < rows; i++) dst[i] = src[i];
    for (int i = rows; i < width; i++) dst[i] = 0;
  }
}

/* op(A)[i0 + i, p0 + p] for i < mc, p < kc into mr-row panels, p-major inside a panel; short panels padded with 0. */
void ft_gemm_pack_a(const ft_gemm_job *g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int mr, int vector, float *out) {
  if (g->trans_a) {
    /*
     * A is stored [k, m]: walk it row by row (each row a contiguous run of mc floats) and deal the run out to the
     * panels. Going panel by panel instead would touch kc rows lda apart for every 12 floats, and with lda a
     * power of two those rows share one cache set and evict each other before the next panel reads them.
     */
    for (int64_t p = 0; p < kc; p++) {
      const float *src = g->a + (p0 + p) * g->lda + i0;
      float *dst = out + p * mr;
      /* Rows lda apart defeat the hardware prefetcher: ask for the row 8 ahead while this one is copied. */
      if (p + 8 < kc)
        for (int64_t i = 0; i < mc; i += 16) __builtin_prefetch(src + 8 * g->lda + i, 0, 3);
      for (int64_t ir = 0; ir < mc; ir += mr) {
        int rows = mc - ir < mr ? (int)(mc - ir) : mr;
        copy_row(dst + ir * kc, src + ir, rows, mr);
      }
    }
    return;
  }
  for (int64_t ir = 0; ir < mc; ir += mr) {
    int rows = mc - ir < mr ? (int)(mc - ir) : mr;
    int64_t done = 0;
#ifdef FT_X86_KERNELS
    if (vector && mr == PANEL_ROWS && rows == mr) done = pack_a_rows_avx512(g->a + (i0 + ir) * g->lda + p0, g->lda, kc, out);
#endif
    for (int i = 0; i < rows; i++) {
      const float *src = g->a + (i0 + ir + i) * g->lda + p0;
      for (int64_t p = done; p < kc; p++) out[p * mr + i] = src[p];
    }
    for (int i = rows; i < mr; i++)
      for (int64_t p = 0; p < kc; p++) out[p * mr + i] = 0;
    out += mr * kc;
  }
}

/* op(B)[p0 + p, j0 + j] for p < kc, j < nc into nr-column panels, p-major inside a panel; padded with 0. */
void ft_gemm_pack_b(const ft_gemm_job *g, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int nr, int vector, float *out) {
  if (!g->trans_b) {
    /* B is stored [k, n]: one pass down its rows, each a contiguous run of nc floats dealt out to the panels. */
    for (int64_t p = 0; p < kc; p++) {
      const float *src = g->b + (p0 + p) * g->ldb + j0;
      float *dst = out + p * nr;
      for (int64_t jr = 0; jr < nc; jr += nr) {
        int cols = nc - jr < nr ? (int)(nc - jr) : nr;
        copy_row(dst + jr * kc, src + jr, cols, nr);
      }
    }
    return;
  }
  for (int64_t jr = 0; jr < nc; jr += nr) {
    int cols = nc - jr < nr ? (int)(nc - jr) : nr;
    int64_t done = 0;
#ifdef FT_X86_KERNELS
    if (vector && nr == 32 && cols == nr) done = pack_b_columns_avx512(g->b + (j0 + jr) * g->ldb + p0, g->ldb, kc, out);
#endif
    for (int j = 0; j < cols; j++) {
      const float *src = g->b + (j0 + jr + j) * g->ldb + p0;
      for (int64_t p = done; p < kc; p++) out[p * nr + j] = src[p];
    }
    for (int j = cols; j < nr; j++)
      for (int64_t p = 0; p < kc; p++) out[p * nr + j] = 0;
    out += nr * kc;
  }
}
