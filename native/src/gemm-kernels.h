// The built-in GEMM's micro-kernels and their blocking, included once by gemm-builtin.c (static: one copy).
#ifndef FT_GEMM_KERNELS_H
#define FT_GEMM_KERNELS_H

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FT_X86_KERNELS 1
#include <immintrin.h>
#endif

/*
 * c[0..mr) x [0..nr) = alpha * (packed A panel) x (packed B panel) + (init ? init[j] : c[i][j]): accumulating into C,
 * or overwriting it with the product plus a row of nr values (a bias, or zeros) broadcast down the rows.
 */
typedef void (*ukernel_fn)(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, float alpha, const float *init);

typedef struct {
  int mr, nr;
  int64_t mc, kc, nc;
  ukernel_fn kernel;
  const char *name;
  int vector_packs; /* the AVX-512 transposing packs of gemm-pack.c: only for the kernel whose CPU has the instructions */
  /*
   * Products with at most this many rows pack all of op(A) once per kc block and op(B) one nr panel at a time,
   * just before the panel is used: the panel is then still in L1/L2, where a whole packed B block would have
   * gone out to L3 and back (B's packing is most of the cost when there are few rows). 0: never.
   */
  int64_t small_m;
} kernel_desc;

#define GENERIC_MR 4
#define GENERIC_NR 8

static void kernel_generic(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, float alpha, const float *init) {
  float acc[GENERIC_MR][GENERIC_NR] = {{0}};
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < GENERIC_MR; i++) {
      float av = a[p * GENERIC_MR + i];
      for (int j = 0; j < GENERIC_NR; j++) acc[i][j] += av * b[p * GENERIC_NR + j];
    }
  }
  for (int i = 0; i < GENERIC_MR; i++)
    for (int j = 0; j < GENERIC_NR; j++) c[i * ldc + j] = alpha * acc[i][j] + (init ? init[j] : c[i * ldc + j]);
}

#ifdef FT_X86_KERNELS
__attribute__((target("avx2,fma"))) static void kernel_avx2(int64_t kc, const float *a, const float *b, float *c,
                                                            int64_t ldc, float alpha, const float *init) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);
    a += 6;
    b += 16;
  }
  __m256 va = _mm256_set1_ps(alpha);
  const __m256 init_lo = init ? _mm256_loadu_ps(init) : va, init_hi = init ? _mm256_loadu_ps(init + 8) : va;
#define FT_STORE_ROW(r, lo, hi)                                                                                   \
  _mm256_storeu_ps(c + (r) * ldc, _mm256_fmadd_ps(va, lo, init ? init_lo : _mm256_loadu_ps(c + (r) * ldc)));       \
  _mm256_storeu_ps(c + (r) * ldc + 8, _mm256_fmadd_ps(va, hi, init ? init_hi : _mm256_loadu_ps(c + (r) * ldc + 8)))
  FT_STORE_ROW(0, c00, c01); FT_STORE_ROW(1, c10, c11); FT_STORE_ROW(2, c20, c21);
  FT_STORE_ROW(3, c30, c31); FT_STORE_ROW(4, c40, c41); FT_STORE_ROW(5, c50, c51);
#undef FT_STORE_ROW
}

#define AVX512_MR 12
/* Named accumulators (not arrays) so the compiler keeps all 24 in zmm registers with no stack traffic. */
#define FT_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
__attribute__((target("avx512f"))) static void kernel_avx512(int64_t kc, const float *a, const float *b, float *c,
                                                             int64_t ldc, float alpha, const float *init) {
#define FT_DECLARE(i) __m512 lo##i = _mm512_setzero_ps(), hi##i = _mm512_setzero_ps();
  FT_ROWS(FT_DECLARE)
#undef FT_DECLARE
  for (int64_t p = 0; p < kc; p++) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#define FT_STEP(i)                              \
  {                                             \
    __m512 av = _mm512_set1_ps(a[i]);           \
    lo##i = _mm512_fmadd_ps(av, b0, lo##i);     \
    hi##i = _mm512_fmadd_ps(av, b1, hi##i);     \
  }
    FT_ROWS(FT_STEP)
#undef FT_STEP
    a += AVX512_MR;
    b += 32;
  }
  __m512 va = _mm512_set1_ps(alpha);
  if (init) {
    const __m512 init_lo = _mm512_loadu_ps(init), init_hi = _mm512_loadu_ps(init + 16);
#define FT_STORE(i)                                                        \
  _mm512_storeu_ps(c + i * ldc, _mm512_fmadd_ps(va, lo##i, init_lo));      \
  _mm512_storeu_ps(c + i * ldc + 16, _mm512_fmadd_ps(va, hi##i, init_hi));
    FT_ROWS(FT_STORE)
#undef FT_STORE
    return;
  }
#define FT_STORE(i)                                                                  \
  _mm512_storeu_ps(c + i * ldc, _mm512_fmadd_ps(va, lo##i, _mm512_loadu_ps(c + i * ldc)));   \
  _mm512_storeu_ps(c + i * ldc + 16, _mm512_fmadd_ps(va, hi##i, _mm512_loadu_ps(c + i * ldc + 16)));
  FT_ROWS(FT_STORE)
#undef FT_STORE
}
#undef FT_ROWS
#endif

static const kernel_desc GENERIC = {GENERIC_MR, GENERIC_NR, 128, 256, 2048, kernel_generic, "generic", 0, 0};
#ifdef FT_X86_KERNELS
static const kernel_desc AVX2 = {6, 16, 240, 256, 3072, kernel_avx2, "avx2", 0, 0};
/* kc 768 (one block for BERT's k = 768) and mc 120 (a 360 KiB A block in the 1 MiB L2) measured fastest on Zen 4. */
static const kernel_desc AVX512 = {AVX512_MR, 32, 120, 768, 1536, kernel_avx512, "avx512", 1, 192};
#endif

#endif
