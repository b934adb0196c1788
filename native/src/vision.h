// The vision kernels' N-API functions and the window geometry they share (see src/backend/vision-kernels.ts).
#ifndef FT_VISION_H
#define FT_VISION_H
#include <node_api.h>
#include <stdint.h>

#include "args.h"

/** A convolution's geometry (ConvGeometry in vision-kernels.ts), plus channels per group. */
typedef struct {
  int64_t n, c, h, w, o, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, groups;
  int64_t cg, og;
} ft_conv_geometry;

/** A pooling window's geometry (PoolGeometry in vision-kernels.ts). */
typedef struct {
  int64_t p, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
} ft_pool_geometry;

/** Reads and checks argument i as a convolution geometry; throws a RangeError naming the fault. Returns 1 when fine. */
int ft_arg_conv_geometry(ft_args *a, size_t i, ft_conv_geometry *g);
/** Reads and checks argument i as a pooling geometry. Returns 1 when fine. */
int ft_arg_pool_geometry(ft_args *a, size_t i, ft_pool_geometry *g);

/**
 * Output positions [*lo, *hi) along one axis whose input index o * stride - pad + offset lies in [0, size):
 * the rest of the row reads padding.
 */
static inline void ft_valid_range(int64_t out, int64_t size, int64_t stride, int64_t pad, int64_t offset, int64_t *lo,
                                  int64_t *hi) {
  int64_t first = pad - offset, last = size + pad - offset; /* o * stride in [first, last) */
  int64_t l = first <= 0 ? 0 : (first + stride - 1) / stride;
  int64_t h = last <= 0 ? 0 : (last + stride - 1) / stride;
  if (h > out) h = out;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

/** Depthwise convolution (cg == 1) by direct loops, threaded (conv-depthwise.c); same contracts as the kernels. */
void ft_depthwise_forward(const ft_conv_geometry *g, const float *x, const float *weight, const float *bias, float *out);
void ft_depthwise_grad_input(const ft_conv_geometry *g, const float *dy, const float *weight, float *dx);
void ft_depthwise_grad_weight(const ft_conv_geometry *g, const float *x, const float *dy, float *dweight, float *dbias);

/** Registers every vision kernel on the addon's exports. Returns 0 when napi fails. */
int ft_register_vision(napi_env env, napi_value exports);

napi_value ft_bind_conv2d(napi_env env, napi_callback_info info);
napi_value ft_bind_conv2d_grad_input(napi_env env, napi_callback_info info);
napi_value ft_bind_conv2d_grad_weight(napi_env env, napi_callback_info info);
napi_value ft_bind_batch_norm_stats(napi_env env, napi_callback_info info);
napi_value ft_bind_batch_norm(napi_env env, napi_callback_info info);
napi_value ft_bind_batch_norm_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_max_pool2d(napi_env env, napi_callback_info info);
napi_value ft_bind_max_pool2d_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_avg_pool2d(napi_env env, napi_callback_info info);
napi_value ft_bind_avg_pool2d_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_adaptive_avg_pool2d(napi_env env, napi_callback_info info);
napi_value ft_bind_adaptive_avg_pool2d_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_activation(napi_env env, napi_callback_info info);
napi_value ft_bind_activation_grad(napi_env env, napi_callback_info info);

#endif
