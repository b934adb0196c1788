// 2-D convolution: im2col + the backend's GEMM per sample and group (depthwise ones go to conv-depthwise.c). Threads
// split the batch when it has a sample per thread; otherwise each sample's im2col, GEMM and col2im are threaded.
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "gemm.h"
#include "pool.h"
#include "vision.h"

/* Multiply-adds per part below which a thread is not worth waking. */
#define MACS_GRAIN (1 << 18)

/* Rows of the im2col matrix: one per (input channel, kernel row, kernel column). */
static int64_t col_rows(const ft_conv_geometry *g) { return g->c * g->kh * g->kw; }

/* A 1x1 convolution with stride 1 and no padding needs no im2col: the input plane is the column matrix. */
static int is_pointwise(const ft_conv_geometry *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 && g->oh == g->h &&
         g->ow == g->w;
}

/* Column-matrix floats per band of output rows when the batch is split: the band's columns stay in cache for its GEMM. */
#define BAND_FLOATS (128 * 1024)

typedef struct {
  const ft_conv_geometry *g;
  const float *x;     /* one sample [C, H, W] */
  float *cols;        /* [C KH KW, (i_end - i_begin) OW]: the columns of output rows [i_begin, i_end) */
  int64_t i_begin, i_end;
} im2col_ctx;

static void im2col_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const im2col_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  const int64_t band = (t->i_end - t->i_begin) * g->ow;
  for (int64_t r = begin; r < end; r++) {
    const int64_t c = r / (g->kh * g->kw), a = (r / g->kw) % g->kh, b = r % g->kw;
    int64_t i0, i1, j0, j1;
    ft_valid_range(g->oh, g->h, g->sh, g->ph, a * g->dh, &i0, &i1);
    ft_valid_range(g->ow, g->w, g->sw, g->pw, b * g->dw, &j0, &j1);
    for (int64_t i = t->i_begin; i < t->i_end; i++) {
      float *row = t->cols + r * band + (i - t->i_begin) * g->ow;
      if (i < i0 || i >= i1) {
        memset(row, 0, (size_t)g->ow * sizeof(float));
        continue;
      }
      const float *src = t->x + (c * g->h + i * g->sh - g->ph + a * g->dh) * g->w - g->pw + b * g->dw;
      for (int64_t j = 0; j < j0; j++) row[j] = 0.0f;
      if (g->sw == 1) memcpy(row + j0, src + j0, (size_t)(j1 - j0) * sizeof(float));
      else
        for (int64_t j = j0; j < j1; j++) row[j] = src[j * g->sw];
      for (int64_t j = j1; j < g->ow; j++) row[j] = 0.0f;
    }
  }
}

/*
 * Inside a batch-split job the pool is taken (and may not be asked again: ft_threads would wait for the job that
 * waits for us), so `serial` steps run on the calling thread.
 */
static void im2col(const ft_conv_geometry *g, const float *x, float *cols, int64_t i_begin, int64_t i_end, int serial) {
  im2col_ctx t = {g, x, cols, i_begin, i_end};
  if (serial) im2col_rows(&t, 0, col_rows(g), 0);
  else ft_parallel_for(col_rows(g), 16384 / (g->oh * g->ow) + 1, im2col_rows, &t);
}

typedef struct {
  const ft_conv_geometry *g;
  const float *cols; /* the columns of output rows [i_begin, i_end), as im2col lays them out */
  float *dx;         /* one sample [C, H, W]: overwritten by the first band (i_begin 0), added to by the others */
  int64_t i_begin, i_end;
} col2im_ctx;

/* Parts own whole input channels, so no two add into the same element. */
static void col2im_channels(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const col2im_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  const int64_t band = (t->i_end - t->i_begin) * g->ow;
  for (int64_t c = begin; c < end; c++) {
    float *dx = t->dx + c * g->h * g->w;
    if (t->i_begin == 0) memset(dx, 0, (size_t)(g->h * g->w) * sizeof(float));
    for (int64_t a = 0; a < g->kh; a++) {
      int64_t i0, i1;
      ft_valid_range(g->oh, g->h, g->sh, g->ph, a * g->dh, &i0, &i1);
      if (i0 < t->i_begin) i0 = t->i_begin;
      if (i1 > t->i_end) i1 = t->i_end;
      for (int64_t b = 0; b < g->kw; b++) {
        int64_t j0, j1;
        ft_valid_range(g->ow, g->w, g->sw, g->pw, b * g->dw, &j0, &j1);
        const float *cols = t->cols + ((c * g->kh + a) * g->kw + b) * band;
        for (int64_t i = i0; i < i1; i++) {
          float *dst = dx + (i * g->sh - g->ph + a * g->dh) * g->w - g->pw + b * g->dw;
          const float *src = cols + (i - t->i_begin) * g->ow;
          if (g->sw == 1)
            for (int64_t j = j0; j < j1; j++) dst[j] += src[j];
          else
            for (int64_t j = j0; j < j1; j++) dst[j * g->sw] += src[j];
        }
      }
    }
  }
}

