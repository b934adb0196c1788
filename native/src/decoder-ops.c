// Kernels of decoder-only language models, threaded over rows or flat ranges: RMS norm forward and backward (dweight
// from per-thread float64 partials), rotary position embedding (its own inverse is the backward) and SwiGLU.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"
#include "simd.h"
#include "vecmath.h"

#define ELEMENT_GRAIN 32768
#define ROW_ELEMENTS 16384
#define LANES 8

static int64_t row_grain(int64_t cols) { return ROW_ELEMENTS / (cols > 0 ? cols : 1) + 1; }

typedef struct {
  const float *x, *weight, *dy;
  float *out, *rstd, *dx;
  int64_t cols;
  double eps;
  double *partials; /* [parts][cols]: dweight */
} rms_ctx;

FT_MULTIVERSION static void rms_norm_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const rms_ctx *n = p;
  const int64_t cols = n->cols;
  for (int64_t r = begin; r < end; r++) {
    const float *x = n->x + r * cols;
    float *out = n->out + r * cols;
    double lanes[LANES] = {0}, squares = 0;
    int64_t c = 0;
    for (; c + LANES <= cols; c += LANES)
      for (int l = 0; l < LANES; l++) lanes[l] += (double)x[c + l] * x[c + l];
    for (; c < cols; c++) squares += (double)x[c] * x[c];
    for (int l = 0; l < LANES; l++) squares += lanes[l];
    const float rs = (float)(1.0 / sqrt(squares / (double)cols + n->eps));
    for (c = 0; c < cols; c++) out[c] = (x[c] * rs) * n->weight[c];
    n->rstd[r] = rs;
  }
}

FT_MULTIVERSION static void rms_norm_grad_rows(void *p, int64_t begin, int64_t end, int part) {
  const rms_ctx *n = p;
  const int64_t cols = n->cols;
  double *dweight = n->partials + (int64_t)part * cols;
  for (int64_t r = begin; r < end; r++) {
    const float *x = n->x + r * cols, *dy = n->dy + r * cols;
    float *dx = n->dx + r * cols;
    const float rs = n->rstd[r];
    float lanes[LANES] = {0}, dot = 0;
    int64_t c = 0;
    for (; c + LANES <= cols; c += LANES)
      for (int l = 0; l < LANES; l++) lanes[l] += dy[c + l] * n->weight[c + l] * x[c + l];
    for (; c < cols; c++) dot += dy[c] * n->weight[c] * x[c];
    for (int l = 0; l < LANES; l++) dot += lanes[l];
    const float k = rs * rs * rs * dot / (float)cols;
    for (c = 0; c < cols; c++) {
      dweight[c] += (double)(dy[c] * x[c] * rs);
      dx[c] = rs * dy[c] * n->weight[c] - x[c] * k;
    }
  }
}

napi_value ft_bind_rms_norm(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "rmsNorm", 7)) return NULL;
  rms_ctx n = {0};
  int64_t x_len, w_len, out_len, rstd_len;
  n.x = ft_arg_f32(&a, 0, "x", &x_len);
  n.weight = ft_arg_f32(&a, 1, "weight", &w_len);
  int64_t rows = ft_arg_int(&a, 2, "rows", 0);
  n.cols = ft_arg_int(&a, 3, "cols", 0);
  n.eps = ft_arg_number(&a, 4, "eps");
  n.out = ft_arg_f32(&a, 5, "out", &out_len);
  n.rstd = ft_arg_f32(&a, 6, "rstd", &rstd_len);
  const int64_t size = rows * n.cols;
  if (!ft_check_size(&a, "x", size, x_len) || !ft_check_size(&a, "weight", n.cols, w_len) ||
      !ft_check_size(&a, "out", size, out_len) || !ft_check_size(&a, "rstd", rows, rstd_len))
    return NULL;
  if (n.cols == 0) return ft_undefined(env);
  ft_parallel_for(rows, row_grain(n.cols), rms_norm_rows, &n);
  return ft_undefined(env);
}

