// Optimizer steps over all parameters in one call (AdamW, SGD), threaded over fixed-size chunks of every tensor.
#include <math.h>
#include <stdlib.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"
#include "simd.h"

#define CHUNK 32768

typedef struct {
  int64_t tensor, begin, end;
} chunk_t;

typedef struct {
  float **params, **grads, **m, **v, **buffers;
  const float *decay;
  chunk_t *chunks;
  /* Hyperparameters arrive as float64; 1 - beta and the like are formed there before rounding, as PyTorch does. */
  double lr;
  float beta1, beta2, one_minus_beta1, one_minus_beta2, eps, step_size, inv_sqrt_correction2;
  float momentum, one_minus_dampening, weight_decay, lr_f;
  int nesterov, first_step;
} optim_ctx;

/* Splits every tensor into chunks of at most CHUNK elements; returns the count (or -1 when out of memory). */
static int64_t make_chunks(const int64_t *lengths, int64_t tensors, chunk_t **chunks) {
  int64_t count = 0;
  for (int64_t t = 0; t < tensors; t++) count += (lengths[t] + CHUNK - 1) / CHUNK;
  *chunks = malloc(sizeof(chunk_t) * (size_t)(count + 1));
  if (!*chunks) return -1;
  int64_t at = 0;
  for (int64_t t = 0; t < tensors; t++)
    for (int64_t begin = 0; begin < lengths[t]; begin += CHUNK)
      (*chunks)[at++] = (chunk_t){t, begin, begin + CHUNK < lengths[t] ? begin + CHUNK : lengths[t]};
  return count;
}

FT_MULTIVERSION static void adamw_chunks(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const optim_ctx *o = p;
  for (int64_t c = begin; c < end; c++) {
    const chunk_t ch = o->chunks[c];
    float *param = o->params[ch.tensor], *m = o->m[ch.tensor], *v = o->v[ch.tensor];
    const float *g = o->grads[ch.tensor];
    const float decay = (float)(1.0 - o->lr * (double)o->decay[ch.tensor]);
    const float b1 = o->beta1, b2 = o->beta2, eps = o->eps, step_size = o->step_size;
    const float c1 = o->one_minus_beta1, c2 = o->one_minus_beta2;
    const float inv_c2 = o->inv_sqrt_correction2;
    for (int64_t i = ch.begin; i < ch.end; i++) {
      float mi = b1 * m[i] + c1 * g[i];
      float vi = b2 * v[i] + c2 * g[i] * g[i];
      m[i] = mi;
      v[i] = vi;
      param[i] = param[i] * decay - step_size * mi / (sqrtf(vi) * inv_c2 + eps);
    }
  }
}

static void sgd_chunks(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const optim_ctx *o = p;
  for (int64_t c = begin; c < end; c++) {
    const chunk_t ch = o->chunks[c];
    float *param = o->params[ch.tensor];
    const float *g = o->grads[ch.tensor];
    float *buf = o->momentum != 0.0f ? o->buffers[ch.tensor] : NULL;
    for (int64_t i = ch.begin; i < ch.end; i++) {
      float d = g[i] + o->weight_decay * param[i];
      if (buf) {
        float b = o->first_step ? d : o->momentum * buf[i] + o->one_minus_dampening * d;
        buf[i] = b;
        d = o->nesterov ? d + o->momentum * b : b;
      }
      param[i] -= o->lr_f * d;
    }
  }
}

/* Reads an array-of-Float32Array argument that must match the parameters one for one, element for element. */
static float **read_matching(ft_args *a, size_t i, const char *name, int64_t tensors, const int64_t *lengths) {
  float **pointers;
  int64_t *these;
  int64_t count = ft_arg_f32_list(a, i, name, &pointers, &these);
  if (count >= 0 && count != tensors)
    ft_range_error(a, "%s has %lld arrays for %lld parameters", name, (long long)count, (long long)tensors);
  for (int64_t t = 0; t < tensors && !a->failed; t++)
    if (these[t] != lengths[t])
      ft_range_error(a, "%s[%lld] has %lld elements, parameter has %lld", name, (long long)t, (long long)these[t],
                     (long long)lengths[t]);
  free(these);
  if (a->failed) {
    free(pointers);
    return NULL;
  }
  return pointers;
}

napi_value ft_bind_adamw(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "adamw", 10)) return NULL;
  optim_ctx o = {0};
  int64_t *lengths = NULL, decay_len = 0;
  int64_t tensors = ft_arg_f32_list(&a, 0, "params", &o.params, &lengths);
  if (tensors >= 0) {
    o.grads = read_matching(&a, 1, "grads", tensors, lengths);
    o.m = read_matching(&a, 2, "m", tensors, lengths);
    o.v = read_matching(&a, 3, "v", tensors, lengths);
  }
  o.decay = ft_arg_f32(&a, 4, "weightDecay", &decay_len);
  double lr = ft_arg_number(&a, 5, "lr"), beta1 = ft_arg_number(&a, 6, "beta1");
  double beta2 = ft_arg_number(&a, 7, "beta2"), eps = ft_arg_number(&a, 8, "eps");
  double step = ft_arg_number(&a, 9, "step");
  if (!a.failed && !(step >= 1)) ft_range_error(&a, "step must be >= 1 (got %g)", step);
  int64_t count = -1;
  if (ft_check_size(&a, "weightDecay", tensors, decay_len)) {
    count = make_chunks(lengths, tensors, &o.chunks);
    if (count < 0) ft_range_error(&a, "out of memory");
  }
  if (!a.failed) {
    o.lr = lr;
    o.beta1 = (float)beta1;
    o.beta2 = (float)beta2;
    o.one_minus_beta1 = (float)(1.0 - beta1);
    o.one_minus_beta2 = (float)(1.0 - beta2);
    o.eps = (float)eps;
    o.step_size = (float)(lr / (1.0 - pow(beta1, step)));
    o.inv_sqrt_correction2 = (float)(1.0 / sqrt(1.0 - pow(beta2, step)));
    ft_parallel_for(count, 2, adamw_chunks, &o);
  }
  free(o.params);
  free(o.grads);
  free(o.m);
  free(o.v);
  free(o.chunks);
  free(lengths);
  return a.failed ? NULL : ft_undefined(env);
}

napi_value ft_bind_sgd(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "sgd", 9)) return NULL;
  optim_ctx o = {0};
  int64_t *lengths = NULL;
  int64_t tensors = ft_arg_f32_list(&a, 0, "params", &o.params, &lengths);
  if (tensors >= 0) o.grads = read_matching(&a, 1, "grads", tensors, lengths);
  o.lr_f = (float)ft_arg_number(&a, 3, "lr");
  o.momentum = (float)ft_arg_number(&a, 4, "momentum");
  o.one_minus_dampening = (float)(1.0 - ft_arg_number(&a, 5, "dampening"));
  o.weight_decay = (float)ft_arg_number(&a, 6, "weightDecay");
  o.nesterov = ft_arg_bool(&a, 7, "nesterov");
  o.first_step = ft_arg_bool(&a, 8, "firstStep");
  if (!a.failed && o.momentum != 0.0f) o.buffers = read_matching(&a, 2, "momentumBuffers", tensors, lengths);
  int64_t count = -1;
  if (!a.failed) {
    count = make_chunks(lengths, tensors, &o.chunks);
    if (count < 0) ft_range_error(&a, "out of memory");
  }
  if (!a.failed) ft_parallel_for(count, 2, sgd_chunks, &o);
  free(o.params);
  free(o.grads);
  free(o.buffers);
  free(o.chunks);
  free(lengths);
  return a.failed ? NULL : ft_undefined(env);
}
