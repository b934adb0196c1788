// Cross-entropy (class weights, ignore index, label smoothing) forward and backward, and embedding lookup /
// scatter-add; all threaded over rows (the scatter-add over columns, so repeated ids never race).
#include <math.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"
#include "vecmath.h"

#define ELEMENT_GRAIN 16384

typedef struct {
  const float *logits, *weights, *probs;
  const int32_t *targets;
  int64_t cols;
  int32_t ignore;
  float smoothing, scale, weight_sum;
  float *out_probs, *row_loss, *row_weight, *dlogits;
} ce_ctx;

static void cross_entropy_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const ce_ctx *e = p;
  const int64_t cols = e->cols;
  for (int64_t r = begin; r < end; r++) {
    const float *x = e->logits + r * cols;
    float *probs = e->out_probs + r * cols;
    const float max = ft_max_f32(x, cols);
    float sum = 0;
    for (int64_t c = 0; c < cols; c++) {
      probs[c] = ft_expf(x[c] - max);
      sum += probs[c];
    }
    const float inv = 1.0f / sum;
    for (int64_t c = 0; c < cols; c++) probs[c] *= inv;
    const int32_t t = e->targets[r];
    if (t == e->ignore) {
      e->row_loss[r] = 0;
      e->row_weight[r] = 0;
      continue;
    }
    const double log_sum_exp = (double)max + log((double)sum);
    const float wt = e->weights ? e->weights[t] : 1.0f;
    double loss = (1.0 - e->smoothing) * wt * (log_sum_exp - x[t]);
    if (e->smoothing != 0.0f) {
      double smooth = 0;
      for (int64_t c = 0; c < cols; c++) smooth += (e->weights ? e->weights[c] : 1.0f) * (log_sum_exp - x[c]);
      loss += (double)e->smoothing / (double)cols * smooth;
    }
    e->row_loss[r] = (float)loss;
    e->row_weight[r] = wt;
  }
}

static void cross_entropy_grad_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const ce_ctx *e = p;
  const int64_t cols = e->cols;
  const float per_class = e->smoothing / (float)cols;
  for (int64_t r = begin; r < end; r++) {
    const float *probs = e->probs + r * cols;
    float *d = e->dlogits + r * cols;
    const int32_t t = e->targets[r];
    if (t == e->ignore || t < 0 || t >= cols) {
      memset(d, 0, (size_t)cols * sizeof(float));
      continue;
    }
    const float hard = (1.0f - e->smoothing) * (e->weights ? e->weights[t] : 1.0f);
    for (int64_t c = 0; c < cols; c++) {
      float w = e->weights ? e->weights[c] : 1.0f;
      d[c] = e->scale * (hard * probs[c] + per_class * (e->weight_sum * probs[c] - w));
    }
    d[t] -= e->scale * hard;
  }
}

static int read_ce_common(ft_args *a, ce_ctx *e, int64_t rows, int64_t targets_len, int64_t weights_len) {
  if (!ft_check_size(a, "targets", rows, targets_len)) return 0;
  if (e->weights && !ft_check_size(a, "classWeights", e->cols, weights_len)) return 0;
  return 1;
}

napi_value ft_bind_cross_entropy(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "crossEntropy", 10)) return NULL;
  ce_ctx e = {0};
  int64_t logits_len, targets_len, weights_len, probs_len, loss_len, weight_len;
  e.logits = ft_arg_f32(&a, 0, "logits", &logits_len);
  e.targets = ft_arg_i32(&a, 1, "targets", &targets_len);
  int64_t rows = ft_arg_int(&a, 2, "rows", 0);
  e.cols = ft_arg_int(&a, 3, "cols", 0);
  e.weights = ft_arg_f32_or_null(&a, 4, "classWeights", &weights_len);
  double ignore = ft_arg_number(&a, 5, "ignoreIndex");
  e.smoothing = (float)ft_arg_number(&a, 6, "smoothing");
  e.out_probs = ft_arg_f32(&a, 7, "probs", &probs_len);
  e.row_loss = ft_arg_f32(&a, 8, "rowLoss", &loss_len);
  e.row_weight = ft_arg_f32(&a, 9, "rowWeight", &weight_len);
  if (!read_ce_common(&a, &e, rows, targets_len, weights_len) ||
      !ft_check_size(&a, "logits", rows * e.cols, logits_len) || !ft_check_size(&a, "probs", rows * e.cols, probs_len) ||
      !ft_check_size(&a, "rowLoss", rows, loss_len) || !ft_check_size(&a, "rowWeight", rows, weight_len))
    return NULL;
  /* An ignore index that is not an int32 can never match a target. */
  e.ignore = ignore == (double)(int32_t)ignore ? (int32_t)ignore : INT32_MIN;
  int ignore_matches = ignore == (double)(int32_t)ignore;
  for (int64_t r = 0; r < rows; r++) {
    int32_t t = e.targets[r];
    if ((t < 0 || t >= e.cols) && !(ignore_matches && t == e.ignore)) return ft_number(env, (double)r);
  }
  ft_parallel_for(rows, ELEMENT_GRAIN / (e.cols + 1) + 1, cross_entropy_rows, &e);
  return ft_number(env, -1);
}