napi_value ft_bind_rms_norm_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "rmsNormGrad", 8)) return NULL;
  rms_ctx n = {0};
  int64_t x_len, w_len, rstd_len, dy_len, dx_len, dw_len;
  n.x = ft_arg_f32(&a, 0, "x", &x_len);
  n.weight = ft_arg_f32(&a, 1, "weight", &w_len);
  n.rstd = ft_arg_f32(&a, 2, "rstd", &rstd_len);
  n.dy = ft_arg_f32(&a, 3, "dy", &dy_len);
  int64_t rows = ft_arg_int(&a, 4, "rows", 0);
  n.cols = ft_arg_int(&a, 5, "cols", 0);
  n.dx = ft_arg_f32(&a, 6, "dx", &dx_len);
  float *dweight = ft_arg_f32(&a, 7, "dweight", &dw_len);
  const int64_t size = rows * n.cols;
  if (!ft_check_size(&a, "x", size, x_len) || !ft_check_size(&a, "weight", n.cols, w_len) ||
      !ft_check_size(&a, "rstd", rows, rstd_len) || !ft_check_size(&a, "dy", size, dy_len) ||
      !ft_check_size(&a, "dx", size, dx_len) || !ft_check_size(&a, "dweight", n.cols, dw_len))
    return NULL;
  const int parts = ft_parts(rows, row_grain(n.cols));
  n.partials = calloc((size_t)(parts * n.cols + 1), sizeof(double));
  if (!n.partials) {
    ft_range_error(&a, "out of memory");
    return NULL;
  }
  ft_parallel_for(rows, row_grain(n.cols), rms_norm_grad_rows, &n);
  for (int64_t c = 0; c < n.cols; c++) {
    double sum = 0;
    for (int t = 0; t < parts; t++) sum += n.partials[(int64_t)t * n.cols + c];
    dweight[c] = (float)sum;
  }
  free(n.partials);
  return ft_undefined(env);
}

typedef struct {
  const float *x, *cos, *sin;
  const int32_t *positions;
  float *out;
  int64_t tokens, heads, half, dim; /* half = rotaryDim / 2; dim = headDim */
  int shared;
  float sign;
} rotary_ctx;

FT_MULTIVERSION static void rotary_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const rotary_ctx *r = p;
  const int64_t half = r->half, dim = r->dim;
  for (int64_t row = begin; row < end; row++) {
    const int64_t table = (int64_t)r->positions[r->shared ? row % r->tokens : row] * half;
    const float *cs = r->cos + table, *sn = r->sin + table;
    for (int64_t h = 0; h < r->heads; h++) {
      const int64_t at = (row * r->heads + h) * dim;
      const float *x = r->x + at;
      float *out = r->out + at;
      for (int64_t i = 0; i < half; i++) {
        const float c = cs[i], s = r->sign * sn[i], a = x[i], b = x[half + i];
        out[i] = a * c - b * s;
        out[half + i] = b * c + a * s;
      }
      if (out != x) memcpy(out + 2 * half, x + 2 * half, (size_t)(dim - 2 * half) * sizeof(float));
    }
  }
}

