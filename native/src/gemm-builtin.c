// Built-in blocked GEMM, serial or with threads sharing packed operands: B packed in kc x nr panels, A in mr x kc
// panels, the register-tiled micro-kernel of gemm-kernels.h chosen at run time through cpuid.
#include "gemm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gemm-kernels.h"
#include "pool.h"

static const kernel_desc *chosen;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;

static void choose_kernel(void) {
  chosen = &GENERIC;
#ifdef FT_X86_KERNELS
  __builtin_cpu_init();
  const char *forced = getenv("FINETUNE_GEMM_KERNEL"); /* for testing every kernel on one machine */
  int want_512 = !forced || strcmp(forced, "avx512") == 0;
  int want_256 = !forced || strcmp(forced, "avx2") == 0 || want_512;
  if (want_512 && __builtin_cpu_supports("avx512f")) chosen = &AVX512;
  else if (want_256 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) chosen = &AVX2;
#endif
}

static const kernel_desc *kernel(void) {
  pthread_once(&choose_once, choose_kernel);
  return chosen;
}

const char *ft_gemm_builtin_kernel(void) { return kernel()->name; }

void ft_gemm_builtin_tile(int *mr, int *nr) {
  *mr = kernel()->mr;
  *nr = kernel()->nr;
}

/* Packing buffers belong to the thread (freed when it exits), so concurrent callers never share one. */
typedef struct {
  float *a, *b;
} pack_buffers;
static pthread_key_t buffers_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void free_buffers(void *p) {
  pack_buffers *buffers = p;
  free(buffers->a);
  free(buffers->b);
  free(buffers);
}

static void make_key(void) { pthread_key_create(&buffers_key, free_buffers); }

static pack_buffers *thread_buffers(const kernel_desc *kd) {
  pthread_once(&key_once, make_key);
  pack_buffers *buffers = pthread_getspecific(buffers_key);
  if (buffers) return buffers;
  buffers = calloc(1, sizeof *buffers);
  if (!buffers) return NULL;
  buffers->a = aligned_alloc(64, (size_t)((kd->mc > kd->small_m ? kd->mc : kd->small_m) * kd->kc * sizeof(float)));
  buffers->b = aligned_alloc(64, (size_t)(kd->kc * kd->nc * sizeof(float)));
  if (!buffers->a || !buffers->b) {
    free_buffers(buffers);
    return NULL;
  }
  pthread_setspecific(buffers_key, buffers);
  return buffers;
}

/*
 * Whether the first kc block of the product overwrites C (beta 0 and a product to write): C is then never cleared
 * in a pass of its own, and NaN or garbage in it does not leak through.
 */
static int overwrites(const ft_gemm_job *g) { return g->beta == 0.0f && g->k > 0 && g->alpha != 0.0f; }

/* Zeros for the micro-kernel's overwrite without a bias (nr <= 32). */
static const float zero_row[32] __attribute__((aligned(64)));

/* C = beta C before the blocks accumulate onto it; nothing when the first block overwrites C. */
static void scale_c(const ft_gemm_job *g) {
  if (g->beta == 1.0f || overwrites(g)) return;
  for (int64_t i = 0; i < g->m; i++) {
    float *row = g->c + i * g->ldc;
    if (g->beta == 0.0f) {
      if (g->bias) memcpy(row, g->bias, (size_t)g->n * sizeof(float));
      else memset(row, 0, (size_t)g->n * sizeof(float));
    } else {
      for (int64_t j = 0; j < g->n; j++) row[j] *= g->beta;
    }
  }
}

/*
 * The block size for `total` items in blocks of at most `largest`: blocks of (nearly) equal size, rounded up to
 * `multiple`, so that k = 1024 runs as 2 x 512 rather than 768 + 256 (a short last block costs a whole extra
 * pass over C for little work).
 */
static int64_t even_block(int64_t total, int64_t largest, int64_t multiple) {
  int64_t blocks = (total + largest - 1) / largest;
  int64_t size = (total + blocks - 1) / blocks;
  size = (size + multiple - 1) / multiple * multiple;
  return size < largest ? size : largest;
}

/* Whole-B packing: kc block pc (kc deep) starts at pc * padded_n; its panel of columns from j0 at j0 * kc in it. */
static int64_t padded_n(const kernel_desc *kd, int64_t n) { return (n + kd->nr - 1) / kd->nr * kd->nr; }

static const float *packed_block(const ft_gemm_job *g, const kernel_desc *kd, int64_t pc, int64_t kc, int64_t j0) {
  return g->packed_b + pc * padded_n(kd, g->n) + j0 * kc;
}

int64_t ft_gemm_packed_b_floats(int64_t k, int64_t n) { return k * padded_n(kernel(), n); }