static void col2im(const ft_conv_geometry *g, const float *cols, float *dx, int64_t i_begin, int64_t i_end, int serial) {
  col2im_ctx t = {g, cols, dx, i_begin, i_end};
  if (serial) col2im_channels(&t, 0, g->c, 0);
  else ft_parallel_for(g->c, 16384 / (g->h * g->w * g->kh * g->kw) + 1, col2im_channels, &t);
}

/* One product per group (batch = groups, strides between them), threaded unless `serial`. */
static void gemm_groups(int serial, int trans_a, int trans_b, int64_t groups, int64_t m, int64_t n, int64_t k,
                        const float *a, int64_t stride_a, int64_t lda, const float *b, int64_t stride_b, int64_t ldb,
                        float beta, float *c, int64_t stride_c, int64_t ldc) {
  if (!serial) {
    ft_gemm_batched(trans_a, trans_b, groups, m, n, k, 1.0f, a, stride_a, lda, b, stride_b, ldb, beta, c, stride_c, ldc);
    return;
  }
  for (int64_t q = 0; q < groups; q++) {
    ft_gemm_job job = {trans_a, trans_b, m, n, k, 1.0f, beta, a + q * stride_a, lda, b + q * stride_b, ldb, c + q * stride_c, ldc, NULL, NULL};
    ft_gemm_serial(&job);
  }
}

/* ---- regular convolution: im2col + GEMM ---- */

typedef struct {
  const ft_conv_geometry *g;
  const float *x, *weight, *bias, *dy;
  float *out, *dx;
  float *workspace;   /* per part: the column matrix of one band of output rows */
  float *partials;    /* per part: a weight gradient [O, CG KH KW] */
  int64_t cols_size;
  int64_t band_rows;  /* output rows per band: all of them, or fewer when the batch is split (BAND_FLOATS) */
  int serial;         /* the batch is split across the pool: every step runs on its part's thread */
} conv_ctx;

static float *columns_of(const conv_ctx *t, const float *x_sample, int64_t i_begin, int64_t i_end, int part) {
  if (is_pointwise(t->g)) return (float *)x_sample + i_begin * t->g->ow;
  float *cols = t->workspace + (int64_t)part * t->cols_size;
  im2col(t->g, x_sample, cols, i_begin, i_end, t->serial);
  return cols;
}

/* A pointwise convolution reads its columns in place, so they keep the plane's row length. */
static int64_t columns_ld(const conv_ctx *t, int64_t band) { return is_pointwise(t->g) ? t->g->oh * t->g->ow : band; }

static void forward_samples(void *p, int64_t begin, int64_t end, int part) {
  const conv_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  const int64_t plane = g->oh * g->ow, k = g->cg * g->kh * g->kw;
  for (int64_t n = begin; n < end; n++) {
    float *out = t->out + n * g->o * plane;
    if (t->bias)
      for (int64_t o = 0; o < g->o; o++)
        for (int64_t q = 0; q < plane; q++) out[o * plane + q] = t->bias[o];
    for (int64_t i0 = 0; i0 < g->oh; i0 += t->band_rows) {
      const int64_t i1 = i0 + t->band_rows < g->oh ? i0 + t->band_rows : g->oh, band = (i1 - i0) * g->ow;
      const float *cols = columns_of(t, t->x + n * g->c * g->h * g->w, i0, i1, part);
      const int64_t ld = columns_ld(t, band);
      /* out_g[:, band] = W_g [OG, K] cols_g [K, band] (+ the bias already there), every group in one call. */
      gemm_groups(t->serial, 0, 0, g->groups, g->og, band, k, t->weight, g->og * k, k, cols, k * ld, ld,
                  t->bias ? 1.0f : 0.0f, out + i0 * g->ow, g->og * plane, plane);
    }
  }
}

