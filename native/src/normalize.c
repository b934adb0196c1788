// Row-wise normalisations, threaded over rows: masked softmax / log-softmax and its gradient, layer norm forward and
// backward (dgamma / dbeta from per-thread float64 partials).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"
#include "simd.h"
#include "vecmath.h"

#define ELEMENT_GRAIN 16384
#define LANES 8

static int64_t row_grain(int64_t cols) { return ELEMENT_GRAIN / (cols > 0 ? cols : 1) + 1; }

typedef struct {
  const float *x, *mask, *y, *dy;
  float *out;
  int64_t cols, group;
  int log;
} softmax_ctx;

FT_MULTIVERSION static void softmax_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const softmax_ctx *s = p;
  const int64_t cols = s->cols;
  for (int64_t r = begin; r < end; r++) {
    const float *x = s->x + r * cols;
    float *out = s->out + r * cols;
    /* out first holds the masked logits (out may be x). */
    if (s->mask) {
      const float *mask = s->mask + (r / s->group) * cols;
      for (int64_t c = 0; c < cols; c++) out[c] = x[c] + mask[c];
    } else if (out != x) {
      memcpy(out, x, (size_t)cols * sizeof(float));
    }
    const float max = ft_max_f32(out, cols);
    if (max == -__builtin_inff()) {
      memset(out, 0, (size_t)cols * sizeof(float));
      continue;
    }
    float lanes[LANES] = {0};
    int64_t c = 0;
    if (s->log) {
      for (; c + LANES <= cols; c += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] += ft_expf(out[c + l] - max);
      float sum = 0;
      for (; c < cols; c++) sum += ft_expf(out[c] - max);
      for (int l = 0; l < LANES; l++) sum += lanes[l];
      float shift = max + logf(sum);
      for (c = 0; c < cols; c++) out[c] -= shift;
    } else {
      for (c = 0; c < cols; c++) out[c] = ft_expf(out[c] - max);
      c = 0;
      for (; c + LANES <= cols; c += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] += out[c + l];
      float sum = 0;
      for (; c < cols; c++) sum += out[c];
      for (int l = 0; l < LANES; l++) sum += lanes[l];
      float inv = 1.0f / sum;
      for (c = 0; c < cols; c++) out[c] *= inv;
    }
  }
}

FT_MULTIVERSION static void softmax_grad_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const softmax_ctx *s = p;
  const int64_t cols = s->cols;
  for (int64_t r = begin; r < end; r++) {
    const float *y = s->y + r * cols, *dy = s->dy + r * cols;
    float *dx = s->out + r * cols;
    float lanes[LANES] = {0};
    int64_t c = 0;
    if (s->log) {
      for (; c + LANES <= cols; c += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] += dy[c + l];
    } else {
      for (; c + LANES <= cols; c += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] += dy[c + l] * y[c + l];
    }
    float sum = 0;
    for (; c < cols; c++) sum += s->log ? dy[c] : dy[c] * y[c];
    for (int l = 0; l < LANES; l++) sum += lanes[l];
    if (s->log) for (c = 0; c < cols; c++) dx[c] = dy[c] - ft_expf(y[c]) * sum;
    else for (c = 0; c < cols; c++) dx[c] = y[c] * (dy[c] - sum);
  }
}

napi_value ft_bind_softmax(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "softmax", 7)) return NULL;
  softmax_ctx s = {0};
  int64_t x_len, mask_len, out_len;
  s.x = ft_arg_f32(&a, 0, "x", &x_len);
  int64_t rows = ft_arg_int(&a, 1, "rows", 0);
  s.cols = ft_arg_int(&a, 2, "cols", 0);
  s.mask = ft_arg_f32_or_null(&a, 3, "mask", &mask_len);
  s.group = ft_arg_int(&a, 4, "group", 1);
  s.log = ft_arg_bool(&a, 5, "log");
  s.out = ft_arg_f32(&a, 6, "out", &out_len);
  if (!ft_check_size(&a, "x", rows * s.cols, x_len) || !ft_check_size(&a, "out", rows * s.cols, out_len) ||
      (s.mask && !ft_check_size(&a, "mask", ((rows + s.group - 1) / s.group) * s.cols, mask_len)))
    return NULL;
  ft_parallel_for(rows, row_grain(s.cols), softmax_rows, &s);
  return ft_undefined(env);
}