napi_value ft_bind_cross_entropy_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "crossEntropyGrad", 9)) return NULL;
  ce_ctx e = {0};
  int64_t probs_len, targets_len, weights_len, d_len;
  e.probs = ft_arg_f32(&a, 0, "probs", &probs_len);
  e.targets = ft_arg_i32(&a, 1, "targets", &targets_len);
  int64_t rows = ft_arg_int(&a, 2, "rows", 0);
  e.cols = ft_arg_int(&a, 3, "cols", 0);
  e.weights = ft_arg_f32_or_null(&a, 4, "classWeights", &weights_len);
  double ignore = ft_arg_number(&a, 5, "ignoreIndex");
  e.smoothing = (float)ft_arg_number(&a, 6, "smoothing");
  e.scale = (float)ft_arg_number(&a, 7, "scale");
  e.dlogits = ft_arg_f32(&a, 8, "dlogits", &d_len);
  if (!read_ce_common(&a, &e, rows, targets_len, weights_len) ||
      !ft_check_size(&a, "probs", rows * e.cols, probs_len) || !ft_check_size(&a, "dlogits", rows * e.cols, d_len))
    return NULL;
  e.ignore = ignore == (double)(int32_t)ignore ? (int32_t)ignore : -1;
  double weight_sum = (double)e.cols;
  if (e.weights) {
    weight_sum = 0;
    for (int64_t c = 0; c < e.cols; c++) weight_sum += e.weights[c];
  }
  e.weight_sum = (float)weight_sum;
  ft_parallel_for(rows, ELEMENT_GRAIN / (e.cols + 1) + 1, cross_entropy_grad_rows, &e);
  return ft_undefined(env);
}

typedef struct {
  const float *table, *dy;
  float *out;
  const int32_t *ids;
  int64_t dim, count, vocab;
} embedding_ctx;

static void embedding_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const embedding_ctx *e = p;
  for (int64_t n = begin; n < end; n++)
    memcpy(e->out + n * e->dim, e->table + (int64_t)e->ids[n] * e->dim, (size_t)e->dim * sizeof(float));
}

/* Columns [begin, end) of every occurring row: each thread owns a column range, so repeated ids never race. */
static void embedding_grad_columns(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const embedding_ctx *e = p;
  float *table = (float *)e->table;
  for (int64_t n = 0; n < e->count; n++) {
    int32_t id = e->ids[n];
    if (id < 0 || id >= e->vocab) continue;
    float *row = table + (int64_t)id * e->dim;
    const float *g = e->dy + n * e->dim;
    for (int64_t d = begin; d < end; d++) row[d] += g[d];
  }
}

napi_value ft_bind_embedding(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "embedding", 5)) return NULL;
  embedding_ctx e = {0};
  int64_t table_len, out_len;
  e.table = ft_arg_f32(&a, 0, "table", &table_len);
  e.vocab = ft_arg_int(&a, 1, "vocab", 0);
  e.dim = ft_arg_int(&a, 2, "dim", 0);
  e.ids = ft_arg_i32(&a, 3, "ids", &e.count);
  e.out = ft_arg_f32(&a, 4, "out", &out_len);
  if (!ft_check_size(&a, "table", e.vocab * e.dim, table_len) || !ft_check_size(&a, "out", e.count * e.dim, out_len))
    return NULL;
  int64_t valid = 0;
  while (valid < e.count && e.ids[valid] >= 0 && e.ids[valid] < e.vocab) valid++;
  ft_parallel_for(valid, ELEMENT_GRAIN / (e.dim + 1) + 1, embedding_rows, &e);
  return ft_number(env, valid < e.count ? (double)valid : -1);
}

napi_value ft_bind_embedding_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "embeddingGrad", 4)) return NULL;
  embedding_ctx e = {0};
  int64_t dy_len, table_len;
  e.ids = ft_arg_i32(&a, 0, "ids", &e.count);
  e.dy = ft_arg_f32(&a, 1, "dy", &dy_len);
  e.dim = ft_arg_int(&a, 2, "dim", 1);
  e.table = ft_arg_f32(&a, 3, "dTable", &table_len);
  if (!ft_check_size(&a, "dy", e.count * e.dim, dy_len)) return NULL;
  e.vocab = table_len / e.dim;
  /* Grain in columns: enough ids x columns per thread to be worth it. */
  ft_parallel_for(e.dim, ELEMENT_GRAIN / (e.count + 1) + 1, embedding_grad_columns, &e);
  return ft_undefined(env);
}