static void grad_input_samples(void *p, int64_t begin, int64_t end, int part) {
  const conv_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  const int64_t plane = g->oh * g->ow, k = g->cg * g->kh * g->kw;
  for (int64_t n = begin; n < end; n++) {
    const float *dy = t->dy + n * g->o * plane;
    float *dx = t->dx + n * g->c * g->h * g->w;
    if (is_pointwise(g)) {
      /* dx_g [K, L] = W_g^T dy_g straight into dx. */
      gemm_groups(t->serial, 1, 0, g->groups, k, plane, g->og, t->weight, g->og * k, k, dy, g->og * plane, plane, 0.0f,
                  dx, k * plane, plane);
      continue;
    }
    float *cols = t->workspace + (int64_t)part * t->cols_size;
    for (int64_t i0 = 0; i0 < g->oh; i0 += t->band_rows) {
      const int64_t i1 = i0 + t->band_rows < g->oh ? i0 + t->band_rows : g->oh, band = (i1 - i0) * g->ow;
      /* cols_g [K, band] = W_g^T dy_g[:, band], then added back onto the input plane. */
      gemm_groups(t->serial, 1, 0, g->groups, k, band, g->og, t->weight, g->og * k, k, dy + i0 * g->ow, g->og * plane,
                  plane, 0.0f, cols, k * band, band);
      col2im(g, cols, dx, i0, i1, t->serial);
    }
  }
}

static void grad_weight_samples(void *p, int64_t begin, int64_t end, int part) {
  const conv_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  const int64_t plane = g->oh * g->ow, k = g->cg * g->kh * g->kw;
  float *dw = t->partials + (int64_t)part * g->o * k;
  for (int64_t n = begin; n < end; n++) {
    for (int64_t i0 = 0; i0 < g->oh; i0 += t->band_rows) {
      const int64_t i1 = i0 + t->band_rows < g->oh ? i0 + t->band_rows : g->oh, band = (i1 - i0) * g->ow;
      const float *cols = columns_of(t, t->x + n * g->c * g->h * g->w, i0, i1, part);
      const int64_t ld = columns_ld(t, band);
      /* dW_g [OG, K] += dy_g[:, band] cols_g^T. */
      gemm_groups(t->serial, 0, 1, g->groups, g->og, k, band, t->dy + n * g->o * plane + i0 * g->ow, g->og * plane,
                  plane, cols, k * ld, ld, 1.0f, dw, g->og * k, k);
    }
  }
}

/* Parts for a batch loop: one sample per thread when there are enough, else one part whose steps thread themselves. */
static int batch_parts(const ft_conv_geometry *g) {
  int threads = ft_threads();
  return g->n >= threads ? ft_parts(g->n, 1) : 1;
}

static int alloc_workspace(ft_args *a, conv_ctx *t, int parts) {
  const ft_conv_geometry *g = t->g;
  t->serial = parts > 1;
  t->band_rows = g->oh;
  if (t->serial && !is_pointwise(g)) {
    t->band_rows = BAND_FLOATS / (col_rows(g) * g->ow);
    if (t->band_rows < 1) t->band_rows = 1;
    if (t->band_rows > g->oh) t->band_rows = g->oh;
  }
  t->cols_size = col_rows(g) * t->band_rows * g->ow;
  if (is_pointwise(t->g)) return 1;
  t->workspace = malloc((size_t)(parts * t->cols_size) * sizeof(float));
  if (!t->workspace) {
    ft_range_error(a, "out of memory for a %lld-element column buffer", (long long)(parts * t->cols_size));
    return 0;
  }
  return 1;
}

static int is_depthwise(const ft_conv_geometry *g) { return g->cg == 1 && g->groups > 1; }

/* ---- bindings ---- */

static int check_sizes(ft_args *a, const ft_conv_geometry *g, int64_t x_len, int64_t w_len, int64_t y_len) {
  return ft_check_size(a, "x", g->n * g->c * g->h * g->w, x_len) && ft_check_size(a, "weight", g->o * g->cg * g->kh * g->kw, w_len) &&
         ft_check_size(a, "output", g->n * g->o * g->oh * g->ow, y_len);
}

napi_value ft_bind_conv2d(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "conv2d", 5)) return NULL;
  int64_t x_len, w_len, b_len, out_len;
  ft_conv_geometry g;
  const float *x = ft_arg_f32(&a, 0, "x", &x_len);
  const float *weight = ft_arg_f32(&a, 1, "weight", &w_len);
  const float *bias = ft_arg_f32_or_null(&a, 2, "bias", &b_len);
  if (!ft_arg_conv_geometry(&a, 3, &g)) return NULL;
  float *out = ft_arg_f32(&a, 4, "out", &out_len);
  if (a.failed || !check_sizes(&a, &g, x_len, w_len, out_len) || (bias && !ft_check_size(&a, "bias", g.o, b_len))) return NULL;
  if (is_depthwise(&g)) {
    ft_depthwise_forward(&g, x, weight, bias, out);
    return ft_undefined(env);
  }
  conv_ctx t = {&g, x, weight, bias, NULL, out, NULL, NULL, NULL, 0, 0, 0};
  int parts = batch_parts(&g);
  if (!alloc_workspace(&a, &t, parts)) return NULL;
  ft_parallel_for(g.n, parts > 1 ? 1 : g.n, forward_samples, &t);
  free(t.workspace);
  return ft_undefined(env);
}

