// Batch normalisation over [N, C, S] (S = H * W), threaded over channels (statistics, gradient) or planes (forward);
// sums in float64 as the reference does.
#include <math.h>
#include <stdlib.h>

#include "args.h"
#include "pool.h"
#include "simd.h"
#include "vision.h"

#define ELEMENT_GRAIN 32768

typedef struct {
  const float *x, *dy, *mean, *variance, *weight, *bias;
  float *out, *dx, *dweight, *dbias, *stat_mean, *stat_var;
  const float *scale, *shift;
  int64_t batch, channels, spatial;
  double eps;
  int batch_stats;
} bn_ctx;

FT_MULTIVERSION static void stats_channels(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const bn_ctx *t = p;
  const int64_t s = t->spatial, count = t->batch * s;
  for (int64_t c = begin; c < end; c++) {
    double sum = 0;
    for (int64_t n = 0; n < t->batch; n++) {
      const float *x = t->x + (n * t->channels + c) * s;
      for (int64_t i = 0; i < s; i++) sum += x[i];
    }
    const double mu = sum / (double)count;
    double sq = 0;
    for (int64_t n = 0; n < t->batch; n++) {
      const float *x = t->x + (n * t->channels + c) * s;
      for (int64_t i = 0; i < s; i++) sq += (x[i] - mu) * (x[i] - mu);
    }
    t->stat_mean[c] = (float)mu;
    t->stat_var[c] = (float)(sq / (double)count);
  }
}

/* Planes (n, c): out = x * scale[c] + shift[c]. */
FT_MULTIVERSION static void normalize_planes(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const bn_ctx *t = p;
  const int64_t s = t->spatial;
  for (int64_t q = begin; q < end; q++) {
    const int64_t c = q % t->channels;
    const float a = t->scale[c], b = t->shift[c];
    const float *x = t->x + q * s;
    float *out = t->out + q * s;
    for (int64_t i = 0; i < s; i++) out[i] = x[i] * a + b;
  }
}

FT_MULTIVERSION static void grad_channels(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const bn_ctx *t = p;
  const int64_t s = t->spatial, count = t->batch * s;
  for (int64_t c = begin; c < end; c++) {
    const float mu = t->mean[c];
    const float rstd = (float)(1.0 / sqrt((double)t->variance[c] + t->eps));
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < t->batch; n++) {
      const float *x = t->x + (n * t->channels + c) * s, *dy = t->dy + (n * t->channels + c) * s;
      float lane_dy = 0, lane_dyx = 0;
      for (int64_t i = 0; i < s; i++) {
        lane_dy += dy[i];
        lane_dyx += dy[i] * (x[i] - mu);
      }
      sum_dy += lane_dy;
      sum_dy_xhat += lane_dyx;
    }
    sum_dy_xhat *= rstd;
    t->dweight[c] = (float)sum_dy_xhat;
    t->dbias[c] = (float)sum_dy;
    const float scale = (t->weight ? t->weight[c] : 1.0f) * rstd;
    const float mean_dy = t->batch_stats ? (float)(sum_dy / (double)count) : 0.0f;
    const float mean_dy_xhat = t->batch_stats ? (float)(sum_dy_xhat / (double)count) : 0.0f;
    for (int64_t n = 0; n < t->batch; n++) {
      const float *x = t->x + (n * t->channels + c) * s, *dy = t->dy + (n * t->channels + c) * s;
      float *dx = t->dx + (n * t->channels + c) * s;
      for (int64_t i = 0; i < s; i++) dx[i] = scale * (dy[i] - mean_dy - (x[i] - mu) * rstd * mean_dy_xhat);
    }
  }
}

static int64_t channel_grain(const bn_ctx *t) { return ELEMENT_GRAIN / (t->batch * t->spatial + 1) + 1; }

static int read_sizes(ft_args *a, size_t first, bn_ctx *t) {
  t->batch = ft_arg_int(a, first, "batch", 0);
  t->channels = ft_arg_int(a, first + 1, "channels", 0);
  t->spatial = ft_arg_int(a, first + 2, "spatial", 0);
  return !a->failed;
}

static int check_channels(ft_args *a, const char *name, const float *array, int64_t length, int64_t channels) {
  return !array || ft_check_size(a, name, channels, length);
}