napi_value ft_bind_rotary(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "rotary", 13)) return NULL;
  rotary_ctx r = {0};
  int64_t x_len, cos_len, sin_len, pos_len, out_len;
  r.x = ft_arg_f32(&a, 0, "x", &x_len);
  r.cos = ft_arg_f32(&a, 1, "cos", &cos_len);
  r.sin = ft_arg_f32(&a, 2, "sin", &sin_len);
  const int64_t table_positions = ft_arg_int(&a, 3, "tablePositions", 0);
  const int64_t rotary_dim = ft_arg_int(&a, 4, "rotaryDim", 0);
  r.positions = ft_arg_i32(&a, 5, "positions", &pos_len);
  r.shared = ft_arg_bool(&a, 6, "sharedPositions");
  const int64_t batch = ft_arg_int(&a, 7, "batch", 0);
  r.tokens = ft_arg_int(&a, 8, "tokens", 0);
  r.heads = ft_arg_int(&a, 9, "heads", 0);
  r.dim = ft_arg_int(&a, 10, "headDim", 0);
  r.sign = ft_arg_bool(&a, 11, "inverse") ? -1.0f : 1.0f;
  r.out = ft_arg_f32(&a, 12, "out", &out_len);
  if (a.failed) return NULL;
  if (rotary_dim % 2 != 0 || rotary_dim > r.dim) {
    ft_range_error(&a, "rotaryDim %lld must be even and at most headDim %lld", (long long)rotary_dim, (long long)r.dim);
    return NULL;
  }
  r.half = rotary_dim / 2;
  const int64_t rows = batch * r.tokens, size = rows * r.heads * r.dim, count = r.shared ? r.tokens : rows;
  if (!ft_check_size(&a, "x", size, x_len) || !ft_check_size(&a, "out", size, out_len) ||
      !ft_check_size(&a, "cos", table_positions * r.half, cos_len) ||
      !ft_check_size(&a, "sin", table_positions * r.half, sin_len) || !ft_check_size(&a, "positions", count, pos_len))
    return NULL;
  for (int64_t i = 0; i < count; i++)
    if (r.positions[i] < 0 || r.positions[i] >= table_positions) return ft_number(env, (double)i);
  ft_parallel_for(rows, row_grain(r.heads * r.dim), rotary_rows, &r);
  return ft_number(env, -1);
}

typedef struct {
  const float *gate, *up, *dy;
  float *out, *dgate, *dup;
} swiglu_ctx;

FT_MULTIVERSION static void swiglu_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const swiglu_ctx *s = p;
  for (int64_t i = begin; i < end; i++) {
    const float g = s->gate[i], silu = g / (1.0f + ft_expf(-g));
    s->out[i] = s->up ? silu * s->up[i] : silu;
  }
}

FT_MULTIVERSION static void swiglu_grad_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const swiglu_ctx *s = p;
  for (int64_t i = begin; i < end; i++) {
    const float g = s->gate[i], sig = 1.0f / (1.0f + ft_expf(-g)), d = s->dy[i];
    const float u = s->up ? s->up[i] : 1.0f;
    if (s->dup) s->dup[i] = d * g * sig;
    s->dgate[i] = d * u * sig * (1.0f + g * (1.0f - sig));
  }
}

napi_value ft_bind_swiglu(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "swiglu", 3)) return NULL;
  swiglu_ctx s = {0};
  int64_t n, up_len, out_len;
  s.gate = ft_arg_f32(&a, 0, "gate", &n);
  s.up = ft_arg_f32_or_null(&a, 1, "up", &up_len);
  s.out = ft_arg_f32(&a, 2, "out", &out_len);
  if ((s.up && !ft_check_size(&a, "up", n, up_len)) || !ft_check_size(&a, "out", n, out_len)) return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN, swiglu_range, &s);
  return ft_undefined(env);
}

napi_value ft_bind_swiglu_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "swigluGrad", 5)) return NULL;
  swiglu_ctx s = {0};
  int64_t n, up_len, dy_len, dgate_len, dup_len;
  s.gate = ft_arg_f32(&a, 0, "gate", &n);
  s.up = ft_arg_f32_or_null(&a, 1, "up", &up_len);
  s.dy = ft_arg_f32(&a, 2, "dy", &dy_len);
  s.dgate = ft_arg_f32(&a, 3, "dgate", &dgate_len);
  s.dup = ft_arg_f32_or_null(&a, 4, "dup", &dup_len);
  if (a.failed) return NULL;
  if (!s.up != !s.dup) {
    ft_range_error(&a, "up and dup must both be given or both be null");
    return NULL;
  }
  if ((s.up && !ft_check_size(&a, "up", n, up_len)) || !ft_check_size(&a, "dy", n, dy_len) ||
      !ft_check_size(&a, "dgate", n, dgate_len) || (s.dup && !ft_check_size(&a, "dup", n, dup_len)))
    return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN, swiglu_grad_range, &s);
  return ft_undefined(env);
}
