// Batched GEMM driver: BLAS (OpenBLAS / Accelerate) or the built-in kernel, split across the pool by batch or by
// strips of C, plus its N-API binding with full bounds checks.
#include "gemm.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"

#if defined(FT_BLAS_ACCELERATE)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
#define FT_HAVE_CBLAS 1
#elif defined(FT_BLAS_OPENBLAS)
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);
#define FT_HAVE_CBLAS 1
#endif
#include <pthread.h>
#include <strings.h>

#define MIN_MACS_PER_PART FT_GEMM_MIN_MACS_PER_PART

const char *ft_gemm_library(void) {
#if defined(FT_BLAS_ACCELERATE)
  return "accelerate";
#elif defined(FT_BLAS_OPENBLAS)
  return "openblas";
#else
  return "builtin";
#endif
}

/*
 * Whether products go to the BLAS library or to the built-in kernel. OpenBLAS picks its kernels by CPU model
 * and falls back to old SSE ones on CPUs newer than its release (0.3.21 runs "Prescott" kernels on recent
 * Xeons, a third of the built-in AVX-512 kernel's speed), so OpenBLAS is used only when its kernels are at
 * least as wide as ours. FINETUNE_GEMM=blas or FINETUNE_GEMM=builtin overrides the choice.
 */
static int blas_chosen;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

#if defined(FT_BLAS_OPENBLAS)
/* Vector width in bits of an OpenBLAS core's kernels (the names openblas_get_corename reports). */
static int openblas_core_width(const char *core) {
  static const char *const wide512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
  static const char *const wide256[] = {"Haswell", "Zen", "Excavator"};
  for (size_t i = 0; core && i < sizeof wide512 / sizeof *wide512; i++)
    if (strcasecmp(core, wide512[i]) == 0) return 512;
  for (size_t i = 0; core && i < sizeof wide256 / sizeof *wide256; i++)
    if (strcasecmp(core, wide256[i]) == 0) return 256;
  return 128;
}
#endif

static void choose_engine(void) {
  const char *forced = getenv("FINETUNE_GEMM");
#if defined(FT_BLAS_OPENBLAS)
  const char *ours = ft_gemm_builtin_kernel();
  int our_width = strcmp(ours, "avx512") == 0 ? 512 : strcmp(ours, "avx2") == 0 ? 256 : 0;
  /*
   * At equal AVX-512 width OpenBLAS stays the default: on a quiet Zen 4 a BERT training step took 324-327 ms
   * with it against 422-457 ms with ours (2 threads; bench/README.md).
   */
  blas_chosen = openblas_core_width(openblas_get_corename()) >= our_width;
#elif defined(FT_BLAS_ACCELERATE)
  blas_chosen = 1;
#else
  blas_chosen = 0;
#endif
#ifdef FT_HAVE_CBLAS
  if (forced && strcmp(forced, "blas") == 0) blas_chosen = 1;
#endif
  if (forced && strcmp(forced, "builtin") == 0) blas_chosen = 0;
}

static int use_blas(void) {
  pthread_once(&engine_once, choose_engine);
  return blas_chosen;
}

const char *ft_gemm_engine(void) { return use_blas() ? ft_gemm_library() : "builtin"; }

const char *ft_gemm_blas_core(void) {
#if defined(FT_BLAS_OPENBLAS)
  const char *core = openblas_get_corename();
  return core ? core : "";
#else
  return "";
#endif
}

/*
 * By default OpenBLAS runs single-threaded under our pool: one set of threads splits every product, so
 * OpenBLAS's own workers never compete with the pool's for the cores between calls.
 * FINETUNE_GEMM_THREADING=blas instead gives OpenBLAS the threads and calls it from the main thread.
 */
static int blas_threads_itself(void) {
#if defined(FT_BLAS_OPENBLAS)
  const char *mode = getenv("FINETUNE_GEMM_THREADING");
  return use_blas() && mode && strcmp(mode, "blas") == 0;
#else
  return 0;
#endif
}

void ft_gemm_set_threads(int threads) {
  (void)threads;
#if defined(FT_BLAS_OPENBLAS)
  openblas_set_num_threads(blas_threads_itself() ? threads : 1);
  ft_pool_set_short_spin(blas_threads_itself());
#endif
}

