// relu6, hardswish and hardsigmoid with their gradients, threaded over flat ranges (the Activation enum).
#include "args.h"
#include "pool.h"
#include "simd.h"
#include "vision.h"

/* Values of the Activation enum in src/backend/vision-kernels.ts. */
enum { RELU6, HARDSWISH, HARDSIGMOID, ACTIVATION_COUNT };

#define ELEMENT_GRAIN 32768

typedef struct {
  int op;
  const float *x, *dy;
  float *out;
} act_ctx;

static inline float clamp06(float v) { return v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v; }

FT_MULTIVERSION static void act_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const act_ctx *t = p;
  const float *x = t->x;
  float *out = t->out;
  switch (t->op) {
    case RELU6: for (int64_t i = begin; i < end; i++) out[i] = clamp06(x[i]); break;
    case HARDSWISH: for (int64_t i = begin; i < end; i++) out[i] = x[i] * clamp06(x[i] + 3.0f) / 6.0f; break;
    case HARDSIGMOID: for (int64_t i = begin; i < end; i++) out[i] = clamp06(x[i] + 3.0f) / 6.0f; break;
  }
}

FT_MULTIVERSION static void act_grad_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const act_ctx *t = p;
  const float *x = t->x, *dy = t->dy;
  float *dx = t->out;
  switch (t->op) {
    case RELU6: for (int64_t i = begin; i < end; i++) dx[i] = x[i] > 0.0f && x[i] < 6.0f ? dy[i] : 0.0f; break;
    case HARDSWISH:
      for (int64_t i = begin; i < end; i++) {
        const float v = x[i];
        dx[i] = v <= -3.0f ? 0.0f : v < 3.0f ? dy[i] * (v / 3.0f + 0.5f) : dy[i];
      }
      break;
    case HARDSIGMOID:
      for (int64_t i = begin; i < end; i++) dx[i] = x[i] > -3.0f && x[i] < 3.0f ? dy[i] / 6.0f : 0.0f;
      break;
  }
}

static int read_op(ft_args *a) {
  int64_t op = ft_arg_int(a, 0, "op", 0);
  if (!a->failed && op >= ACTIVATION_COUNT) ft_range_error(a, "unknown activation %lld", (long long)op);
  return (int)op;
}

napi_value ft_bind_activation(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "activation", 3)) return NULL;
  act_ctx t = {0};
  int64_t n, out_len;
  t.op = read_op(&a);
  t.x = ft_arg_f32(&a, 1, "x", &n);
  t.out = ft_arg_f32(&a, 2, "out", &out_len);
  if (a.failed || !ft_check_size(&a, "out", n, out_len)) return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN, act_range, &t);
  return ft_undefined(env);
}

napi_value ft_bind_activation_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "activationGrad", 4)) return NULL;
  act_ctx t = {0};
  int64_t n, dy_len, dx_len;
  t.op = read_op(&a);
  t.x = ft_arg_f32(&a, 1, "x", &n);
  t.dy = ft_arg_f32(&a, 2, "dy", &dy_len);
  t.out = ft_arg_f32(&a, 3, "dx", &dx_len);
  if (a.failed || !ft_check_size(&a, "dy", n, dy_len) || !ft_check_size(&a, "dx", n, dx_len)) return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN, act_grad_range, &t);
  return ft_undefined(env);
}
