// Fused multi-head attention on [B, T, heads * D] projections: scores, mask, causal mask, softmax, dropout and the value
// product of each (batch, head) in one pass, threaded over (batch, head) pairs (backward: over (batch, key/value head)
// groups, which own their dk / dv rows). Heads are read and written in place (leading dimension heads * D, kvHeads * D
// for k and v), so there are no head split / merge / repeat copies; the dropout mask is regenerated in backward.
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "dropout.h"
#include "gemm.h"
#include "pool.h"
#include "simd.h"
#include "vecmath.h"

#define LANES 8

typedef struct {
  const float *q, *k, *v, *mask, *dout;
  float *probs, *out, *dq, *dk, *dv;
  int64_t heads, kv_heads, group, tq, tk, d, width, kv_width; /* width = heads * d (q, out); kv_width = kv_heads * d */
  int causal;
  float scale, keep_scale;
  uint32_t seed, threshold;
  int dropout;
  int failed; /* set by a part that could not allocate its scratch */
} attn_ctx;

/* Causal query rows are taken in blocks of this many, each computing only the keys its last row sees. */
#define CAUSAL_BLOCK 64

static void gemm_beta(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  ft_gemm_job job = {trans_a, trans_b, m, n, k, alpha, beta, a, lda, b, ldb, c, ldc};
  ft_gemm_serial(&job);
}

static void gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 const float *b, int64_t ldb, float *c, int64_t ldc) {
  gemm_beta(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc);
}

/* Keys query row r sees: all, or under the causal mask those j <= r + (tk - tq), clamped to [0, tk]. */
static int64_t visible_keys(const attn_ctx *a, int64_t r) {
  if (!a->causal) return a->tk;
  int64_t n = r + a->tk - a->tq + 1;
  return n < 0 ? 0 : n > a->tk ? a->tk : n;
}

/* Query rows per block: the whole matrix without a causal mask (one GEMM), else CAUSAL_BLOCK. */
static int64_t row_block(const attn_ctx *a) { return a->causal ? CAUSAL_BLOCK : (a->tq > 0 ? a->tq : 1); }

/* In-place softmax of one row after adding the mask row; an all -Infinity row becomes zeros. */
FT_MULTIVERSION static void softmax_row(float *row, const float *mask, int64_t cols) {
  if (mask)
    for (int64_t c = 0; c < cols; c++) row[c] += mask[c];
  const float max = ft_max_f32(row, cols);
  if (max == -__builtin_inff()) {
    memset(row, 0, (size_t)cols * sizeof(float));
    return;
  }
  for (int64_t c = 0; c < cols; c++) row[c] = ft_expf(row[c] - max);
  float lanes[LANES] = {0}, sum = 0;
  int64_t c = 0;
  for (; c + LANES <= cols; c += LANES)
    for (int l = 0; l < LANES; l++) lanes[l] += row[c + l];
  for (; c < cols; c++) sum += row[c];
  for (int l = 0; l < LANES; l++) sum += lanes[l];
  const float inv = 1.0f / sum;
  for (c = 0; c < cols; c++) row[c] *= inv;
}

/* out = x * mask / (1 - p) over n elements whose flat indices start at `first`. */
FT_MULTIVERSION static void apply_dropout(const attn_ctx *a, const float *x, float *out, int64_t n, uint64_t first) {
  const uint32_t seed = a->seed, threshold = a->threshold;
  const float scale = a->keep_scale;
  for (int64_t c = 0; c < n; c++) {
    const float kept = x[c] * scale;
    out[c] = ft_dropout_keep(seed, first + (uint64_t)c, threshold) ? kept : 0.0f;
  }
}

/* Softmax backward of one row in place: dS = P * (dP - sum(dP * P)). */
FT_MULTIVERSION static void softmax_grad_row(float *ds, const float *pr, int64_t cols) {
  float lanes[LANES] = {0}, dot = 0;
  int64_t c = 0;
  for (; c + LANES <= cols; c += LANES)
    for (int l = 0; l < LANES; l++) lanes[l] += ds[c + l] * pr[c + l];
  for (; c < cols; c++) dot += ds[c] * pr[c];
  for (int l = 0; l < LANES; l++) dot += lanes[l];
  for (c = 0; c < cols; c++) ds[c] = pr[c] * (ds[c] - dot);
}