void ft_gemm_serial(const ft_gemm_job *g) {
  if (g->m <= 0 || g->n <= 0) return;
#ifdef FT_HAVE_CBLAS
  if (use_blas() && g->m <= INT_MAX && g->n <= INT_MAX && g->k <= INT_MAX && g->lda <= INT_MAX && g->ldb <= INT_MAX &&
      g->ldc <= INT_MAX) {
    if (g->k == 0 || g->alpha == 0.0f) {
      ft_gemm_job scale_only = *g;
      scale_only.k = 0;
      ft_gemm_builtin_serial(&scale_only); /* BLAS may read C even with beta = 0; we must not */
      return;
    }
    /* BLAS wants ld >= 1 even for a single row / column. */
    int lda = g->lda > 0 ? (int)g->lda : 1, ldb = g->ldb > 0 ? (int)g->ldb : 1, ldc = g->ldc > 0 ? (int)g->ldc : 1;
    cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans, g->trans_b ? CblasTrans : CblasNoTrans,
                (int)g->m, (int)g->n, (int)g->k, g->alpha, g->a, lda, g->b, ldb, g->beta, g->c, ldc);
    return;
  }
#endif
  ft_gemm_builtin_serial(g);
}

typedef struct {
  ft_gemm_job job;
  int64_t stride_a, stride_b, stride_c;
  int split_rows;
  int64_t unit; /* rows or columns per strip unit */
} batch_plan;

/* Each part runs whole matrices of the batch. */
static void run_batches(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const batch_plan *plan = ctx;
  for (int64_t index = begin; index < end; index++) {
    ft_gemm_job g = plan->job;
    g.a += index * plan->stride_a;
    g.b += index * plan->stride_b;
    g.c += index * plan->stride_c;
    ft_gemm_serial(&g);
  }
}

/* Each part runs a strip of rows (or columns) of one matrix: a smaller GEMM with the same leading dimensions. */
static void run_strip(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const batch_plan *plan = ctx;
  ft_gemm_job g = plan->job;
  int64_t first = begin * plan->unit;
  if (plan->split_rows) {
    int64_t last = end * plan->unit < g.m ? end * plan->unit : g.m;
    g.m = last - first;
    g.a += g.trans_a ? first : first * g.lda;
    g.c += first * g.ldc;
  } else {
    int64_t last = end * plan->unit < g.n ? end * plan->unit : g.n;
    g.n = last - first;
    g.b += g.trans_b ? first * g.ldb : first;
    g.c += first;
  }
  ft_gemm_serial(&g);
}

void ft_gemm_batched(int trans_a, int trans_b, int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                     const float *a, int64_t stride_a, int64_t lda, const float *b, int64_t stride_b, int64_t ldb,
                     float beta, float *c, int64_t stride_c, int64_t ldc) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  batch_plan plan = {{trans_a, trans_b, m, n, k, alpha, beta, a, lda, b, ldb, c, ldc, NULL, NULL}, stride_a, stride_b, stride_c, 0, 1};
  int64_t macs = m * n * (k > 0 ? k : 1);
  int threads = ft_threads();
  if (blas_threads_itself()) {
    run_batches(&plan, 0, batch, 0);
    return;
  }
  if (batch >= 4 * (int64_t)threads || (batch >= threads && batch % threads == 0) || threads == 1) {
    int64_t grain = MIN_MACS_PER_PART / macs + 1;
    ft_parallel_for(batch, grain, run_batches, &plan);
    return;
  }
  if (!use_blas()) {
    for (int64_t index = 0; index < batch; index++) {
      plan.job.a = a + index * stride_a;
      plan.job.b = b + index * stride_b;
      plan.job.c = c + index * stride_c;
      ft_gemm_builtin_parallel(&plan.job, threads);
    }
    return;
  }
  int mr = 8, nr = 16;
  ft_gemm_builtin_tile(&mr, &nr);
  plan.split_rows = m >= n;
  plan.unit = plan.split_rows ? mr : nr;
  int64_t units = ((plan.split_rows ? m : n) + plan.unit - 1) / plan.unit;
  int64_t macs_per_unit = macs / units + 1;
  int64_t grain = MIN_MACS_PER_PART / macs_per_unit + 1;
  for (int64_t index = 0; index < batch; index++) {
    plan.job.a = a + index * stride_a;
    plan.job.b = b + index * stride_b;
    plan.job.c = c + index * stride_c;
    ft_parallel_for(units, grain, run_strip, &plan);
  }
}

napi_value ft_bind_gemm(napi_env env, napi_callback_info info) {
  ft_args a;
  ft_gemm_args g;
  if (!ft_args_init(&a, env, info, "gemm", 17) || !ft_arg_gemm(&a, &g)) return NULL;
  ft_gemm_batched(g.trans_a, g.trans_b, g.batch, g.m, g.n, g.k, g.alpha, g.a, g.stride_a, g.lda, g.b, g.stride_b, g.ldb,
                  g.beta, g.c, g.stride_c, g.ldc);
  return ft_undefined(env);
}
