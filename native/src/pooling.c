// Max, average and adaptive-average pooling over [P, H, W] planes, threaded over planes (each plane's gradient is
// written by one thread, so the scatter-adds of backward need no atomics).
#include <math.h>
#include <string.h>

#include "args.h"
#include "pool.h"
#include "simd.h"
#include "vision.h"

#define ELEMENT_GRAIN 16384

typedef struct {
  const ft_pool_geometry *g;
  const float *x, *dy;
  float *out, *dx;
  int32_t *argmax;
  const int32_t *argmax_in;
  int include_pad;
} pool_ctx;

static int64_t plane_grain(int64_t work_per_plane) { return ELEMENT_GRAIN / (work_per_plane + 1) + 1; }

static void max_planes(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const pool_ctx *t = p;
  const ft_pool_geometry *g = t->g;
  for (int64_t q = begin; q < end; q++) {
    const float *x = t->x + q * g->h * g->w;
    for (int64_t i = 0; i < g->oh; i++) {
      for (int64_t j = 0; j < g->ow; j++) {
        float best = -INFINITY;
        int64_t at = -1;
        for (int64_t a = 0; a < g->kh; a++) {
          const int64_t r = i * g->sh - g->ph + a * g->dh;
          if (r < 0 || r >= g->h) continue;
          for (int64_t b = 0; b < g->kw; b++) {
            const int64_t c = j * g->sw - g->pw + b * g->dw;
            if (c < 0 || c >= g->w) continue;
            const float v = x[r * g->w + c];
            /* As PyTorch: a NaN always takes over, a tie never does. */
            if (v > best || isnan(v) || at < 0) {
              best = v;
              at = r * g->w + c;
            }
          }
        }
        const int64_t o = (q * g->oh + i) * g->ow + j;
        t->out[o] = best;
        t->argmax[o] = (int32_t)at;
      }
    }
  }
}

static void max_grad_planes(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const pool_ctx *t = p;
  const ft_pool_geometry *g = t->g;
  const int64_t plane = g->h * g->w, out_plane = g->oh * g->ow;
  for (int64_t q = begin; q < end; q++) {
    float *dx = t->dx + q * plane;
    memset(dx, 0, (size_t)plane * sizeof(float));
    for (int64_t o = 0; o < out_plane; o++) {
      const int32_t at = t->argmax_in[q * out_plane + o];
      if (at >= 0 && at < plane) dx[at] += t->dy[q * out_plane + o];
    }
  }
}

/* PyTorch's average window: clipped to the padded plane for the divisor, then to the plane for the sum. */
static void avg_window(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t size, int64_t *lo, int64_t *hi,
                       int64_t *padded) {
  int64_t start = o * stride - pad, end = start + kernel;
  if (end > size + pad) end = size + pad;
  *padded = end - start;
  *lo = start < 0 ? 0 : start;
  *hi = end > size ? size : end;
}

FT_MULTIVERSION static void avg_planes(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const pool_ctx *t = p;
  const ft_pool_geometry *g = t->g;
  for (int64_t q = begin; q < end; q++) {
    const float *x = t->x + q * g->h * g->w;
    for (int64_t i = 0; i < g->oh; i++) {
      int64_t r0, r1, rp;
      avg_window(i, g->sh, g->ph, g->kh, g->h, &r0, &r1, &rp);
      for (int64_t j = 0; j < g->ow; j++) {
        int64_t c0, c1, cp;
        avg_window(j, g->sw, g->pw, g->kw, g->w, &c0, &c1, &cp);
        float s = 0;
        for (int64_t r = r0; r < r1; r++)
          for (int64_t c = c0; c < c1; c++) s += x[r * g->w + c];
        const int64_t divisor = t->include_pad ? rp * cp : (r1 - r0) * (c1 - c0);
        t->out[(q * g->oh + i) * g->ow + j] = s / (float)divisor;
      }
    }
  }
}