static void forward_items(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  attn_ctx *a = p;
  const int64_t tq = a->tq, tk = a->tk, d = a->d, width = a->width, kv_width = a->kv_width, heads = a->heads;
  const int64_t block = row_block(a);
  float *dropped = NULL;
  if (a->dropout && !(dropped = malloc((size_t)(tq * tk) * sizeof(float)))) {
    a->failed = 1;
    return;
  }
  for (int64_t i = begin; i < end; i++) {
    const int64_t b = i / heads, h = i % heads;
    const float *q = a->q + b * tq * width + h * d;
    const int64_t kv_at = b * tk * kv_width + (h / a->group) * d;
    const float *k = a->k + kv_at, *v = a->v + kv_at;
    float *probs = a->probs + i * tq * tk, *out = a->out + b * tq * width + h * d;
    const float *mask = a->mask ? a->mask + b * tk : NULL;
    for (int64_t r0 = 0; r0 < tq; r0 += block) {
      const int64_t rows = tq - r0 < block ? tq - r0 : block, keys = visible_keys(a, r0 + rows - 1);
      gemm(0, 1, rows, keys, d, a->scale, q + r0 * width, width, k, kv_width, probs + r0 * tk, tk);
      for (int64_t r = r0; r < r0 + rows; r++) {
        const int64_t seen = visible_keys(a, r);
        if (seen > 0) softmax_row(probs + r * tk, mask, seen);
        memset(probs + r * tk + seen, 0, (size_t)(tk - seen) * sizeof(float));
      }
    }
    const float *weights = probs;
    if (a->dropout) {
      apply_dropout(a, probs, dropped, tq * tk, (uint64_t)(i * tq * tk));
      weights = dropped;
    }
    for (int64_t r0 = 0; r0 < tq; r0 += block) {
      const int64_t rows = tq - r0 < block ? tq - r0 : block, keys = visible_keys(a, r0 + rows - 1);
      gemm(0, 0, rows, d, keys, 1.0f, weights + r0 * tk, tk, v, kv_width, out + r0 * width, width);
    }
  }
  free(dropped);
}

