// bf16 GEMM with float32 sums (the linear layers of --bf16, as PyTorch's CPU autocast): operands rounded to bfloat16
// (nearest even) while packing, pairs of products summed by vdpbf16ps where cpuid reports AVX512-BF16, else portable C.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "gemm.h"
#include "pool.h"

#include "cpu-features.h"
#ifdef FT_BF16_X86
#include <immintrin.h>
#endif

#include "gemm-bf16-pack.h"

/* Register tile: MR rows of C by NR columns; the packs interleave K in pairs (one uint32 holds two bf16 of one row). */
#define MR 12
#define NR 32
/* Panels of A and of B per task: a task's B panels stay in L2 while its A panels stream past. */
#define A_PANELS_PER_TASK 8
#define B_PANELS_PER_TASK 4

/* ---- Micro-kernels: acc[MR][NR] = sum over pairs of the packed A panel times the packed B panel. ---- */

static void kernel_scalar(int64_t pairs, const uint32_t *a, const uint32_t *b, float *acc) {
  memset(acc, 0, sizeof(float) * MR * NR);
  for (int64_t p = 0; p < pairs; p++) {
    for (int i = 0; i < MR; i++) {
      uint32_t av = a[p * MR + i];
      float a_lo = bf16_value(av & 0xffffu), a_hi = bf16_value(av >> 16);
      for (int j = 0; j < NR; j++) {
        uint32_t bv = b[p * NR + j];
        acc[i * NR + j] += a_lo * bf16_value(bv & 0xffffu) + a_hi * bf16_value(bv >> 16);
      }
    }
  }
}

#ifdef FT_BF16_X86
#define FT_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
/* Stores alpha * sum + beta * C straight into the `rows` x `cols` tile at c (masked at the edges; beta 0 overwrites). */
__attribute__((target("avx512f,avx512bf16"))) static void kernel_avx512_bf16(int64_t pairs, const uint32_t *a,
                                                                            const uint32_t *b, float *c, int64_t ldc,
                                                                            int rows, int cols, float alpha,
                                                                            float beta) {
#define FT_DECLARE(i) __m512 lo##i = _mm512_setzero_ps(), hi##i = _mm512_setzero_ps();
  FT_ROWS(FT_DECLARE)
#undef FT_DECLARE
  for (int64_t p = 0; p < pairs; p++) {
    __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 16);
#define FT_STEP(i)                                                      \
  {                                                                     \
    __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[i]);               \
    lo##i = _mm512_dpbf16_ps(lo##i, av, b0);                            \
    hi##i = _mm512_dpbf16_ps(hi##i, av, b1);                            \
  }
    FT_ROWS(FT_STEP)