void ft_gemm_pack_b_whole(const ft_gemm_job *g, float *out) {
  const kernel_desc *kd = kernel();
  int64_t kc_step = even_block(g->k, kd->kc, 16);
  for (int64_t pc = 0; pc < g->k; pc += kc_step) {
    int64_t kc = g->k - pc < kc_step ? g->k - pc : kc_step;
    ft_gemm_pack_b(g, pc, kc, 0, g->n, kd->nr, kd->vector_packs, out + pc * padded_n(kd, g->n));
  }
}

/* op(B)[p, j] from B as stored, or from its whole packing. */
static float b_at(const ft_gemm_job *g, int64_t p, int64_t j) {
  if (!g->packed_b) return g->trans_b ? g->b[j * g->ldb + p] : g->b[p * g->ldb + j];
  const kernel_desc *kd = kernel();
  int64_t kc_step = even_block(g->k, kd->kc, 16), pc = p / kc_step * kc_step;
  int64_t kc = g->k - pc < kc_step ? g->k - pc : kc_step, nr = kd->nr;
  return packed_block(g, kd, pc, kc, j / nr * nr)[(p - pc) * nr + j % nr];
}

/*
 * Straightforward loops for when packing buffers cannot be had (out of memory): slow but correct. The part of
 * C += alpha op(A) op(B) for rows [i0, i0 + m), columns [j0, j0 + n), inner indices [p0, p0 + k); the part from
 * p0 = 0 of a product that overwrites C writes instead, as the first block of macro_kernel does.
 */
static void gemm_unpacked_part(const ft_gemm_job *g, int64_t i0, int64_t m, int64_t j0, int64_t n, int64_t p0, int64_t k) {
  for (int64_t i = i0; i < i0 + m; i++) {
    for (int64_t j = j0; j < j0 + n; j++) {
      float sum = 0;
      for (int64_t p = p0; p < p0 + k; p++) {
        float av = g->trans_a ? g->a[p * g->lda + i] : g->a[i * g->lda + p];
        sum += av * b_at(g, p, j);
      }
      float *c = g->c + i * g->ldc + j;
      if (p0 == 0 && overwrites(g)) *c = g->alpha * sum + (g->bias ? g->bias[j] : 0.0f);
      else *c += g->alpha * sum;
    }
  }
}

static void gemm_unpacked(const ft_gemm_job *g) { gemm_unpacked_part(g, 0, g->m, 0, g->n, 0, g->k); }

/*
 * C[i0 + i, j0 + j] (+)= alpha * (packed A block: mc rows) x (packed B panels: nc columns), kc deep. The first kc block
 * (`first`) of a product that overwrites C writes the product plus the bias (or zeros) instead of adding to C.
 */
static void macro_kernel(const ft_gemm_job *g, const kernel_desc *kd, const float *a_packed, const float *b_packed,
                         int64_t i0, int64_t mc, int64_t j0, int64_t nc, int64_t kc, int first) {
  const int mr = kd->mr, nr = kd->nr, overwrite = first && overwrites(g);
  float edge[32 * 32] __attribute__((aligned(64)));
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const float *b_panel = b_packed + jr * kc;
    int64_t cols = nc - jr < nr ? nc - jr : nr;
    const float *init = !overwrite ? NULL : g->bias ? g->bias + j0 + jr : zero_row;
    for (int64_t ir = 0; ir < mc; ir += mr) {
      const float *a_panel = a_packed + ir * kc;
      int64_t rows = mc - ir < mr ? mc - ir : mr;
      float *c = g->c + (i0 + ir) * g->ldc + j0 + jr;
      if (rows == mr && cols == nr) {
        kd->kernel(kc, a_panel, b_panel, c, g->ldc, g->alpha, init);
      } else {
        memset(edge, 0, sizeof(float) * (size_t)(mr * nr));
        kd->kernel(kc, a_panel, b_panel, edge, nr, g->alpha, NULL);
        for (int64_t i = 0; i < rows; i++)
          for (int64_t j = 0; j < cols; j++) c[i * g->ldc + j] = edge[i * nr + j] + (init ? init[j] : c[i * g->ldc + j]);
      }
    }
  }
}

/* The few-rows path: op(A) packed whole (shared by the threads), op(B) packed panel by panel by whoever uses it. */
typedef struct {
  const ft_gemm_job *g;
  const kernel_desc *kd;
  float *a_packed;
  int64_t pc, kc;
} small_plan;

static void pack_a_part(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const small_plan *plan = ctx;
  int64_t mr = plan->kd->mr, first = begin * mr, last = end * mr < plan->g->m ? end * mr : plan->g->m;
  ft_gemm_pack_a(plan->g, first, last - first, plan->pc, plan->kc, (int)mr, plan->kd->vector_packs,
                 plan->a_packed + first * plan->kc);
}

