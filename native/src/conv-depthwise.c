// Depthwise convolution (one input channel per group, any channel multiplier) by direct loops over the window,
// threaded over output planes (forward), input planes (input gradient) or output channels (weight gradient).
#include <string.h>

#include "pool.h"
#include "simd.h"
#include "vision.h"

/* Multiply-adds per part below which a thread is not worth waking. */
#define MACS_GRAIN (1 << 18)

typedef struct {
  const ft_conv_geometry *g;
  const float *x, *weight, *bias, *dy;
  float *out, *dx, *dweight, *dbias;
} depthwise_ctx;

/* Output planes (n, o). */
FT_MULTIVERSION static void depthwise_forward(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const depthwise_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  for (int64_t q = begin; q < end; q++) {
    const int64_t n = q / g->o, o = q % g->o, c = o / g->og;
    const float *x = t->x + (n * g->c + c) * g->h * g->w;
    const float *w = t->weight + o * g->kh * g->kw;
    float *out = t->out + q * g->oh * g->ow;
    const float b = t->bias ? t->bias[o] : 0.0f;
    for (int64_t i = 0; i < g->oh * g->ow; i++) out[i] = b;
    for (int64_t a = 0; a < g->kh; a++) {
      int64_t i0, i1;
      ft_valid_range(g->oh, g->h, g->sh, g->ph, a * g->dh, &i0, &i1);
      for (int64_t bb = 0; bb < g->kw; bb++) {
        int64_t j0, j1;
        ft_valid_range(g->ow, g->w, g->sw, g->pw, bb * g->dw, &j0, &j1);
        const float wv = w[a * g->kw + bb];
        for (int64_t i = i0; i < i1; i++) {
          const float *src = x + (i * g->sh - g->ph + a * g->dh) * g->w - g->pw + bb * g->dw;
          float *dst = out + i * g->ow;
          if (g->sw == 1)
            for (int64_t j = j0; j < j1; j++) dst[j] += wv * src[j];
          else
            for (int64_t j = j0; j < j1; j++) dst[j] += wv * src[j * g->sw];
        }
      }
    }
  }
}

/* Input planes (n, c): each gathers from the og output channels of its group. */
FT_MULTIVERSION static void depthwise_grad_input(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const depthwise_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  for (int64_t q = begin; q < end; q++) {
    const int64_t n = q / g->c, c = q % g->c;
    float *dx = t->dx + q * g->h * g->w;
    memset(dx, 0, (size_t)(g->h * g->w) * sizeof(float));
    for (int64_t o = c * g->og; o < (c + 1) * g->og; o++) {
      const float *dy = t->dy + (n * g->o + o) * g->oh * g->ow;
      const float *w = t->weight + o * g->kh * g->kw;
      for (int64_t a = 0; a < g->kh; a++) {
        int64_t i0, i1;
        ft_valid_range(g->oh, g->h, g->sh, g->ph, a * g->dh, &i0, &i1);
        for (int64_t bb = 0; bb < g->kw; bb++) {
          int64_t j0, j1;
          ft_valid_range(g->ow, g->w, g->sw, g->pw, bb * g->dw, &j0, &j1);
          const float wv = w[a * g->kw + bb];
          for (int64_t i = i0; i < i1; i++) {
            float *dst = dx + (i * g->sh - g->ph + a * g->dh) * g->w - g->pw + bb * g->dw;
            const float *src = dy + i * g->ow;
            if (g->sw == 1)
              for (int64_t j = j0; j < j1; j++) dst[j] += wv * src[j];
            else
              for (int64_t j = j0; j < j1; j++) dst[j * g->sw] += wv * src[j];
          }
        }
      }
    }
  }
}

/* Output channels o: the KH KW weights and the bias of o, summed over the batch in float64. */
FT_MULTIVERSION static void depthwise_grad_weight(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const depthwise_ctx *t = p;
  const ft_conv_geometry *g = t->g;
  const int64_t plane = g->oh * g->ow;
  for (int64_t o = begin; o < end; o++) {
    const int64_t c = o / g->og;
    if (t->dbias) {
      double s = 0;
      for (int64_t n = 0; n < g->n; n++) {
        const float *dy = t->dy + (n * g->o + o) * plane;
        float lane = 0;
        for (int64_t i = 0; i < plane; i++) lane += dy[i];
        s += lane;
      }
      t->dbias[o] = (float)s;
    }
    for (int64_t a = 0; a < g->kh; a++) {
      int64_t i0, i1;
      ft_valid_range(g->oh, g->h, g->sh, g->ph, a * g->dh, &i0, &i1);
      for (int64_t bb = 0; bb < g->kw; bb++) {
        int64_t j0, j1;
        ft_valid_range(g->ow, g->w, g->sw, g->pw, bb * g->dw, &j0, &j1);
        double s = 0;
        for (int64_t n = 0; n < g->n; n++) {
          const float *dy = t->dy + (n * g->o + o) * plane;
          const float *x = t->x + (n * g->c + c) * g->h * g->w;
          for (int64_t i = i0; i < i1; i++) {
            const float *src = x + (i * g->sh - g->ph + a * g->dh) * g->w - g->pw + bb * g->dw;
            const float *d = dy + i * g->ow;
            float row = 0;
            if (g->sw == 1)
              for (int64_t j = j0; j < j1; j++) row += d[j] * src[j];
            else
              for (int64_t j = j0; j < j1; j++) row += d[j] * src[j * g->sw];
            s += row;
          }
        }
        t->dweight[o * g->kh * g->kw + a * g->kw + bb] = (float)s;
      }
    }
  }
}

static int64_t grain(const ft_conv_geometry *g, int64_t items_per_unit) {
  int64_t macs = items_per_unit * g->kh * g->kw;
  return MACS_GRAIN / (macs > 0 ? macs : 1) + 1;
}

void ft_depthwise_forward(const ft_conv_geometry *g, const float *x, const float *weight, const float *bias, float *out) {
  depthwise_ctx t = {g, x, weight, bias, NULL, out, NULL, NULL, NULL};
  ft_parallel_for(g->n * g->o, grain(g, g->oh * g->ow), depthwise_forward, &t);
}

void ft_depthwise_grad_input(const ft_conv_geometry *g, const float *dy, const float *weight, float *dx) {
  depthwise_ctx t = {g, NULL, weight, NULL, dy, NULL, dx, NULL, NULL};
  ft_parallel_for(g->n * g->c, grain(g, g->og * g->oh * g->ow), depthwise_grad_input, &t);
}

void ft_depthwise_grad_weight(const ft_conv_geometry *g, const float *x, const float *dy, float *dweight, float *dbias) {
  depthwise_ctx t = {g, x, NULL, NULL, dy, NULL, NULL, dweight, dbias};
  ft_parallel_for(g->o, grain(g, g->n * g->oh * g->ow), depthwise_grad_weight, &t);
}