#undef FT_STEP
    a += MR;
    b += NR;
  }
  __m512 alpha_v = _mm512_set1_ps(alpha), beta_v = _mm512_set1_ps(beta);
  if (cols == NR) {
    /* Whole rows of the tile: plain stores (masked ones cost more even with every lane set). */
#define FT_STORE(i)                                                                               \
  if ((i) < rows) {                                                                               \
    float *row = c + (i) * ldc;                                                                   \
    __m512 out_lo = _mm512_mul_ps(alpha_v, lo##i), out_hi = _mm512_mul_ps(alpha_v, hi##i);        \
    if (beta != 0.0f) {                                                                           \
      out_lo = _mm512_fmadd_ps(beta_v, _mm512_loadu_ps(row), out_lo);                             \
      out_hi = _mm512_fmadd_ps(beta_v, _mm512_loadu_ps(row + 16), out_hi);                        \
    }                                                                                             \
    _mm512_storeu_ps(row, out_lo);                                                                \
    _mm512_storeu_ps(row + 16, out_hi);                                                           \
  }
    FT_ROWS(FT_STORE)
#undef FT_STORE
    return;
  }
  __mmask16 lo_mask = (__mmask16)(cols >= 16 ? 0xffffu : (1u << cols) - 1u);
  __mmask16 hi_mask = (__mmask16)(cols > 16 ? (1u << (cols - 16)) - 1u : 0u);
#define FT_STORE_HALF(row, mask, sum)                                                      \
  {                                                                                        \
    __m512 out = _mm512_mul_ps(alpha_v, sum);                                              \
    if (beta != 0.0f) out = _mm512_fmadd_ps(beta_v, _mm512_maskz_loadu_ps(mask, row), out); \
    _mm512_mask_storeu_ps(row, mask, out);                                                 \
  }
#define FT_STORE(i)                         \
  if ((i) < rows) {                         \
    float *row = c + (i) * ldc;             \
    FT_STORE_HALF(row, lo_mask, lo##i)      \
    FT_STORE_HALF(row + 16, hi_mask, hi##i) \
  }
  FT_ROWS(FT_STORE)
#undef FT_STORE
#undef FT_STORE_HALF
}
#undef FT_ROWS
#endif

/* ---- Driver: pack both operands (threads share them), then tasks of A panels x B panels. ---- */

typedef struct {
  int64_t m, n, pairs, a_panels, b_panels, a_groups, b_groups;
  float alpha, beta;
  operand a, b;
  uint32_t *pa, *pb;
  float *c;
  int64_t ldc;
  int vector;
} bf16_plan;

/*
 * Packs both operands in one parallel pass (one wait for the threads, not two): the items are rows, A's panels first,
 * then B's, and a part packs each panel whose first row falls in its range.
 */
static void pack_range(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const bf16_plan *plan = ctx;
  int64_t a_rows = plan->a_panels * MR;
  int64_t a_first = (begin + MR - 1) / MR, a_end = (end + MR - 1) / MR;
  if (a_end > plan->a_panels) a_end = plan->a_panels;
  if (a_first < a_end) pack_panels(&plan->a, a_first, a_end, MR, plan->vector, plan->pa);
  int64_t b_first = begin > a_rows ? (begin - a_rows + NR - 1) / NR : 0;
  int64_t b_end = end > a_rows ? (end - a_rows + NR - 1) / NR : 0;
  if (b_end > plan->b_panels) b_end = plan->b_panels;
  if (b_first < b_end) pack_panels(&plan->b, b_first, b_end, NR, plan->vector, plan->pb);
}

static void store_tile(const bf16_plan *plan, int64_t i0, int64_t j0, const float *acc) {
  int64_t rows = plan->m - i0 < MR ? plan->m - i0 : MR, cols = plan->n - j0 < NR ? plan->n - j0 : NR;
  for (int64_t i = 0; i < rows; i++) {
    float *c = plan->c + (i0 + i) * plan->ldc + j0;
    const float *s = acc + i * NR;
    /* beta 0 overwrites: whatever C held (NaN included) does not leak through, as in gemm. */
    if (plan->beta == 0.0f)
      for (int64_t j = 0; j < cols; j++) c[j] = plan->alpha * s[j];
    else
      for (int64_t j = 0; j < cols; j++) c[j] = plan->alpha * s[j] + plan->beta * c[j];
  }
}

static void run_tasks(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const bf16_plan *plan = ctx;
  float acc[MR * NR] __attribute__((aligned(64)));
  for (int64_t task = begin; task < end; task++) {
    /* Consecutive tasks share their B panels, which stay warm in cache. */
    int64_t bg = task / plan->a_groups, ag = task % plan->a_groups;
    int64_t b_first = bg * B_PANELS_PER_TASK, a_first = ag * A_PANELS_PER_TASK;
    int64_t b_last = b_first + B_PANELS_PER_TASK < plan->b_panels ? b_first + B_PANELS_PER_TASK : plan->b_panels;
    int64_t a_last = a_first + A_PANELS_PER_TASK < plan->a_panels ? a_first + A_PANELS_PER_TASK : plan->a_panels;
    for (int64_t jb = b_first; jb < b_last; jb++) {
      const uint32_t *bp = plan->pb + jb * panel_words(plan->pairs, NR);
      for (int64_t ia = a_first; ia < a_last; ia++) {
        const uint32_t *ap = plan->pa + ia * panel_words(plan->pairs, MR);
#ifdef FT_BF16_X86
        if (plan->vector) {
          int64_t i0 = ia * MR, j0 = jb * NR;
          int rows = plan->m - i0 < MR ? (int)(plan->m - i0) : MR, cols = plan->n - j0 < NR ? (int)(plan->n - j0) : NR;
          kernel_avx512_bf16(plan->pairs, ap, bp, plan->c + i0 * plan->ldc + j0, plan->ldc, rows, cols, plan->alpha,
                             plan->beta);
          continue;
        }
#endif
        kernel_scalar(plan->pairs, ap, bp, acc);
        store_tile(plan, ia * MR, jb * NR, acc);
      }
    }
  }
}

/* Packing buffers per calling thread, grown as needed and kept: a step's GEMMs reuse them instead of faulting in pages. */
static __thread uint32_t *pack_buffer;
static __thread size_t pack_capacity;

static uint32_t *pack_space(size_t words) {
  if (words > pack_capacity) {
    free(pack_buffer);
    pack_buffer = aligned_alloc(64, ((words * sizeof(uint32_t) + 63) / 64) * 64);
    pack_capacity = pack_buffer ? words : 0;
  }
  return pack_buffer;
}

/* Sizes, scalars and packing space of an m x n x k product (operands set per product); 0 without the memory. */
static int plan_product(bf16_plan *plan, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t ldc) {
  plan->m = m;
  plan->n = n;
  plan->pairs = (k + 1) / 2;
  plan->a_panels = (m + MR - 1) / MR;
  plan->b_panels = (n + NR - 1) / NR;
  plan->a_groups = (plan->a_panels + A_PANELS_PER_TASK - 1) / A_PANELS_PER_TASK;
  plan->b_groups = (plan->b_panels + B_PANELS_PER_TASK - 1) / B_PANELS_PER_TASK;
  plan->alpha = alpha;
  plan->beta = beta;
  plan->ldc = ldc;
  plan->vector = ft_cpu_avx512_bf16();
  /* B's panels start on a cache line (their rows are two lines of 16 words). */
  size_t a_words = (size_t)((plan->a_panels * panel_words(plan->pairs, MR) + 15) / 16 * 16);
  size_t b_words = (size_t)(plan->b_panels * panel_words(plan->pairs, NR));
  uint32_t *space = pack_space(a_words + b_words + 1);
  if (!space) return 0;
  plan->pa = space;
  plan->pb = space + a_words;
  return 1;
}

/* op(A) [m, k]: row i, depth p; op(B) [k, n] is packed as rows j of op(B)^T [n, k]. */
static void set_operands(bf16_plan *plan, int trans_a, int trans_b, int64_t k, const float *a, int64_t lda, const float *b,
                         int64_t ldb, float *c) {
  plan->a = (operand){a, plan->m, k, trans_a ? 1 : lda, trans_a ? lda : 1};
  plan->b = (operand){b, plan->n, k, trans_b ? ldb : 1, trans_b ? 1 : ldb};
  plan->c = c;
}

int ft_gemm_bf16_serial(const ft_gemm_job *g) {
  if (g->m <= 0 || g->n <= 0) return 1;
  bf16_plan plan;
  if (!plan_product(&plan, g->m, g->n, g->k, g->alpha, g->beta, g->ldc)) return 0;
  set_operands(&plan, g->trans_a, g->trans_b, g->k, g->a, g->lda, g->b, g->ldb, g->c);
  pack_range(&plan, 0, plan.a_panels * MR + plan.b_panels * NR, 0);
  run_tasks(&plan, 0, plan.a_groups * plan.b_groups, 0);
  return 1;
}

/* C_b = alpha op(A_b) op(B_b) + beta C_b over the batch; returns 0 when the packing memory cannot be had. */
static int gemm_bf16_batched(int trans_a, int trans_b, int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                             const float *a, int64_t stride_a, int64_t lda, const float *b, int64_t stride_b, int64_t ldb,
                             float beta, float *c, int64_t stride_c, int64_t ldc) {
  if (batch <= 0 || m <= 0 || n <= 0) return 1;
  bf16_plan plan;
  if (!plan_product(&plan, m, n, k, alpha, beta, ldc)) return 0;
  int64_t tasks = plan.a_groups * plan.b_groups;
  int threads = ft_threads();
  int64_t macs_per_task = (int64_t)A_PANELS_PER_TASK * MR * B_PANELS_PER_TASK * NR * (k > 0 ? k : 1);
  for (int64_t index = 0; index < batch; index++) {
    set_operands(&plan, trans_a, trans_b, k, a + index * stride_a, lda, b + index * stride_b, ldb, c + index * stride_c);
    ft_parallel_for(plan.a_panels * MR + plan.b_panels * NR, 1 + (1 << 16) / (plan.pairs + 1), pack_range, &plan);
    /* Tasks in chunks the threads claim as they come free (about 8 each), so a late thread takes fewer; none below grain. */
    int64_t grain = 1 + (1 << 20) / macs_per_task, wanted = tasks / (8 * threads);
    ft_parallel_chunks(tasks, wanted > grain ? wanted : grain, run_tasks, &plan);
  }
  return 1;
}

napi_value ft_bind_gemm_bf16(napi_env env, napi_callback_info info) {
  ft_args a;
  ft_gemm_args g;
  if (!ft_args_init(&a, env, info, "gemmBf16", 17) || !ft_arg_gemm(&a, &g)) return NULL;
  if (!gemm_bf16_batched(g.trans_a, g.trans_b, g.batch, g.m, g.n, g.k, g.alpha, g.a, g.stride_a, g.lda, g.b, g.stride_b,
                         g.ldb, g.beta, g.c, g.stride_c, g.ldc)) {
    napi_throw_error(env, NULL, "gemmBf16: out of memory for the packed operands");
    return NULL;
  }
  return ft_undefined(env);
}

