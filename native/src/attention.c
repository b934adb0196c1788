// Fused multi-head attention on [B, T, heads * D] projections, in blocks with the online softmax (flash attention):
// per (batch, head), blocks of 128 queries x 256 keys, a running max and sum per query row rescaling the partial output,
// so only the output and each row's log-sum-exp (as max and log sum) are kept, never a [Tq, Tk] matrix. Backward
// recomputes each score block from q, k and those statistics. Threaded over (batch, head) pairs (backward: over
// (batch, key/value head) groups, which own their dk / dv rows). Heads are read and written in place (leading
// dimension heads * D, kvHeads * D for k and v); the dropout mask is regenerated from its seed. Under bf16 the block
// products round their operands to bfloat16 and sum in float32; the softmax and its statistics stay float32.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "dropout.h"
#include "gemm.h"
#include "pool.h"
#include "simd.h"
#include "vecmath.h"

/*
 * Query rows x keys per block (picked with bench/attention-blocks.mjs): a score block (QB x KB floats) and the rows of
 * q, k, v it reads stay in L2. FINETUNE_ATTENTION_BLOCKS=<rows>x<keys> overrides them for that benchmark.
 */
#define QB_DEFAULT 128
#define KB_DEFAULT 256
#define QB_MAX 256
#define KB_MAX 1024
#define LANES 16
#define NEG_INF (-__builtin_inff())

typedef struct {
  const float *q, *k, *v, *mask, *out_in, *dout;
  float *stats, *probs, *out, *dq, *dk, *dv;
  int64_t heads, kv_heads, group, tq, tk, d, width, kv_width; /* width = heads * d (q, out); kv_width = kv_heads * d */
  int64_t qb, kb; /* block sizes */
  int causal;
  float scale, keep_scale;
  uint32_t seed, threshold;
  int dropout;
  int bf16;   /* block products in bf16 with float32 sums (--bf16) */
  int failed; /* set by a part that could not allocate its scratch */
} attn_ctx;

/* One block product on the calling thread: float32, or with operands rounded to bf16 under `bf16`. */
static void product(attn_ctx *a, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *x,
                    int64_t ldx, const float *y, int64_t ldy, float beta, float *c, int64_t ldc) {
  ft_gemm_job job = {trans_a, trans_b, m, n, k, alpha, beta, x, ldx, y, ldy, c, ldc, NULL, NULL};
  if (!a->bf16) ft_gemm_serial(&job);
  else if (!ft_gemm_bf16_serial(&job)) a->failed = 1;
}

/* Keys query row r sees: all, or under the causal mask those j <= r + (tk - tq), clamped to [0, tk]. */
static int64_t visible_keys(const attn_ctx *a, int64_t r) {
  if (!a->causal) return a->tk;
  int64_t n = r + a->tk - a->tq + 1;
  return n < 0 ? 0 : n > a->tk ? a->tk : n;
}

/* Keys of the block starting at c0 (cols of them) that query row r sees. */
static int64_t seen_in_block(const attn_ctx *a, int64_t r, int64_t c0, int64_t cols) {
  int64_t n = visible_keys(a, r) - c0;
  return n < 0 ? 0 : n > cols ? cols : n;
}

