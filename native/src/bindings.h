// The N-API functions each kernel family exports; addon.c registers them under the Backend's method names.
#ifndef FT_BINDINGS_H
#define FT_BINDINGS_H
#include <node_api.h>

napi_value ft_bind_gemm(napi_env env, napi_callback_info info);
napi_value ft_bind_gemm_packed_size(napi_env env, napi_callback_info info);
napi_value ft_bind_gemm_pack_b(napi_env env, napi_callback_info info);
napi_value ft_bind_gemm_packed(napi_env env, napi_callback_info info);
napi_value ft_bind_unary(napi_env env, napi_callback_info info);
napi_value ft_bind_unary_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_binary(napi_env env, napi_callback_info info);
napi_value ft_bind_where(napi_env env, napi_callback_info info);
napi_value ft_bind_copy_strided(napi_env env, napi_callback_info info);
napi_value ft_bind_axpy(napi_env env, napi_callback_info info);
napi_value ft_bind_fill(napi_env env, napi_callback_info info);
napi_value ft_bind_reduce(napi_env env, napi_callback_info info);
napi_value ft_bind_sum_squares(napi_env env, napi_callback_info info);
napi_value ft_bind_softmax(napi_env env, napi_callback_info info);
napi_value ft_bind_softmax_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_layer_norm(napi_env env, napi_callback_info info);
napi_value ft_bind_layer_norm_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_cross_entropy(napi_env env, napi_callback_info info);
napi_value ft_bind_cross_entropy_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_embedding(napi_env env, napi_callback_info info);
napi_value ft_bind_embedding_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_adamw(napi_env env, napi_callback_info info);
napi_value ft_bind_sgd(napi_env env, napi_callback_info info);
napi_value ft_bind_attention(napi_env env, napi_callback_info info);
napi_value ft_bind_attention_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_dropout(napi_env env, napi_callback_info info);
napi_value ft_bind_rms_norm(napi_env env, napi_callback_info info);
napi_value ft_bind_linear_int8(napi_env env, napi_callback_info info);
napi_value ft_bind_rms_norm_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_rotary(napi_env env, napi_callback_info info);
napi_value ft_bind_swiglu(napi_env env, napi_callback_info info);
napi_value ft_bind_swiglu_grad(napi_env env, napi_callback_info info);
napi_value ft_bind_gemm_bf16(napi_env env, napi_callback_info info);
napi_value ft_bind_cpu_features(napi_env env, napi_callback_info info);
napi_value ft_bind_bf16_kernel(napi_env env, napi_callback_info info);

#endif