napi_value ft_bind_batch_norm_stats(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "batchNormStats", 6)) return NULL;
  bn_ctx t = {0};
  int64_t x_len, m_len, v_len;
  t.x = ft_arg_f32(&a, 0, "x", &x_len);
  if (!read_sizes(&a, 1, &t)) return NULL;
  t.stat_mean = ft_arg_f32(&a, 4, "mean", &m_len);
  t.stat_var = ft_arg_f32(&a, 5, "variance", &v_len);
  if (a.failed || !ft_check_size(&a, "x", t.batch * t.channels * t.spatial, x_len) ||
      !ft_check_size(&a, "mean", t.channels, m_len) || !ft_check_size(&a, "variance", t.channels, v_len))
    return NULL;
  if (t.batch * t.spatial == 0) {
    ft_range_error(&a, "no values per channel (batch %lld, spatial %lld)", (long long)t.batch, (long long)t.spatial);
    return NULL;
  }
  ft_parallel_for(t.channels, channel_grain(&t), stats_channels, &t);
  return ft_undefined(env);
}

napi_value ft_bind_batch_norm(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "batchNorm", 10)) return NULL;
  bn_ctx t = {0};
  int64_t x_len, m_len, v_len, w_len, b_len, out_len;
  t.x = ft_arg_f32(&a, 0, "x", &x_len);
  t.mean = ft_arg_f32(&a, 1, "mean", &m_len);
  t.variance = ft_arg_f32(&a, 2, "variance", &v_len);
  t.weight = ft_arg_f32_or_null(&a, 3, "weight", &w_len);
  t.bias = ft_arg_f32_or_null(&a, 4, "bias", &b_len);
  if (!read_sizes(&a, 5, &t)) return NULL;
  double eps = ft_arg_number(&a, 8, "eps");
  t.out = ft_arg_f32(&a, 9, "out", &out_len);
  const int64_t n = t.batch * t.channels * t.spatial;
  if (a.failed || !ft_check_size(&a, "x", n, x_len) || !ft_check_size(&a, "out", n, out_len) ||
      !ft_check_size(&a, "mean", t.channels, m_len) || !ft_check_size(&a, "variance", t.channels, v_len) ||
      !check_channels(&a, "weight", t.weight, w_len, t.channels) || !check_channels(&a, "bias", t.bias, b_len, t.channels))
    return NULL;
  float *coefficients = malloc((size_t)(2 * t.channels + 1) * sizeof(float));
  if (!coefficients) {
    ft_range_error(&a, "out of memory");
    return NULL;
  }
  for (int64_t c = 0; c < t.channels; c++) {
    float rstd = (float)(1.0 / sqrt((double)t.variance[c] + eps));
    float scale = (t.weight ? t.weight[c] : 1.0f) * rstd;
    coefficients[c] = scale;
    coefficients[t.channels + c] = (t.bias ? t.bias[c] : 0.0f) - t.mean[c] * scale;
  }
  t.scale = coefficients;
  t.shift = coefficients + t.channels;
  ft_parallel_for(t.batch * t.channels, ELEMENT_GRAIN / (t.spatial + 1) + 1, normalize_planes, &t);
  free(coefficients);
  return ft_undefined(env);
}

napi_value ft_bind_batch_norm_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "batchNormGrad", 13)) return NULL;
  bn_ctx t = {0};
  int64_t x_len, dy_len, m_len, v_len, w_len, dx_len, dw_len, db_len;
  t.x = ft_arg_f32(&a, 0, "x", &x_len);
  t.dy = ft_arg_f32(&a, 1, "dy", &dy_len);
  t.mean = ft_arg_f32(&a, 2, "mean", &m_len);
  t.variance = ft_arg_f32(&a, 3, "variance", &v_len);
  t.weight = ft_arg_f32_or_null(&a, 4, "weight", &w_len);
  if (!read_sizes(&a, 5, &t)) return NULL;
  t.eps = ft_arg_number(&a, 8, "eps");
  t.batch_stats = ft_arg_bool(&a, 9, "batchStats");
  t.dx = ft_arg_f32(&a, 10, "dx", &dx_len);
  t.dweight = ft_arg_f32(&a, 11, "dweight", &dw_len);
  t.dbias = ft_arg_f32(&a, 12, "dbias", &db_len);
  const int64_t n = t.batch * t.channels * t.spatial;
  if (a.failed || !ft_check_size(&a, "x", n, x_len) || !ft_check_size(&a, "dy", n, dy_len) || !ft_check_size(&a, "dx", n, dx_len) ||
      !ft_check_size(&a, "mean", t.channels, m_len) || !ft_check_size(&a, "variance", t.channels, v_len) ||
      !check_channels(&a, "weight", t.weight, w_len, t.channels) || !ft_check_size(&a, "dweight", t.channels, dw_len) ||
      !ft_check_size(&a, "dbias", t.channels, db_len))
    return NULL;
  ft_parallel_for(t.channels, channel_grain(&t), grad_channels, &t);
  return ft_undefined(env);
}