/* One work item is a (batch, key/value head) pair: it owns those dk / dv rows and sums its query heads into them. */
static void backward_items(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  attn_ctx *a = p;
  const int64_t tq = a->tq, tk = a->tk, d = a->d, width = a->width, kv_width = a->kv_width, heads = a->heads;
  const int64_t block = row_block(a);
  float *dscores = malloc((size_t)(tq * tk) * sizeof(float));
  float *dropped = a->dropout ? malloc((size_t)(tq * tk) * sizeof(float)) : NULL;
  if (!dscores || (a->dropout && !dropped)) {
    free(dscores);
    free(dropped);
    a->failed = 1;
    return;
  }
  for (int64_t item = begin; item < end; item++) {
    const int64_t b = item / a->kv_heads, g = item % a->kv_heads;
    const int64_t kv_at = b * tk * kv_width + g * d;
    const float *k = a->k + kv_at, *v = a->v + kv_at;
    float *dk = a->dk + kv_at, *dv = a->dv + kv_at;
    for (int64_t j = 0; j < tk; j++) {
      memset(dk + j * kv_width, 0, (size_t)d * sizeof(float));
      memset(dv + j * kv_width, 0, (size_t)d * sizeof(float));
    }
    for (int64_t h = g * a->group; h < (g + 1) * a->group; h++) {
      const int64_t i = b * heads + h, q_at = b * tq * width + h * d;
      const float *probs = a->probs + i * tq * tk, *dout = a->dout + q_at, *q = a->q + q_at;
      float *dq = a->dq + q_at;
      const uint64_t first = (uint64_t)(i * tq * tk);
      const float *weights = probs;
      if (a->dropout) {
        apply_dropout(a, probs, dropped, tq * tk, first);
        weights = dropped;
      }
      for (int64_t r0 = 0; r0 < tq; r0 += block) {
        const int64_t rows = tq - r0 < block ? tq - r0 : block, keys = visible_keys(a, r0 + rows - 1);
        float *ds = dscores + r0 * tk;
        /* dV += dropout(P)^T dO; d dropout(P) = dO V^T, then back through the mask. */
        gemm_beta(1, 0, keys, d, rows, 1.0f, weights + r0 * tk, tk, dout + r0 * width, width, 1.0f, dv, kv_width);
        gemm(0, 1, rows, keys, d, 1.0f, dout + r0 * width, width, v, kv_width, ds, tk);
        for (int64_t r = 0; r < rows; r++) {
          if (a->dropout) apply_dropout(a, ds + r * tk, ds + r * tk, keys, first + (uint64_t)((r0 + r) * tk));
          softmax_grad_row(ds + r * tk, probs + (r0 + r) * tk, keys);
        }
        /* S = scale Q K^T: dQ = scale dS K, dK += scale dS^T Q. */
        gemm(0, 0, rows, d, keys, a->scale, ds, tk, k, kv_width, dq + r0 * width, width);
        gemm_beta(1, 0, keys, d, rows, a->scale, ds, tk, q + r0 * width, width, 1.0f, dk, kv_width);
      }
    }
  }
  free(dscores);
  free(dropped);
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
  if (!ft_args_init(&args, env, info, "attention", 16)) return NULL;
  attn_ctx a = {0};
  int64_t q_len, k_len, v_len, mask_len, probs_len, out_len, batch;
  a.q = ft_arg_f32(&args, 0, "q", &q_len);
  a.k = ft_arg_f32(&args, 1, "k", &k_len);
  a.v = ft_arg_f32(&args, 2, "v", &v_len);
  a.mask = ft_arg_f32_or_null(&args, 3, "mask", &mask_len);
  if (!read_shape(&args, &a, 4, &batch)) return NULL;
  a.probs = ft_arg_f32(&args, 14, "probs", &probs_len);
  a.out = ft_arg_f32(&args, 15, "out", &out_len);
  if (!ft_check_size(&args, "q", batch * a.tq * a.width, q_len) || !ft_check_size(&args, "k", batch * a.tk * a.kv_width, k_len) ||
      !ft_check_size(&args, "v", batch * a.tk * a.kv_width, v_len) ||
      (a.mask && !ft_check_size(&args, "mask", batch * a.tk, mask_len)) ||
      !ft_check_size(&args, "probs", batch * a.heads * a.tq * a.tk, probs_len) ||
      !ft_check_size(&args, "out", batch * a.tq * a.width, out_len))
    return NULL;
  if (batch == 0 || a.tq == 0) return ft_undefined(env);
  if (a.tk == 0) {
    memset(a.out, 0, (size_t)(batch * a.tq * a.width) * sizeof(float));
    return ft_undefined(env);
  }
  ft_parallel_for(batch * a.heads, 1, forward_items, &a);
  if (a.failed) {
    ft_range_error(&args, "out of memory");
    return NULL;
  }
  return ft_undefined(env);
}

napi_value ft_bind_attention_grad(napi_env env, napi_callback_info info) {
  ft_args args;
  if (!ft_args_init(&args, env, info, "attentionGrad", 18)) return NULL;
  attn_ctx a = {0};
  int64_t q_len, k_len, v_len, probs_len, dout_len, dq_len, dk_len, dv_len, batch;
  a.q = ft_arg_f32(&args, 0, "q", &q_len);
  a.k = ft_arg_f32(&args, 1, "k", &k_len);
  a.v = ft_arg_f32(&args, 2, "v", &v_len);
  a.probs = ft_arg_f32(&args, 3, "probs", &probs_len);
  a.dout = ft_arg_f32(&args, 4, "dOut", &dout_len);
  if (!read_shape(&args, &a, 5, &batch)) return NULL;
  a.dq = ft_arg_f32(&args, 15, "dq", &dq_len);
  a.dk = ft_arg_f32(&args, 16, "dk", &dk_len);
  a.dv = ft_arg_f32(&args, 17, "dv", &dv_len);
  const int64_t q_size = batch * a.tq * a.width, kv_size = batch * a.tk * a.kv_width;
  if (!ft_check_size(&args, "q", q_size, q_len) || !ft_check_size(&args, "k", kv_size, k_len) ||
      !ft_check_size(&args, "v", kv_size, v_len) ||
      !ft_check_size(&args, "probs", batch * a.heads * a.tq * a.tk, probs_len) ||
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