/* Column panels [begin, end) of C, each packed into this thread's own B buffer just before use. */
static void small_m_part(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const small_plan *plan = ctx;
  const ft_gemm_job *g = plan->g;
  const kernel_desc *kd = plan->kd;
  int64_t first = begin * kd->nr, last = end * kd->nr < g->n ? end * kd->nr : g->n;
  if (g->packed_b) {
    macro_kernel(g, kd, plan->a_packed, packed_block(g, kd, plan->pc, plan->kc, first), 0, g->m, first, last - first, plan->kc,
                 plan->pc == 0);
    return;
  }
  pack_buffers *own = thread_buffers(kd);
  if (!own) {
    gemm_unpacked_part(g, 0, g->m, first, last - first, plan->pc, plan->kc);
    return;
  }
  for (int64_t jr = first; jr < last; jr += kd->nr) {
    int64_t cols = last - jr < kd->nr ? last - jr : kd->nr;
    ft_gemm_pack_b(g, plan->pc, plan->kc, jr, cols, kd->nr, kd->vector_packs, own->b);
    macro_kernel(g, kd, plan->a_packed, own->b, 0, g->m, jr, cols, plan->kc, plan->pc == 0);
  }
}

/* C (already scaled by beta) += alpha op(A) op(B) for m <= kd->small_m, on up to `threads` threads. */
static void gemm_small_m(const ft_gemm_job *g, const kernel_desc *kd, float *a_buffer, int threads) {
  int64_t kc_step = even_block(g->k, kd->kc, 16);
  int64_t row_panels = (g->m + kd->mr - 1) / kd->mr, panels = (g->n + kd->nr - 1) / kd->nr;
  for (int64_t pc = 0; pc < g->k; pc += kc_step) {
    int64_t kc = g->k - pc < kc_step ? g->k - pc : kc_step;
    small_plan plan = {g, kd, a_buffer, pc, kc};
    if (threads <= 1) {
      pack_a_part(&plan, 0, row_panels, 0);
      small_m_part(&plan, 0, panels, 0);
    } else {
      ft_parallel_chunks(row_panels, 2, pack_a_part, &plan);
      int64_t grain = FT_GEMM_MIN_MACS_PER_PART / (g->m * kd->nr * kc) + 1;
      ft_parallel_chunks(panels, grain, small_m_part, &plan);
    }
  }
}

void ft_gemm_builtin_serial(const ft_gemm_job *g) {
  if (g->m <= 0 || g->n <= 0) return;
  scale_c(g);
  if (g->k <= 0 || g->alpha == 0.0f) return;
  const kernel_desc *kd = kernel();
  pack_buffers *buffers = thread_buffers(kd);
  if (!buffers) {
    gemm_unpacked(g);
    return;
  }
  if (g->m <= kd->small_m) {
    gemm_small_m(g, kd, buffers->a, 1);
    return;
  }
  int64_t kc_step = even_block(g->k, kd->kc, 16), mc_step = even_block(g->m, kd->mc, kd->mr);
  for (int64_t jc = 0; jc < g->n; jc += kd->nc) {
    int64_t nc = g->n - jc < kd->nc ? g->n - jc : kd->nc;
    for (int64_t pc = 0; pc < g->k; pc += kc_step) {
      int64_t kc = g->k - pc < kc_step ? g->k - pc : kc_step;
      const float *b_block = buffers->b;
      if (g->packed_b)
        b_block = packed_block(g, kd, pc, kc, jc);
      else
        ft_gemm_pack_b(g, pc, kc, jc, nc, kd->nr, kd->vector_packs, buffers->b);
      for (int64_t ic = 0; ic < g->m; ic += mc_step) {
        int64_t mc = g->m - ic < mc_step ? g->m - ic : mc_step;
        ft_gemm_pack_a(g, ic, mc, pc, kc, kd->mr, kd->vector_packs, buffers->a);
        macro_kernel(g, kd, buffers->a, b_block, ic, mc, jc, nc, kc, pc == 0);
      }
    }
  }
}

/*
 * One product split across the pool with the packed B block shared: for every (jc, pc) block the threads first
 * pack B's panels together into the calling thread's buffer, then each computes its own strip of C (rows, or
 * column panels when there are too few rows to go round) from it, packing only its own rows of A.
 */
typedef struct {
  const ft_gemm_job *g;
  const kernel_desc *kd;
  float *b_packed;
  int64_t jc, nc, pc, kc;
  int split_rows; /* units: mr-row strips of C when set, else nr-column panels of the block */
} shared_plan;

static void pack_b_part(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const shared_plan *plan = ctx;
  int64_t nr = plan->kd->nr, first = begin * nr, last = end * nr < plan->nc ? end * nr : plan->nc;
  ft_gemm_pack_b(plan->g, plan->pc, plan->kc, plan->jc + first, last - first, (int)nr, plan->kd->vector_packs,
                 plan->b_packed + first * plan->kc);
}