FT_MULTIVERSION static void avg_grad_planes(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const pool_ctx *t = p;
  const ft_pool_geometry *g = t->g;
  for (int64_t q = begin; q < end; q++) {
    float *dx = t->dx + q * g->h * g->w;
    memset(dx, 0, (size_t)(g->h * g->w) * sizeof(float));
    for (int64_t i = 0; i < g->oh; i++) {
      int64_t r0, r1, rp;
      avg_window(i, g->sh, g->ph, g->kh, g->h, &r0, &r1, &rp);
      for (int64_t j = 0; j < g->ow; j++) {
        int64_t c0, c1, cp;
        avg_window(j, g->sw, g->pw, g->kw, g->w, &c0, &c1, &cp);
        const int64_t divisor = t->include_pad ? rp * cp : (r1 - r0) * (c1 - c0);
        const float v = t->dy[(q * g->oh + i) * g->ow + j] / (float)divisor;
        for (int64_t r = r0; r < r1; r++)
          for (int64_t c = c0; c < c1; c++) dx[r * g->w + c] += v;
      }
    }
  }
}

/* Adaptive windows reuse the pooling geometry with kh, kw unused: rows [floor(i H / OH), ceil((i + 1) H / OH)). */
static void adaptive_window(int64_t o, int64_t size, int64_t out, int64_t *lo, int64_t *hi) {
  *lo = (o * size) / out;
  *hi = ((o + 1) * size + out - 1) / out;
}

FT_MULTIVERSION static void adaptive_planes(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const pool_ctx *t = p;
  const ft_pool_geometry *g = t->g;
  for (int64_t q = begin; q < end; q++) {
    const float *x = t->x + q * g->h * g->w;
    for (int64_t i = 0; i < g->oh; i++) {
      int64_t r0, r1;
      adaptive_window(i, g->h, g->oh, &r0, &r1);
      for (int64_t j = 0; j < g->ow; j++) {
        int64_t c0, c1;
        adaptive_window(j, g->w, g->ow, &c0, &c1);
        float s = 0;
        for (int64_t r = r0; r < r1; r++)
          for (int64_t c = c0; c < c1; c++) s += x[r * g->w + c];
        t->out[(q * g->oh + i) * g->ow + j] = s / (float)((r1 - r0) * (c1 - c0));
      }
    }
  }
}

FT_MULTIVERSION static void adaptive_grad_planes(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const pool_ctx *t = p;
  const ft_pool_geometry *g = t->g;
  for (int64_t q = begin; q < end; q++) {
    float *dx = t->dx + q * g->h * g->w;
    memset(dx, 0, (size_t)(g->h * g->w) * sizeof(float));
    for (int64_t i = 0; i < g->oh; i++) {
      int64_t r0, r1;
      adaptive_window(i, g->h, g->oh, &r0, &r1);
      for (int64_t j = 0; j < g->ow; j++) {
        int64_t c0, c1;
        adaptive_window(j, g->w, g->ow, &c0, &c1);
        const float v = t->dy[(q * g->oh + i) * g->ow + j] / (float)((r1 - r0) * (c1 - c0));
        for (int64_t r = r0; r < r1; r++)
          for (int64_t c = c0; c < c1; c++) dx[r * g->w + c] += v;
      }
    }
  }
}

static int check_planes(ft_args *a, const ft_pool_geometry *g, const char *in_name, int64_t in_len, const char *out_name,
                        int64_t out_len) {
  return ft_check_size(a, in_name, g->p * g->h * g->w, in_len) && ft_check_size(a, out_name, g->p * g->oh * g->ow, out_len);
}

static int check_avg(ft_args *a, const ft_pool_geometry *g) {
  if (g->dh != 1 || g->dw != 1) {
    ft_range_error(a, "dilation must be 1");
    return 0;
  }
  return 1;
}

napi_value ft_bind_max_pool2d(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "maxPool2d", 4)) return NULL;
  ft_pool_geometry g;
  pool_ctx t = {.g = &g};
  int64_t x_len, out_len, arg_len;
  t.x = ft_arg_f32(&a, 0, "x", &x_len);
  if (!ft_arg_pool_geometry(&a, 1, &g)) return NULL;
  t.out = ft_arg_f32(&a, 2, "out", &out_len);
  t.argmax = ft_arg_i32(&a, 3, "argmax", &arg_len);
  if (a.failed || !check_planes(&a, &g, "x", x_len, "out", out_len) || !ft_check_size(&a, "argmax", g.p * g.oh * g.ow, arg_len))
    return NULL;
  ft_parallel_for(g.p, plane_grain(g.oh * g.ow * g.kh * g.kw), max_planes, &t);
  return ft_undefined(env);
}

