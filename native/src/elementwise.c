// Element-wise unary kernels and their gradients, threaded over flat ranges; exp / tanh / erf vectorise via vecmath.h.
#include <math.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"
#include "simd.h"
#include "vecmath.h"

/* Values of the Unary enum in src/backend/backend.ts. */
enum { NEG, EXP, LOG, SQRT, RSQRT, ABS, TANH, SIGMOID, RELU, GELU_ERF, GELU_TANH, POW, SCALE, ADD_SCALAR, UNARY_COUNT };

#define ELEMENT_GRAIN 32768
#define SQRT_HALF 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f
#define GELU_C 0.79788456080286536f /* sqrt(2 / pi) */
#define GELU_K 0.044715f

typedef struct {
  int op;
  const float *x, *y, *dy;
  float *out;
  float alpha;
} unary_ctx;

FT_MULTIVERSION static void unary_range(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const unary_ctx *u = ctx;
  const float *x = u->x;
  float *out = u->out;
  const float alpha = u->alpha;
  switch (u->op) {
    case NEG: for (int64_t i = begin; i < end; i++) out[i] = -x[i]; break;
    case EXP: for (int64_t i = begin; i < end; i++) out[i] = ft_expf(x[i]); break;
    case LOG: for (int64_t i = begin; i < end; i++) out[i] = logf(x[i]); break;
    case SQRT: for (int64_t i = begin; i < end; i++) out[i] = sqrtf(x[i]); break;
    case RSQRT: for (int64_t i = begin; i < end; i++) out[i] = 1.0f / sqrtf(x[i]); break;
    case ABS: for (int64_t i = begin; i < end; i++) out[i] = fabsf(x[i]); break;
    case TANH: for (int64_t i = begin; i < end; i++) out[i] = ft_tanhf(x[i]); break;
    case SIGMOID: for (int64_t i = begin; i < end; i++) out[i] = 1.0f / (1.0f + ft_expf(-x[i])); break;
    case RELU: for (int64_t i = begin; i < end; i++) out[i] = x[i] > 0.0f ? x[i] : 0.0f; break;
    case GELU_ERF:
      for (int64_t i = begin; i < end; i++) out[i] = 0.5f * x[i] * (1.0f + ft_erff(x[i] * SQRT_HALF));
      break;
    case GELU_TANH:
      for (int64_t i = begin; i < end; i++) {
        float v = x[i];
        out[i] = 0.5f * v * (1.0f + ft_tanhf(GELU_C * (v + GELU_K * v * v * v)));
      }
      break;
    case POW: for (int64_t i = begin; i < end; i++) out[i] = powf(x[i], alpha); break;
    case SCALE: for (int64_t i = begin; i < end; i++) out[i] = x[i] * alpha; break;
    case ADD_SCALAR: for (int64_t i = begin; i < end; i++) out[i] = x[i] + alpha; break;
  }
}

FT_MULTIVERSION static void unary_grad_range(void *ctx, int64_t begin, int64_t end, int part) {
  (void)part;
  const unary_ctx *u = ctx;
  const float *x = u->x, *y = u->y, *dy = u->dy;
  float *dx = u->out;
  const float alpha = u->alpha;
  switch (u->op) {
    case NEG: for (int64_t i = begin; i < end; i++) dx[i] = -dy[i]; break;
    case EXP: for (int64_t i = begin; i < end; i++) dx[i] = dy[i] * y[i]; break;
    case LOG: for (int64_t i = begin; i < end; i++) dx[i] = dy[i] / x[i]; break;
    case SQRT: for (int64_t i = begin; i < end; i++) dx[i] = 0.5f * dy[i] / y[i]; break;
    case RSQRT: for (int64_t i = begin; i < end; i++) dx[i] = -0.5f * dy[i] * y[i] * y[i] * y[i]; break;
    case ABS:
      for (int64_t i = begin; i < end; i++) dx[i] = x[i] > 0.0f ? dy[i] : x[i] < 0.0f ? -dy[i] : 0.0f;
      break;
    case TANH: for (int64_t i = begin; i < end; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]); break;
    case SIGMOID: for (int64_t i = begin; i < end; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]); break;
    case RELU: for (int64_t i = begin; i < end; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f; break;
    case GELU_ERF:
      for (int64_t i = begin; i < end; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + ft_erff(v * SQRT_HALF));
        dx[i] = dy[i] * (cdf + v * INV_SQRT_2PI * ft_expf(-0.5f * v * v));
      }
      break;
    case GELU_TANH:
      for (int64_t i = begin; i < end; i++) {
        float v = x[i];
        float t = ft_tanhf(GELU_C * (v + GELU_K * v * v * v));
        float du = GELU_C * (1.0f + 3.0f * GELU_K * v * v);
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
      }
      break;
    case POW: for (int64_t i = begin; i < end; i++) dx[i] = dy[i] * alpha * powf(x[i], alpha - 1.0f); break;
    case SCALE: for (int64_t i = begin; i < end; i++) dx[i] = dy[i] * alpha; break;
    case ADD_SCALAR: for (int64_t i = begin; i < end; i++) dx[i] = dy[i]; break;
  }
}

static int read_op(ft_args *a) {
  int64_t op = ft_arg_int(a, 0, "op", 0);
  if (!a->failed && op >= UNARY_COUNT) ft_range_error(a, "unknown op %lld", (long long)op);
  return (int)op;
}

napi_value ft_bind_unary(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "unary", 4)) return NULL;
  unary_ctx u = {0};
  u.op = read_op(&a);
  int64_t n, out_len;
  u.x = ft_arg_f32(&a, 1, "x", &n);
  u.out = ft_arg_f32(&a, 2, "out", &out_len);
  u.alpha = (float)ft_arg_number(&a, 3, "alpha");
  if (!ft_check_size(&a, "out", n, out_len)) return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN, unary_range, &u);
  return ft_undefined(env);
}

napi_value ft_bind_unary_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "unaryGrad", 6)) return NULL;
  unary_ctx u = {0};
  u.op = read_op(&a);
  int64_t x_len, y_len, n, dx_len;
  u.x = ft_arg_f32(&a, 1, "x", &x_len);
  u.y = ft_arg_f32(&a, 2, "y", &y_len);
  u.dy = ft_arg_f32(&a, 3, "dy", &n);
  u.out = ft_arg_f32(&a, 4, "dx", &dx_len);
  u.alpha = (float)ft_arg_number(&a, 5, "alpha");
  if (!ft_check_size(&a, "x", n, x_len) || !ft_check_size(&a, "y", n, y_len) || !ft_check_size(&a, "dx", n, dx_len))
    return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN, unary_grad_range, &u);
  return ft_undefined(env);
}
