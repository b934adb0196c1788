// Module entry: registers every kernel under its Backend method name, plus thread control and build facts.
#include <node_api.h>

#include "args.h"
#include "bindings.h"
#include "gemm.h"
#include "pool.h"
#include "vision.h"

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  return ft_number(env, ft_threads());
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "setThreads", 1)) return NULL;
  int64_t threads = ft_arg_int(&a, 0, "threads", 1);
  if (a.failed) return NULL;
  ft_set_threads(threads > FT_MAX_THREADS ? FT_MAX_THREADS : (int)threads);
  ft_gemm_set_threads(ft_threads());
  return ft_undefined(env);
}

static napi_value blas(napi_env env, napi_callback_info info) {
  (void)info;
  return ft_string(env, ft_gemm_library());
}

static napi_value gemm_engine(napi_env env, napi_callback_info info) {
  (void)info;
  return ft_string(env, ft_gemm_engine());
}

static napi_value blas_core(napi_env env, napi_callback_info info) {
  (void)info;
  return ft_string(env, ft_gemm_blas_core());
}

static napi_value gemm_kernel(napi_env env, napi_callback_info info) {
  (void)info;
  return ft_string(env, ft_gemm_builtin_kernel());
}

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"blas", NULL, blas, NULL, NULL, NULL, napi_default, NULL},
      {"gemmKernel", NULL, gemm_kernel, NULL, NULL, NULL, napi_default, NULL},
      {"gemmEngine", NULL, gemm_engine, NULL, NULL, NULL, napi_default, NULL},
      {"blasCore", NULL, blas_core, NULL, NULL, NULL, napi_default, NULL},
      {"gemm", NULL, ft_bind_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"gemmPackedSize", NULL, ft_bind_gemm_packed_size, NULL, NULL, NULL, napi_default, NULL},
      {"gemmPackB", NULL, ft_bind_gemm_pack_b, NULL, NULL, NULL, napi_default, NULL},
      {"gemmPacked", NULL, ft_bind_gemm_packed, NULL, NULL, NULL, napi_default, NULL},
      {"unary", NULL, ft_bind_unary, NULL, NULL, NULL, napi_default, NULL},
      {"unaryGrad", NULL, ft_bind_unary_grad, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, ft_bind_binary, NULL, NULL, NULL, napi_default, NULL},
      {"where", NULL, ft_bind_where, NULL, NULL, NULL, napi_default, NULL},
      {"copyStrided", NULL, ft_bind_copy_strided, NULL, NULL, NULL, napi_default, NULL},
      {"axpy", NULL, ft_bind_axpy, NULL, NULL, NULL, napi_default, NULL},
      {"fill", NULL, ft_bind_fill, NULL, NULL, NULL, napi_default, NULL},
      {"reduce", NULL, ft_bind_reduce, NULL, NULL, NULL, napi_default, NULL},
      {"sumSquares", NULL, ft_bind_sum_squares, NULL, NULL, NULL, napi_default, NULL},
      {"softmax", NULL, ft_bind_softmax, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxGrad", NULL, ft_bind_softmax_grad, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, ft_bind_layer_norm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormGrad", NULL, ft_bind_layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"crossEntropy", NULL, ft_bind_cross_entropy, NULL, NULL, NULL, napi_default, NULL},
      {"crossEntropyGrad", NULL, ft_bind_cross_entropy_grad, NULL, NULL, NULL, napi_default, NULL},
      {"embedding", NULL, ft_bind_embedding, NULL, NULL, NULL, napi_default, NULL},
      {"embeddingGrad", NULL, ft_bind_embedding_grad, NULL, NULL, NULL, napi_default, NULL},
      {"adamw", NULL, ft_bind_adamw, NULL, NULL, NULL, napi_default, NULL},
      {"sgd", NULL, ft_bind_sgd, NULL, NULL, NULL, napi_default, NULL},
      {"attention", NULL, ft_bind_attention, NULL, NULL, NULL, napi_default, NULL},
      {"attentionGrad", NULL, ft_bind_attention_grad, NULL, NULL, NULL, napi_default, NULL},
      {"dropout", NULL, ft_bind_dropout, NULL, NULL, NULL, napi_default, NULL},
      {"rmsNorm", NULL, ft_bind_rms_norm, NULL, NULL, NULL, napi_default, NULL},
      {"rmsNormGrad", NULL, ft_bind_rms_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"rotary", NULL, ft_bind_rotary, NULL, NULL, NULL, napi_default, NULL},
      {"swiglu", NULL, ft_bind_swiglu, NULL, NULL, NULL, napi_default, NULL},
      {"swigluGrad", NULL, ft_bind_swiglu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"linearInt8", NULL, ft_bind_linear_int8, NULL, NULL, NULL, napi_default, NULL},
      {"gemmBf16", NULL, ft_bind_gemm_bf16, NULL, NULL, NULL, napi_default, NULL},
      {"cpuFeatures", NULL, ft_bind_cpu_features, NULL, NULL, NULL, napi_default, NULL},
      {"bf16Kernel", NULL, ft_bind_bf16_kernel, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  if (!ft_register_vision(env, exports)) return NULL;
  ft_gemm_set_threads(ft_threads());
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
