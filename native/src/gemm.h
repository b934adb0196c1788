// GEMM entry points: the batched, threaded driver and the single-threaded built-in blocked GEMM under it.
#ifndef FT_GEMM_H
#define FT_GEMM_H
#include <stdint.h>

/** One matrix product: C = alpha op(A) op(B) + beta C, row-major with leading dimensions. */
typedef struct {
  int trans_a, trans_b;
  int64_t m, n, k;
  float alpha, beta;
  const float *a;
  int64_t lda;
  const float *b;
  int64_t ldb;
  float *c;
  int64_t ldc;
  /* op(B) packed whole by ft_gemm_pack_b_whole (then b and ldb are unused), or NULL: built-in GEMM only. */
  const float *packed_b;
  /* With beta 0: n values added to every row of C (a linear layer's bias), or NULL. Built-in GEMM only. */
  const float *bias;
} ft_gemm_job;

/** The built-in blocked GEMM on the calling thread (packing + register-blocked micro-kernel). */
void ft_gemm_builtin_serial(const ft_gemm_job *job);
/** Multiply-adds below which a product (or a part of one) is not worth waking a thread for. */
#define FT_GEMM_MIN_MACS_PER_PART (1 << 20)
/**
 * The built-in blocked GEMM split over the pool's threads (at most `threads`), with each packed block of op(B)
 * packed once by all of them together and shared, each thread packing only its own rows of op(A).
 */
void ft_gemm_builtin_parallel(const ft_gemm_job *job, int threads);
/** Which built-in micro-kernel this CPU runs: "avx512", "avx2" or "generic". */
const char *ft_gemm_builtin_kernel(void);
/**
 * op(A)[i0 + i, p0 + p] for i < mc, p < kc into mr-row panels, and op(B)[p0 + p, j0 + j] for p < kc, j < nc into
 * nr-column panels, p-major inside a panel, short panels padded with 0. `vector`: the CPU has AVX-512 (the
 * transposing packs of the 12 x 32 kernel then move 16 x 16 blocks).
 */
void ft_gemm_pack_a(const ft_gemm_job *g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int mr, int vector, float *out);
void ft_gemm_pack_b(const ft_gemm_job *g, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int nr, int vector, float *out);
/**
 * Floats of op(B) [k, n] packed whole for the built-in kernel: every kc block's nr-column panels (the layout the
 * products pack block by block), so a constant operand such as a layer's weight is packed once, not per product.
 */
int64_t ft_gemm_packed_b_floats(int64_t k, int64_t n);
/** Packs op(B) of `g` (its trans_b, k, n, b, ldb) whole into `out` (ft_gemm_packed_b_floats(k, n) floats). */
void ft_gemm_pack_b_whole(const ft_gemm_job *g, float *out);
/** Rows (mr) and columns (nr) of the built-in micro-kernel's register tile. */
void ft_gemm_builtin_tile(int *mr, int *nr);

/** One product on the calling thread: BLAS (single-threaded under the pool) when linked, else the built-in kernel. */
void ft_gemm_serial(const ft_gemm_job *job);
/**
 * One product in bf16 with float32 sums (Backend.gemmBf16's rule: operands rounded to bfloat16, nearest even) on the
 * calling thread; packed_b and bias unused. Returns 0 when its packing memory cannot be had.
 */
int ft_gemm_bf16_serial(const ft_gemm_job *job);
/** The batched strided GEMM of the Backend interface, threaded. */
void ft_gemm_batched(int trans_a, int trans_b, int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                     const float *a, int64_t stride_a, int64_t lda, const float *b, int64_t stride_b, int64_t ldb,
                     float beta, float *c, int64_t stride_c, int64_t ldc);
/** The BLAS library linked: "openblas", "accelerate" or "builtin" (none). */
const char *ft_gemm_library(void);
/** What computes products: the linked library, or "builtin" where its kernels are narrower than ours. */
const char *ft_gemm_engine(void);
/** OpenBLAS's name for the kernels it chose for this CPU (e.g. "Haswell"), or "" without OpenBLAS. */
const char *ft_gemm_blas_core(void);
/** Tells the BLAS library how many threads it may use. */
void ft_gemm_set_threads(int threads);

#endif