napi_value ft_bind_conv2d_grad_input(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "conv2dGradInput", 4)) return NULL;
  int64_t dy_len, w_len, dx_len;
  ft_conv_geometry g;
  const float *dy = ft_arg_f32(&a, 0, "dy", &dy_len);
  const float *weight = ft_arg_f32(&a, 1, "weight", &w_len);
  if (!ft_arg_conv_geometry(&a, 2, &g)) return NULL;
  float *dx = ft_arg_f32(&a, 3, "dx", &dx_len);
  if (a.failed || !check_sizes(&a, &g, dx_len, w_len, dy_len)) return NULL;
  if (is_depthwise(&g)) {
    ft_depthwise_grad_input(&g, dy, weight, dx);
    return ft_undefined(env);
  }
  conv_ctx t = {&g, NULL, weight, NULL, dy, NULL, dx, NULL, NULL, 0, 0, 0};
  int parts = batch_parts(&g);
  if (!alloc_workspace(&a, &t, parts)) return NULL;
  ft_parallel_for(g.n, parts > 1 ? 1 : g.n, grad_input_samples, &t);
  free(t.workspace);
  return ft_undefined(env);
}

typedef struct {
  const ft_conv_geometry *g;
  const float *dy;
  float *dbias;
} bias_ctx;

static void bias_channels(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const bias_ctx *t = p;
  const int64_t plane = t->g->oh * t->g->ow;
  for (int64_t o = begin; o < end; o++) {
    double s = 0;
    for (int64_t n = 0; n < t->g->n; n++) {
      const float *dy = t->dy + (n * t->g->o + o) * plane;
      float lane = 0;
      for (int64_t i = 0; i < plane; i++) lane += dy[i];
      s += lane;
    }
    t->dbias[o] = (float)s;
  }
}

napi_value ft_bind_conv2d_grad_weight(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "conv2dGradWeight", 5)) return NULL;
  int64_t x_len, dy_len, dw_len, db_len;
  ft_conv_geometry g;
  const float *x = ft_arg_f32(&a, 0, "x", &x_len);
  const float *dy = ft_arg_f32(&a, 1, "dy", &dy_len);
  if (!ft_arg_conv_geometry(&a, 2, &g)) return NULL;
  float *dweight = ft_arg_f32(&a, 3, "dweight", &dw_len);
  float *dbias = ft_arg_f32_or_null(&a, 4, "dbias", &db_len);
  if (a.failed || !check_sizes(&a, &g, x_len, dw_len, dy_len) || (dbias && !ft_check_size(&a, "dbias", g.o, db_len))) return NULL;
  if (is_depthwise(&g)) {
    ft_depthwise_grad_weight(&g, x, dy, dweight, dbias);
    return ft_undefined(env);
  }
  const int64_t wsize = g.o * g.cg * g.kh * g.kw;
  conv_ctx t = {&g, x, NULL, NULL, dy, NULL, NULL, NULL, NULL, 0, 0, 0};
  int parts = batch_parts(&g);
  if (!alloc_workspace(&a, &t, parts)) return NULL;
  /* One part sums into dweight itself; several each sum into their own partial, added up at the end. */
  float *partials = parts > 1 ? malloc((size_t)(parts * wsize) * sizeof(float)) : dweight;
  if (!partials) {
    free(t.workspace);
    ft_range_error(&a, "out of memory for %d weight-gradient partials", parts);
    return NULL;
  }
  memset(partials, 0, (size_t)(parts * wsize) * sizeof(float));
  t.partials = partials;
  ft_parallel_for(g.n, parts > 1 ? 1 : g.n, grad_weight_samples, &t);
  if (parts > 1) {
    for (int64_t i = 0; i < wsize; i++) {
      float s = 0;
      for (int q = 0; q < parts; q++) s += partials[q * wsize + i];
      dweight[i] = s;
    }
    free(partials);
  }
  free(t.workspace);
  if (dbias) {
    bias_ctx b = {&g, dy, dbias};
    ft_parallel_for(g.o, MACS_GRAIN / (g.n * g.oh * g.ow) + 1, bias_channels, &b);
  }
  return ft_undefined(env);
}
