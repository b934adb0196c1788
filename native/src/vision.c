// Registration of the vision kernels and the checks of the window geometry every one of them takes.
#include "vision.h"

#define CONV_FIELDS 16
#define POOL_FIELDS 13
/* Sizes past this would overflow the int64 index arithmetic of the kernels. */
#define MAX_EXTENT (1LL << 31)

static int read_fields(ft_args *a, size_t i, const char *name, int64_t *out, int64_t count) {
  int64_t length;
  const int32_t *g = ft_arg_i32(a, i, name, &length);
  if (a->failed) return 0;
  if (length != count) {
    ft_range_error(a, "%s has %lld entries, expected %lld", name, (long long)length, (long long)count);
    return 0;
  }
  for (int64_t k = 0; k < count; k++) out[k] = g[k];
  return 1;
}

int ft_arg_conv_geometry(ft_args *a, size_t i, ft_conv_geometry *g) {
  int64_t f[CONV_FIELDS];
  if (!read_fields(a, i, "geometry", f, CONV_FIELDS)) return 0;
  *g = (ft_conv_geometry){f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14], f[15], 0, 0};
  /* Every size at least 1 (pads at least 0), so no loop bound or division can go wrong. */
  for (int k = 0; k < CONV_FIELDS; k++) {
    int64_t min = (k == 11 || k == 12) ? 0 : 1;
    if (f[k] < min || f[k] >= MAX_EXTENT) {
      ft_range_error(a, "geometry[%d] = %lld is out of range", k, (long long)f[k]);
      return 0;
    }
  }
  if (g->c % g->groups != 0 || g->o % g->groups != 0) {
    ft_range_error(a, "%lld groups do not divide %lld input and %lld output channels", (long long)g->groups, (long long)g->c,
                   (long long)g->o);
    return 0;
  }
  g->cg = g->c / g->groups;
  g->og = g->o / g->groups;
  return 1;
}

int ft_arg_pool_geometry(ft_args *a, size_t i, ft_pool_geometry *g) {
  int64_t f[POOL_FIELDS];
  if (!read_fields(a, i, "geometry", f, POOL_FIELDS)) return 0;
  *g = (ft_pool_geometry){f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]};
  for (int k = 0; k < POOL_FIELDS; k++) {
    int64_t min = (k == 9 || k == 10) ? 0 : 1;
    if (f[k] < min || f[k] >= MAX_EXTENT) {
      ft_range_error(a, "geometry[%d] = %lld is out of range", k, (long long)f[k]);
      return 0;
    }
  }
  return 1;
}

int ft_register_vision(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"conv2d", NULL, ft_bind_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dGradInput", NULL, ft_bind_conv2d_grad_input, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dGradWeight", NULL, ft_bind_conv2d_grad_weight, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormStats", NULL, ft_bind_batch_norm_stats, NULL, NULL, NULL, napi_default, NULL},
      {"batchNorm", NULL, ft_bind_batch_norm, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormGrad", NULL, ft_bind_batch_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool2d", NULL, ft_bind_max_pool2d, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool2dGrad", NULL, ft_bind_max_pool2d_grad, NULL, NULL, NULL, napi_default, NULL},
      {"avgPool2d", NULL, ft_bind_avg_pool2d, NULL, NULL, NULL, napi_default, NULL},
      {"avgPool2dGrad", NULL, ft_bind_avg_pool2d_grad, NULL, NULL, NULL, napi_default, NULL},
      {"adaptiveAvgPool2d", NULL, ft_bind_adaptive_avg_pool2d, NULL, NULL, NULL, napi_default, NULL},
      {"adaptiveAvgPool2dGrad", NULL, ft_bind_adaptive_avg_pool2d_grad, NULL, NULL, NULL, napi_default, NULL},
      {"activation", NULL, ft_bind_activation, NULL, NULL, NULL, napi_default, NULL},
      {"activationGrad", NULL, ft_bind_activation_grad, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) == napi_ok;
}