napi_value ft_bind_max_pool2d_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "maxPool2dGrad", 4)) return NULL;
  ft_pool_geometry g;
  pool_ctx t = {.g = &g};
  int64_t dy_len, arg_len, dx_len;
  t.dy = ft_arg_f32(&a, 0, "dy", &dy_len);
  t.argmax_in = ft_arg_i32(&a, 1, "argmax", &arg_len);
  if (!ft_arg_pool_geometry(&a, 2, &g)) return NULL;
  t.dx = ft_arg_f32(&a, 3, "dx", &dx_len);
  if (a.failed || !check_planes(&a, &g, "dx", dx_len, "dy", dy_len) || !ft_check_size(&a, "argmax", g.p * g.oh * g.ow, arg_len))
    return NULL;
  ft_parallel_for(g.p, plane_grain(g.h * g.w + g.oh * g.ow), max_grad_planes, &t);
  return ft_undefined(env);
}

napi_value ft_bind_avg_pool2d(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "avgPool2d", 4)) return NULL;
  ft_pool_geometry g;
  pool_ctx t = {.g = &g};
  int64_t x_len, out_len;
  t.x = ft_arg_f32(&a, 0, "x", &x_len);
  if (!ft_arg_pool_geometry(&a, 1, &g)) return NULL;
  t.include_pad = ft_arg_bool(&a, 2, "countIncludePad");
  t.out = ft_arg_f32(&a, 3, "out", &out_len);
  if (a.failed || !check_avg(&a, &g) || !check_planes(&a, &g, "x", x_len, "out", out_len)) return NULL;
  ft_parallel_for(g.p, plane_grain(g.oh * g.ow * g.kh * g.kw), avg_planes, &t);
  return ft_undefined(env);
}

napi_value ft_bind_avg_pool2d_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "avgPool2dGrad", 4)) return NULL;
  ft_pool_geometry g;
  pool_ctx t = {.g = &g};
  int64_t dy_len, dx_len;
  t.dy = ft_arg_f32(&a, 0, "dy", &dy_len);
  if (!ft_arg_pool_geometry(&a, 1, &g)) return NULL;
  t.include_pad = ft_arg_bool(&a, 2, "countIncludePad");
  t.dx = ft_arg_f32(&a, 3, "dx", &dx_len);
  if (a.failed || !check_avg(&a, &g) || !check_planes(&a, &g, "dx", dx_len, "dy", dy_len)) return NULL;
  ft_parallel_for(g.p, plane_grain(g.oh * g.ow * g.kh * g.kw), avg_grad_planes, &t);
  return ft_undefined(env);
}

/* The adaptive kernels take their sizes as numbers; they are checked into a geometry with unit windows. */
static int read_adaptive(ft_args *a, ft_pool_geometry *g) {
  g->p = ft_arg_int(a, 1, "planes", 0);
  g->h = ft_arg_int(a, 2, "height", 1);
  g->w = ft_arg_int(a, 3, "width", 1);
  g->oh = ft_arg_int(a, 4, "outHeight", 1);
  g->ow = ft_arg_int(a, 5, "outWidth", 1);
  g->kh = g->kw = g->sh = g->sw = g->dh = g->dw = 1;
  g->ph = g->pw = 0;
  return !a->failed;
}

napi_value ft_bind_adaptive_avg_pool2d(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "adaptiveAvgPool2d", 7)) return NULL;
  ft_pool_geometry g;
  pool_ctx t = {.g = &g};
  int64_t x_len, out_len;
  t.x = ft_arg_f32(&a, 0, "x", &x_len);
  if (!read_adaptive(&a, &g)) return NULL;
  t.out = ft_arg_f32(&a, 6, "out", &out_len);
  if (a.failed || !check_planes(&a, &g, "x", x_len, "out", out_len)) return NULL;
  ft_parallel_for(g.p, plane_grain(g.h * g.w + g.oh * g.ow), adaptive_planes, &t);
  return ft_undefined(env);
}

napi_value ft_bind_adaptive_avg_pool2d_grad(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "adaptiveAvgPool2dGrad", 7)) return NULL;
  ft_pool_geometry g;
  pool_ctx t = {.g = &g};
  int64_t dy_len, dx_len;
  t.dy = ft_arg_f32(&a, 0, "dy", &dy_len);
  if (!read_adaptive(&a, &g)) return NULL;
  t.dx = ft_arg_f32(&a, 6, "dx", &dx_len);
  if (a.failed || !check_planes(&a, &g, "dx", dx_len, "dy", dy_len)) return NULL;
  ft_parallel_for(g.p, plane_grain(g.h * g.w + g.oh * g.ow), adaptive_grad_planes, &t);
  return ft_undefined(env);
}
