// Reductions over the middle axis of [outer, size, inner] (sum in float64 lanes, max with argmax) and the float64
// sum of squares over many arrays, both threaded.
#include <stdlib.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"
#include "simd.h"

enum { SUM, MAX, REDUCE_COUNT };

#define ELEMENT_GRAIN 32768
#define BLOCK 256 /* inner columns per task */
#define LANES 8

typedef struct {
  int op;
  const float *x;
  int64_t outer, size, inner, blocks;
  float *out;
  int32_t *argmax;
} reduce_ctx;

/* Contiguous sum in LANES float64 partial sums, a shape gcc vectorises without reassociating on its own. */
static double sum_contiguous(const float *x, int64_t n) {
  double lanes[LANES] = {0};
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES)
    for (int l = 0; l < LANES; l++) lanes[l] += x[i + l];
  double total = 0;
  for (int l = 0; l < LANES; l++) total += lanes[l];
  for (; i < n; i++) total += x[i];
  return total;
}

/* The first maximum wins; a NaN wins over numbers (as the js backend does). */
static void max_strided(const float *x, int64_t size, int64_t step, float *best_out, int32_t *at_out) {
  float best = size > 0 ? x[0] : -__builtin_inff();
  int32_t at = 0;
  for (int64_t s = 1; s < size; s++) {
    float v = x[s * step];
    if (v > best || (v != v && best == best)) {
      best = v;
      at = (int32_t)s;
    }
  }
  *best_out = best;
  if (at_out) *at_out = at;
}

FT_MULTIVERSION static void reduce_tasks(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const reduce_ctx *r = p;
  double acc[BLOCK];
  for (int64_t task = begin; task < end; task++) {
    int64_t o = task / r->blocks, i0 = (task % r->blocks) * BLOCK;
    int64_t width = r->inner - i0 < BLOCK ? r->inner - i0 : BLOCK;
    const float *x = r->x + o * r->size * r->inner + i0;
    float *out = r->out + o * r->inner + i0;
    if (r->op == SUM && r->inner == 1) {
      out[0] = (float)sum_contiguous(x, r->size);
    } else if (r->op == SUM) {
      for (int64_t i = 0; i < width; i++) acc[i] = 0;
      for (int64_t s = 0; s < r->size; s++) {
        const float *row = x + s * r->inner;
        for (int64_t i = 0; i < width; i++) acc[i] += row[i];
      }
      for (int64_t i = 0; i < width; i++) out[i] = (float)acc[i];
    } else {
      int32_t *arg = r->argmax ? r->argmax + o * r->inner + i0 : NULL;
      for (int64_t i = 0; i < width; i++) max_strided(x + i, r->size, r->inner, out + i, arg ? arg + i : NULL);
    }
  }
}

napi_value ft_bind_reduce(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "reduce", 7)) return NULL;
  reduce_ctx r = {0};
  int64_t op = ft_arg_int(&a, 0, "op", 0), x_len, out_len, arg_len = 0;
  if (!a.failed && op >= REDUCE_COUNT) ft_range_error(&a, "unknown op %lld", (long long)op);
  r.op = (int)op;
  r.x = ft_arg_f32(&a, 1, "x", &x_len);
  r.outer = ft_arg_int(&a, 2, "outer", 0);
  r.size = ft_arg_int(&a, 3, "size", 0);
  r.inner = ft_arg_int(&a, 4, "inner", 0);
  r.out = ft_arg_f32(&a, 5, "out", &out_len);
  if (a.failed) return NULL;
  napi_valuetype kind;
  napi_typeof(env, a.argv[6], &kind);
  if (kind != napi_null) r.argmax = ft_arg_i32(&a, 6, "argmax", &arg_len);
  if (!ft_check_size(&a, "x", r.outer * r.size * r.inner, x_len) ||
      !ft_check_size(&a, "out", r.outer * r.inner, out_len) ||
      (r.argmax && !ft_check_size(&a, "argmax", r.outer * r.inner, arg_len)))
    return NULL;
  if (r.outer == 0 || r.inner == 0) return ft_undefined(env);
  r.blocks = (r.inner + BLOCK - 1) / BLOCK;
  int64_t per_task = r.size * (r.inner < BLOCK ? r.inner : BLOCK) + 1;
  ft_parallel_for(r.outer * r.blocks, ELEMENT_GRAIN / per_task + 1, reduce_tasks, &r);
  return ft_undefined(env);
}

typedef struct {
  const float *x;
  double partial[FT_MAX_THREADS];
} squares_ctx;

FT_MULTIVERSION static void squares_range(void *p, int64_t begin, int64_t end, int part) {
  squares_ctx *c = p;
  double lanes[LANES] = {0};
  int64_t i = begin;
  for (; i + LANES <= end; i += LANES)
    for (int l = 0; l < LANES; l++) lanes[l] += (double)c->x[i + l] * c->x[i + l];
  double total = 0;
  for (int l = 0; l < LANES; l++) total += lanes[l];
  for (; i < end; i++) total += (double)c->x[i] * c->x[i];
  c->partial[part] = total;
}

napi_value ft_bind_sum_squares(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "sumSquares", 1)) return NULL;
  float **arrays;
  int64_t *lengths;
  int64_t count = ft_arg_f32_list(&a, 0, "arrays", &arrays, &lengths);
  double total = 0;
  squares_ctx *c = count > 0 ? calloc(1, sizeof *c) : NULL;
  if (count > 0 && !c) ft_range_error(&a, "out of memory");
  for (int64_t t = 0; t < count && c; t++) {
    c->x = arrays[t];
    int parts = ft_parts(lengths[t], ELEMENT_GRAIN);
    for (int i = 0; i < parts; i++) c->partial[i] = 0;
    ft_parallel_for(lengths[t], ELEMENT_GRAIN, squares_range, c);
    for (int i = 0; i < parts; i++) total += c->partial[i];
  }
  free(c);
  free(arrays);
  free(lengths);
  if (a.failed) return NULL;
  return ft_number(env, total);
}