napi_value ft_bind_softmax_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "softmaxGrad", 6)) return NULL;
  softmax_ctx s = {0};
  int64_t y_len, dy_len, dx_len;
  s.y = ft_arg_f32(&a, 0, "y", &y_len);
  s.dy = ft_arg_f32(&a, 1, "dy", &dy_len);
  int64_t rows = ft_arg_int(&a, 2, "rows", 0);
  s.cols = ft_arg_int(&a, 3, "cols", 0);
  s.log = ft_arg_bool(&a, 4, "log");
  s.out = ft_arg_f32(&a, 5, "dx", &dx_len);
  int64_t n = rows * s.cols;
  if (!ft_check_size(&a, "y", n, y_len) || !ft_check_size(&a, "dy", n, dy_len) || !ft_check_size(&a, "dx", n, dx_len))
    return NULL;
  ft_parallel_for(rows, row_grain(s.cols), softmax_grad_rows, &s);
  return ft_undefined(env);
}

typedef struct {
  const float *x, *gamma, *beta, *dy;
  float *out, *mean, *rstd;
  float *dx;
  int64_t cols;
  float eps;
  double *partials; /* [parts][2][cols]: dgamma then dbeta */
} norm_ctx;

/*
 * Lanes of the layer norm's float64 sums: four vectors' worth, so the adds of a row form four independent chains
 * (one chain was bound by the add latency: 14 us for 128 rows of 256), then summed pairwise.
 */
#define NORM_LANES 32

static inline double sum_lanes(const double *lanes) {
  double s[8];
  for (int l = 0; l < 8; l++) s[l] = (lanes[l] + lanes[l + 8]) + (lanes[l + 16] + lanes[l + 24]);
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

FT_MULTIVERSION static void layer_norm_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const norm_ctx *n = p;
  const int64_t cols = n->cols;
  for (int64_t r = begin; r < end; r++) {
    const float *x = n->x + r * cols;
    float *out = n->out + r * cols;
    double lanes[NORM_LANES] = {0};
    int64_t c = 0;
    for (; c + NORM_LANES <= cols; c += NORM_LANES)
      for (int l = 0; l < NORM_LANES; l++) lanes[l] += x[c + l];
    double sum = 0;
    for (; c < cols; c++) sum += x[c];
    sum += sum_lanes(lanes);
    const double mu = sum / (double)cols;
    const float muf = (float)mu;
    double sq[NORM_LANES] = {0};
    for (c = 0; c + NORM_LANES <= cols; c += NORM_LANES)
      for (int l = 0; l < NORM_LANES; l++) {
        double d = x[c + l] - mu;
        sq[l] += d * d;
      }
    double squares = 0;
    for (; c < cols; c++) squares += (x[c] - mu) * (x[c] - mu);
    squares += sum_lanes(sq);
    const float rs = (float)(1.0 / sqrt(squares / (double)cols + n->eps));
    for (c = 0; c < cols; c++) out[c] = (x[c] - muf) * rs * n->gamma[c] + n->beta[c];
    n->mean[r] = muf;
    n->rstd[r] = rs;
  }
}

FT_MULTIVERSION static void layer_norm_grad_rows(void *p, int64_t begin, int64_t end, int part) {
  const norm_ctx *n = p;
  const int64_t cols = n->cols;
  double *dgamma = n->partials + (int64_t)part * 2 * cols, *dbeta = dgamma + cols;
  for (int64_t r = begin; r < end; r++) {
    const float *x = n->x + r * cols, *dy = n->dy + r * cols;
    float *dx = n->dx + r * cols;
    const float mu = n->mean[r], rs = n->rstd[r];
    float g_lanes[LANES] = {0}, gx_lanes[LANES] = {0};
    int64_t c = 0;
    for (; c + LANES <= cols; c += LANES)
      for (int l = 0; l < LANES; l++) {
        float xhat = (x[c + l] - mu) * rs, g = dy[c + l] * n->gamma[c + l];
        g_lanes[l] += g;
        gx_lanes[l] += g * xhat;
      }
    float g_sum = 0, gx_sum = 0;
    for (; c < cols; c++) {
      float xhat = (x[c] - mu) * rs, g = dy[c] * n->gamma[c];
      g_sum += g;
      gx_sum += g * xhat;
    }
    for (int l = 0; l < LANES; l++) {
      g_sum += g_lanes[l];
      gx_sum += gx_lanes[l];
    }
    const float g_mean = g_sum / (float)cols, gx_mean = gx_sum / (float)cols;
    for (c = 0; c < cols; c++) {
      float xhat = (x[c] - mu) * rs;
      dgamma[c] += (double)(dy[c] * xhat);
      dbeta[c] += dy[c];
      dx[c] = rs * (dy[c] * n->gamma[c] - g_mean - xhat * gx_mean);
    }
  }
}