/* The 16 lanes' sum pairwise: four dependent adds where a running sum made sixteen. */
static inline float sum_lanes(const float *lanes) {
  float s[8];
  for (int l = 0; l < 8; l++) s[l] = lanes[l] + lanes[l + 8];
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static float dot_f32(const float *x, const float *y, int64_t n) {
  float lanes[LANES] = {0}, sum = 0;
  int64_t c = 0;
  for (; c + LANES <= n; c += LANES)
    for (int l = 0; l < LANES; l++) lanes[l] += x[c + l] * y[c + l];
  for (; c < n; c++) sum += x[c] * y[c];
  return sum + sum_lanes(lanes);
}

/*
 * Folds one row of a score block into the running max *m and sum *l: adds the mask, rescales the partial output row
 * by e^(old max - new max) when the max grows, and leaves e^(s - max) in the row (0 past `seen`). A row whose scores
 * so far are all -Infinity stays at max -Infinity, sum 0.
 */
FT_MULTIVERSION static void online_row(float *row, const float *mask, int64_t seen, int64_t cols, float *m, float *l,
                                       float *out, int64_t d) {
  /* Two passes over the row: mask and maximum, then exponentials and their sum, each in 16 lanes. */
  float lanes[LANES];
  for (int x = 0; x < LANES; x++) lanes[x] = NEG_INF;
  float block_max = NEG_INF;
  int64_t c = 0;
  for (; c + LANES <= seen; c += LANES)
    for (int x = 0; x < LANES; x++) {
      const float v = mask ? row[c + x] + mask[c + x] : row[c + x];
      row[c + x] = v;
      lanes[x] = v > lanes[x] ? v : lanes[x];
    }
  for (; c < seen; c++) {
    if (mask) row[c] += mask[c];
    block_max = row[c] > block_max ? row[c] : block_max;
  }
  block_max = ft_max2(block_max, ft_max_lanes16(lanes));
  const float old = *m, max = block_max > old ? block_max : old;
  if (max == NEG_INF) {
    memset(row, 0, (size_t)cols * sizeof(float));
    return;
  }
  float sums[LANES] = {0}, sum = 0;
  for (c = 0; c + LANES <= seen; c += LANES)
    for (int x = 0; x < LANES; x++) {
      const float e = ft_expf(row[c + x] - max);
      row[c + x] = e;
      sums[x] += e;
    }
  for (; c < seen; c++) {
    row[c] = ft_expf(row[c] - max);
    sum += row[c];
  }
  memset(row + seen, 0, (size_t)(cols - seen) * sizeof(float));
  if (max != old) {
    const float corr = old == NEG_INF ? 0.0f : ft_expf(old - max);
    *l *= corr;
    for (int64_t x = 0; x < d; x++) out[x] *= corr;
  }
  *l += sum + sum_lanes(sums);
  *m = max;
}

/* The softmax probabilities of one score row from its statistics: e^(s + mask - max - log sum), 0 past `seen`. */
FT_MULTIVERSION static void probs_row(float *row, const float *mask, int64_t seen, int64_t cols, float max, float log_sum) {
  if (max == NEG_INF) seen = 0;
  if (mask)
    for (int64_t c = 0; c < seen; c++) row[c] = ft_expf(row[c] + mask[c] - max - log_sum);
  else
    for (int64_t c = 0; c < seen; c++) row[c] = ft_expf(row[c] - max - log_sum);
  memset(row + seen, 0, (size_t)(cols - seen) * sizeof(float));
}

/* out = x * keep / (1 - p) over n elements whose flat probability indices start at `first`. */
FT_MULTIVERSION static void apply_dropout(const attn_ctx *a, const float *x, float *out, int64_t n, uint64_t first) {
  const uint32_t seed = a->seed, threshold = a->threshold;
  const float scale = a->keep_scale;
  for (int64_t c = 0; c < n; c++) {
    const float kept = x[c] * scale;
    out[c] = ft_dropout_keep(seed, first + (uint64_t)c, threshold) ? kept : 0.0f;
  }
}

/* dS = P * (dP - D) over one row, D = rowsum(dO * O) (= rowsum(dP * P), the softmax's backward). */
FT_MULTIVERSION static void softmax_grad_row(float *ds, const float *pr, float dsum, int64_t cols) {
  for (int64_t c = 0; c < cols; c++) ds[c] = pr[c] * (ds[c] - dsum);
}

static int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

/* Probabilities of query rows r0 .. r0 + rows of item i into probs (pre-dropout), from their finished statistics. */
static void write_probs(attn_ctx *a, int64_t i, int64_t r0, int64_t rows, const float *q, const float *k,
                        const float *mask, const float *stats) {
  float *probs = a->probs + (i * a->tq + r0) * a->tk;
  const int64_t keys = visible_keys(a, r0 + rows - 1);
  if (keys > 0) product(a, 0, 1, rows, keys, a->d, a->scale, q + r0 * a->width, a->width, k, a->kv_width, 0.0f, probs, a->tk);
  for (int64_t r = 0; r < rows; r++)
    probs_row(probs + r * a->tk, mask, visible_keys(a, r0 + r), a->tk, stats[2 * r], stats[2 * r + 1]);
}

static void forward_items(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  attn_ctx *a = p;
  const int64_t tq = a->tq, tk = a->tk, d = a->d, width = a->width, kv_width = a->kv_width, heads = a->heads;
  const int64_t qb = a->qb, kb = a->kb;
  float *s = malloc((size_t)(qb * kb) * sizeof(float));
  if (!s) {
    a->failed = 1;
    return;
  }
  float m[QB_MAX], l[QB_MAX];
  for (int64_t i = begin; i < end; i++) {
    const int64_t b = i / heads, h = i % heads;
    const float *q = a->q + b * tq * width + h * d;
    const int64_t kv_at = b * tk * kv_width + (h / a->group) * d;
    const float *k = a->k + kv_at, *v = a->v + kv_at;
    float *out = a->out + b * tq * width + h * d, *stats = a->stats + i * tq * 2;
    const float *mask = a->mask ? a->mask + b * tk : NULL;
    for (int64_t r0 = 0; r0 < tq; r0 += qb) {
      const int64_t rows = min64(qb, tq - r0), keys = visible_keys(a, r0 + rows - 1);
      for (int64_t r = 0; r < rows; r++) {
        m[r] = NEG_INF;
        l[r] = 0.0f;
        memset(out + (r0 + r) * width, 0, (size_t)d * sizeof(float));
      }
      for (int64_t c0 = 0; c0 < keys; c0 += kb) {
        const int64_t cols = min64(kb, keys - c0);
        product(a, 0, 1, rows, cols, d, a->scale, q + r0 * width, width, k + c0 * kv_width, kv_width, 0.0f, s, kb);
        for (int64_t r = 0; r < rows; r++) {
          float *row = s + r * kb;
          const int64_t seen = seen_in_block(a, r0 + r, c0, cols);
          online_row(row, mask ? mask + c0 : NULL, seen, cols, &m[r], &l[r], out + (r0 + r) * width, d);
          if (a->dropout && seen > 0) apply_dropout(a, row, row, seen, (uint64_t)((i * tq + r0 + r) * tk + c0));
        }
        /* O += dropout(e^(S - max)) V: the partial output, normalised by the sum once the row is done. */
        product(a, 0, 0, rows, d, cols, 1.0f, s, kb, v + c0 * kv_width, kv_width, 1.0f, out + r0 * width, width);
      }
      for (int64_t r = 0; r < rows; r++) {
        float *o = out + (r0 + r) * width, *st = stats + (r0 + r) * 2;
        if (l[r] > 0.0f) {
          const float inv = 1.0f / l[r];
          for (int64_t x = 0; x < d; x++) o[x] *= inv;
          st[0] = m[r];
          st[1] = logf(l[r]);
        } else {
          memset(o, 0, (size_t)d * sizeof(float));
          st[0] = NEG_INF;
          st[1] = 0.0f;
        }
      }
      if (a->probs) write_probs(a, i, r0, rows, q, k, mask, stats + r0 * 2);
    }
  }
  free(s);
}

/* One work item is a (batch, key/value head) pair: it owns those dk / dv rows and sums its query heads into them. */
static void backward_items(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  attn_ctx *a = p;
  const int64_t tq = a->tq, tk = a->tk, d = a->d, width = a->width, kv_width = a->kv_width, heads = a->heads;
  const int64_t qb = a->qb, kb = a->kb;
  float *s = malloc((size_t)(3 * qb * kb) * sizeof(float));
  if (!s) {
    a->failed = 1;
    return;
  }
  float *dp = s + qb * kb, *dropped = dp + qb * kb, dsum[QB_MAX];
  for (int64_t item = begin; item < end; item++) {
    const int64_t b = item / a->kv_heads, g = item % a->kv_heads;
    const int64_t kv_at = b * tk * kv_width + g * d;
    const float *k = a->k + kv_at, *v = a->v + kv_at;
    const float *mask = a->mask ? a->mask + b * tk : NULL;
    float *dk = a->dk + kv_at, *dv = a->dv + kv_at;
    for (int64_t j = 0; j < tk; j++) {
      memset(dk + j * kv_width, 0, (size_t)d * sizeof(float));
      memset(dv + j * kv_width, 0, (size_t)d * sizeof(float));
    }
    for (int64_t h = g * a->group; h < (g + 1) * a->group; h++) {
      const int64_t i = b * heads + h, q_at = b * tq * width + h * d;
      const float *q = a->q + q_at, *out = a->out_in + q_at, *dout = a->dout + q_at, *stats = a->stats + i * tq * 2;
      float *dq = a->dq + q_at;
      for (int64_t r0 = 0; r0 < tq; r0 += qb) {
        const int64_t rows = min64(qb, tq - r0), keys = visible_keys(a, r0 + rows - 1);
        for (int64_t r = 0; r < rows; r++) {
          dsum[r] = dot_f32(dout + (r0 + r) * width, out + (r0 + r) * width, d);
          memset(dq + (r0 + r) * width, 0, (size_t)d * sizeof(float));
        }
        for (int64_t c0 = 0; c0 < keys; c0 += kb) {
          const int64_t cols = min64(kb, keys - c0);
          product(a, 0, 1, rows, cols, d, a->scale, q + r0 * width, width, k + c0 * kv_width, kv_width, 0.0f, s, kb);
          for (int64_t r = 0; r < rows; r++) {
            const float *st = stats + (r0 + r) * 2;
            probs_row(s + r * kb, mask ? mask + c0 : NULL, seen_in_block(a, r0 + r, c0, cols), cols, st[0], st[1]);
          }
          /* d dropout(P) = dO V^T; dV += dropout(P)^T dO; dP = d dropout(P) through the mask. */
          product(a, 0, 1, rows, cols, d, 1.0f, dout + r0 * width, width, v + c0 * kv_width, kv_width, 0.0f, dp, kb);
          const float *weights = s;
          if (a->dropout) {
            for (int64_t r = 0; r < rows; r++) {
              const uint64_t first = (uint64_t)((i * tq + r0 + r) * tk + c0);
              apply_dropout(a, s + r * kb, dropped + r * kb, cols, first);
              apply_dropout(a, dp + r * kb, dp + r * kb, cols, first);
            }
            weights = dropped;
          }
          product(a, 1, 0, cols, d, rows, 1.0f, weights, kb, dout + r0 * width, width, 1.0f, dv + c0 * kv_width, kv_width);
          for (int64_t r = 0; r < rows; r++) softmax_grad_row(dp + r * kb, s + r * kb, dsum[r], cols);
          /* S = scale Q K^T: dQ += scale dS K, dK += scale dS^T Q. */
          product(a, 0, 0, rows, d, cols, a->scale, dp, kb, k + c0 * kv_width, kv_width, 1.0f, dq + r0 * width, width);
          product(a, 1, 0, cols, d, rows, a->scale, dp, kb, q + r0 * width, width, 1.0f, dk + c0 * kv_width, kv_width);
        }
      }
    }
  }
  free(s);
}

/* Reads the sizes, flags and rates shared by both directions (arguments at..at+9 after the leading arrays). */
static int read_shape(ft_args *args, attn_ctx *a, size_t at, int64_t *batch) {
  *batch = ft_arg_int(args, at, "batch", 0);
  a->heads = ft_arg_int(args, at + 1, "heads", 1);
  a->kv_heads = ft_arg_int(args, at + 2, "kvHeads", 1);
  a->tq = ft_arg_int(args, at + 3, "tq", 0);
  a->tk = ft_arg_int(args, at + 4, "tk", 0);
  a->d = ft_arg_int(args, at + 5, "headDim", 1);
  a->causal = ft_arg_bool(args, at + 6, "causal");
  a->scale = (float)ft_arg_number(args, at + 7, "scale");
  double p = ft_arg_number(args, at + 8, "dropout");
  int64_t seed = ft_arg_int(args, at + 9, "seed", 0);
  if (args->failed) return 0;
  if (a->heads % a->kv_heads != 0) {
    ft_range_error(args, "kvHeads %lld must divide heads %lld", (long long)a->kv_heads, (long long)a->heads);
    return 0;
  }
  if (!(p >= 0.0 && p < 1.0)) {
    ft_range_error(args, "dropout %g must be in [0, 1)", p);
    return 0;
  }
  if (seed > 0xffffffffLL) {
    ft_range_error(args, "seed %lld is not a 32-bit unsigned integer", (long long)seed);
    return 0;
  }
  a->group = a->heads / a->kv_heads;
  a->qb = QB_DEFAULT;
  a->kb = KB_DEFAULT;
  const char *blocks = getenv("FINETUNE_ATTENTION_BLOCKS");
  long rows, keys;
  if (blocks && sscanf(blocks, "%ldx%ld", &rows, &keys) == 2 && rows >= 1 && rows <= QB_MAX && keys >= 1 && keys <= KB_MAX) {
    a->qb = rows;
    a->kb = keys;
  }
  a->width = a->heads * a->d;
  a->kv_width = a->kv_heads * a->d;
  a->dropout = p > 0.0;
  a->threshold = ft_dropout_threshold(p);
  a->keep_scale = (float)(1.0 / (1.0 - p));
  a->seed = (uint32_t)seed;
  return 1;
}

napi_value ft_bind_attention(napi_env env, napi_callback_info info) {
  ft_args args;
  if (!ft_args_init(&args, env, info, "attention", 18)) return NULL;
  attn_ctx a = {0};
  int64_t q_len, k_len, v_len, mask_len, stats_len, out_len, probs_len, batch;
  a.q = ft_arg_f32(&args, 0, "q", &q_len);
  a.k = ft_arg_f32(&args, 1, "k", &k_len);
  a.v = ft_arg_f32(&args, 2, "v", &v_len);
  a.mask = ft_arg_f32_or_null(&args, 3, "mask", &mask_len);
  if (!read_shape(&args, &a, 4, &batch)) return NULL;
  a.stats = ft_arg_f32(&args, 14, "stats", &stats_len);
  a.out = ft_arg_f32(&args, 15, "out", &out_len);
  a.probs = ft_arg_f32_or_null(&args, 16, "probs", &probs_len);
  a.bf16 = ft_arg_bool(&args, 17, "bf16");
  if (args.failed) return NULL;
  if (!ft_check_size(&args, "q", batch * a.tq * a.width, q_len) || !ft_check_size(&args, "k", batch * a.tk * a.kv_width, k_len) ||
      !ft_check_size(&args, "v", batch * a.tk * a.kv_width, v_len) ||
      (a.mask && !ft_check_size(&args, "mask", batch * a.tk, mask_len)) ||
      !ft_check_size(&args, "stats", batch * a.heads * a.tq * 2, stats_len) ||
      !ft_check_size(&args, "out", batch * a.tq * a.width, out_len) ||
      (a.probs && !ft_check_size(&args, "probs", batch * a.heads * a.tq * a.tk, probs_len)))
    return NULL;
  if (batch == 0 || a.tq == 0) return ft_undefined(env);
  ft_parallel_for(batch * a.heads, 1, forward_items, &a);
  if (a.failed) {
    ft_range_error(&args, "out of memory");
    return NULL;
  }
  return ft_undefined(env);
}

napi_value ft_bind_attention_grad(napi_env env, napi_callback_info info) {
  ft_args args;
  if (!ft_args_init(&args, env, info, "attentionGrad", 21)) return NULL;
  attn_ctx a = {0};
  int64_t q_len, k_len, v_len, mask_len, out_len, stats_len, dout_len, dq_len, dk_len, dv_len, batch;
  a.q = ft_arg_f32(&args, 0, "q", &q_len);
  a.k = ft_arg_f32(&args, 1, "k", &k_len);
  a.v = ft_arg_f32(&args, 2, "v", &v_len);
  a.mask = ft_arg_f32_or_null(&args, 3, "mask", &mask_len);
  a.out_in = ft_arg_f32(&args, 4, "out", &out_len);
  a.stats = ft_arg_f32(&args, 5, "stats", &stats_len);
  a.dout = ft_arg_f32(&args, 6, "dOut", &dout_len);
  if (!read_shape(&args, &a, 7, &batch)) return NULL;
  a.dq = ft_arg_f32(&args, 17, "dq", &dq_len);
  a.dk = ft_arg_f32(&args, 18, "dk", &dk_len);
  a.dv = ft_arg_f32(&args, 19, "dv", &dv_len);
  a.bf16 = ft_arg_bool(&args, 20, "bf16");
  if (args.failed) return NULL;
  const int64_t q_size = batch * a.tq * a.width, kv_size = batch * a.tk * a.kv_width;
  if (!ft_check_size(&args, "q", q_size, q_len) || !ft_check_size(&args, "k", kv_size, k_len) ||
      !ft_check_size(&args, "v", kv_size, v_len) || (a.mask && !ft_check_size(&args, "mask", batch * a.tk, mask_len)) ||
      !ft_check_size(&args, "out", q_size, out_len) ||
      !ft_check_size(&args, "stats", batch * a.heads * a.tq * 2, stats_len) ||
      !ft_check_size(&args, "dOut", q_size, dout_len) || !ft_check_size(&args, "dq", q_size, dq_len) ||
      !ft_check_size(&args, "dk", kv_size, dk_len) || !ft_check_size(&args, "dv", kv_size, dv_len))
    return NULL;
  if (batch == 0 || a.tq == 0 || a.tk == 0) {
    /* Nothing attends or nothing is attended to: every gradient is zero. */
    memset(a.dq, 0, (size_t)q_size * sizeof(float));
    memset(a.dk, 0, (size_t)kv_size * sizeof(float));
    memset(a.dv, 0, (size_t)kv_size * sizeof(float));
    return ft_undefined(env);
  }
  ft_parallel_for(batch * a.kv_heads, 1, backward_items, &a);
  if (a.failed) {
    ft_range_error(&args, "out of memory");
    return NULL;
  }
  return ft_undefined(env);
}