static void compute_part(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const shared_plan *plan = ctx;
  const ft_gemm_job *g = plan->g;
  const kernel_desc *kd = plan->kd;
  int64_t i0 = 0, m = g->m, j0 = 0, n = plan->nc;
  if (plan->split_rows) {
    i0 = begin * kd->mr;
    m = (end * kd->mr < g->m ? end * kd->mr : g->m) - i0;
  } else {
    j0 = begin * kd->nr;
    n = (end * kd->nr < plan->nc ? end * kd->nr : plan->nc) - j0;
  }
  pack_buffers *own = thread_buffers(kd);
  if (!own) {
    gemm_unpacked_part(g, i0, m, plan->jc + j0, n, plan->pc, plan->kc);
    return;
  }
  int64_t mc_step = even_block(m, kd->mc, kd->mr);
  for (int64_t ic = i0; ic < i0 + m; ic += mc_step) {
    int64_t mc = i0 + m - ic < mc_step ? i0 + m - ic : mc_step;
    ft_gemm_pack_a(g, ic, mc, plan->pc, plan->kc, kd->mr, kd->vector_packs, own->a);
    macro_kernel(g, kd, own->a, plan->b_packed + j0 * plan->kc, ic, mc, plan->jc + j0, n, plan->kc, plan->pc == 0);
  }
}

/* Chunks a thread when a product's compute step is cut by rows (see ft_gemm_builtin_parallel). */
#define ROW_CHUNKS_PER_THREAD 4

/* How evenly `units` split into `parts`: the largest part over the mean (1 = even). */
static double imbalance(int64_t units, int parts) {
  int64_t largest = (units + parts - 1) / parts;
  return (double)largest * parts / (double)units;
}

void ft_gemm_builtin_parallel(const ft_gemm_job *g, int threads) {
  if (g->m <= 0 || g->n <= 0) return;
  const kernel_desc *kd = kernel();
  int64_t row_units = (g->m + kd->mr - 1) / kd->mr;
  int64_t macs = g->m * g->n * (g->k > 0 ? g->k : 1);
  pack_buffers *buffers = threads > 1 && macs >= 2 * FT_GEMM_MIN_MACS_PER_PART ? thread_buffers(kd) : NULL;
  if (!buffers || g->k <= 0 || g->alpha == 0.0f) {
    ft_gemm_builtin_serial(g);
    return;
  }
  scale_c(g);
  if (g->m <= kd->small_m) {
    gemm_small_m(g, kd, buffers->a, threads);
    return;
  }
  int64_t kc_step = even_block(g->k, kd->kc, 16);
  for (int64_t jc = 0; jc < g->n; jc += kd->nc) {
    int64_t nc = g->n - jc < kd->nc ? g->n - jc : kd->nc;
    int64_t panels = (nc + kd->nr - 1) / kd->nr;
    /* Rows unless the column panels share out over 5% more evenly (a few rows, many columns). */
    int split_rows = imbalance(row_units, threads) <= imbalance(panels, threads) * 1.05;
    int64_t units = split_rows ? row_units : panels;
    for (int64_t pc = 0; pc < g->k; pc += kc_step) {
      int64_t kc = g->k - pc < kc_step ? g->k - pc : kc_step;
      int64_t unit_macs = (split_rows ? kd->mr * nc : g->m * kd->nr) * kc;
      int64_t grain = FT_GEMM_MIN_MACS_PER_PART / unit_macs + 1;
      shared_plan plan = {g, kd, buffers->b, jc, nc, pc, kc, split_rows};
      if (g->packed_b) /* read only: the plan's pointer is writable for pack_b_part, which does not run here */
        plan.b_packed = (float *)packed_block(g, kd, pc, kc, jc);
      else
        ft_parallel_chunks(panels, 4, pack_b_part, &plan);
      /*
       * Strips of rows go out in chunks, several a thread, claimed as threads come free, so a thread that starts late
       * (asleep, or its vCPU not yet running) takes fewer: each chunk packs only its own rows of A. Chunks of less
       * than an mc block ran slower (fewer A strips per pass over a B panel: 256 x 2048 x 256, transposed A, 331-353
       * against 376-403 GFLOP/s), so smaller products keep one part a thread. Column panels go
       * one part a thread, since every part packs all of A's rows: cut into 1 / 2 / 4 / 9 parts a thread, 2048 x 768 x
       * 3072 (which splits by columns) ran 397 / 374 / 328 / 314 GFLOP/s on 2 threads, the extra time in packing A.
       */
      int64_t wanted = units / (ROW_CHUNKS_PER_THREAD * threads);
      if (split_rows && wanted >= grain && wanted * kd->mr >= kd->mc) ft_parallel_chunks(units, wanted, compute_part, &plan);
      else ft_parallel_for(units, grain, compute_part, &plan);
    }
  }
}