napi_value ft_bind_layer_norm(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "layerNorm", 9)) return NULL;
  norm_ctx n = {0};
  int64_t x_len, g_len, b_len, out_len, mean_len, rstd_len;
  n.x = ft_arg_f32(&a, 0, "x", &x_len);
  n.gamma = ft_arg_f32(&a, 1, "gamma", &g_len);
  n.beta = ft_arg_f32(&a, 2, "beta", &b_len);
  int64_t rows = ft_arg_int(&a, 3, "rows", 0);
  n.cols = ft_arg_int(&a, 4, "cols", 0);
  n.eps = (float)ft_arg_number(&a, 5, "eps");
  n.out = ft_arg_f32(&a, 6, "out", &out_len);
  n.mean = ft_arg_f32(&a, 7, "mean", &mean_len);
  n.rstd = ft_arg_f32(&a, 8, "rstd", &rstd_len);
  int64_t size = rows * n.cols;
  if (!ft_check_size(&a, "x", size, x_len) || !ft_check_size(&a, "gamma", n.cols, g_len) ||
      !ft_check_size(&a, "beta", n.cols, b_len) || !ft_check_size(&a, "out", size, out_len) ||
      !ft_check_size(&a, "mean", rows, mean_len) || !ft_check_size(&a, "rstd", rows, rstd_len))
    return NULL;
  if (n.cols == 0) return ft_undefined(env);
  /* Half the other rows' grain: 64 rows of 256 (4-5 us) are already worth a second thread here. */
  ft_parallel_for(rows, row_grain(n.cols) / 2 + 1, layer_norm_rows, &n);
  return ft_undefined(env);
}

napi_value ft_bind_layer_norm_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "layerNormGrad", 10)) return NULL;
  norm_ctx n = {0};
  int64_t x_len, g_len, mean_len, rstd_len, dy_len, dx_len, dg_len, db_len;
  n.x = ft_arg_f32(&a, 0, "x", &x_len);
  n.gamma = ft_arg_f32(&a, 1, "gamma", &g_len);
  n.mean = ft_arg_f32(&a, 2, "mean", &mean_len);
  n.rstd = ft_arg_f32(&a, 3, "rstd", &rstd_len);
  n.dy = ft_arg_f32(&a, 4, "dy", &dy_len);
  int64_t rows = ft_arg_int(&a, 5, "rows", 0);
  n.cols = ft_arg_int(&a, 6, "cols", 0);
  n.dx = ft_arg_f32(&a, 7, "dx", &dx_len);
  float *dgamma = ft_arg_f32(&a, 8, "dgamma", &dg_len);
  float *dbeta = ft_arg_f32(&a, 9, "dbeta", &db_len);
  int64_t size = rows * n.cols;
  if (!ft_check_size(&a, "x", size, x_len) || !ft_check_size(&a, "gamma", n.cols, g_len) ||
      !ft_check_size(&a, "mean", rows, mean_len) || !ft_check_size(&a, "rstd", rows, rstd_len) ||
      !ft_check_size(&a, "dy", size, dy_len) || !ft_check_size(&a, "dx", size, dx_len) ||
      !ft_check_size(&a, "dgamma", n.cols, dg_len) || !ft_check_size(&a, "dbeta", n.cols, db_len))
    return NULL;
  int parts = ft_parts(rows, row_grain(n.cols));
  n.partials = calloc((size_t)(parts * 2 * n.cols + 1), sizeof(double));
  if (!n.partials) {
    ft_range_error(&a, "out of memory");
    return NULL;
  }
  ft_parallel_for(rows, row_grain(n.cols), layer_norm_grad_rows, &n);
  for (int64_t c = 0; c < n.cols; c++) {
    double g = 0, b = 0;
    for (int t = 0; t < parts; t++) {
      g += n.partials[(int64_t)t * 2 * n.cols + c];
      b += n.partials[(int64_t)t * 2 * n.cols + n.cols + c];
    }
    dgamma[c] = (float)g;
    dbeta[c] = (float)b;
  }
  free(n.partials);
  return ft_undefined(env);
}
