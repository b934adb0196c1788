// Dropout by a seeded hash of the element index, threaded: the same call applies the mask forward and to the gradient.
#include "args.h"
#include "bindings.h"
#include "dropout.h"
#include "pool.h"
#include "simd.h"

#define ELEMENT_GRAIN 32768

typedef struct {
  const float *x;
  float *out;
  float keep_scale;
  uint32_t seed, threshold;
} dropout_ctx;

FT_MULTIVERSION static void dropout_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const dropout_ctx *d = p;
  const float *x = d->x;
  float *out = d->out;
  const float scale = d->keep_scale;
  const uint32_t seed = d->seed, threshold = d->threshold;
  for (int64_t i = begin; i < end; i++) {
    const float kept = x[i] * scale;
    out[i] = ft_dropout_keep(seed, (uint64_t)i, threshold) ? kept : 0.0f;
  }
}

napi_value ft_bind_dropout(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "dropout", 4)) return NULL;
  dropout_ctx d = {0};
  int64_t n, out_len;
  d.x = ft_arg_f32(&a, 0, "x", &n);
  double p = ft_arg_number(&a, 1, "p");
  int64_t seed = ft_arg_int(&a, 2, "seed", 0);
  d.out = ft_arg_f32(&a, 3, "out", &out_len);
  if (a.failed) return NULL;
  if (!(p >= 0.0 && p < 1.0)) {
    ft_range_error(&a, "p %g must be in [0, 1)", p);
    return NULL;
  }
  if (seed > 0xffffffffLL) {
    ft_range_error(&a, "seed %lld is not a 32-bit unsigned integer", (long long)seed);
    return NULL;
  }
  if (!ft_check_size(&a, "out", n, out_len)) return NULL;
  d.keep_scale = (float)(1.0 / (1.0 - p));
  d.seed = (uint32_t)seed;
  d.threshold = ft_dropout_threshold(p);
  ft_parallel_for(n, ELEMENT_GRAIN, dropout_range, &d);
  return ft_undefined(env);
}
