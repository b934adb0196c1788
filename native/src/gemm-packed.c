// GEMM with op(B) packed once (a layer's constant weight): the N-API bindings gemmPackedSize, gemmPackB and gemmPacked.
// The products run on the built-in kernel whatever engine computes gemm: BLAS has no call that takes a packed operand.
#include <stdint.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "gemm.h"
#include "pool.h"

/*
 * The kernel reads packed panels with aligned loads, and a Float32Array's data is only 4-byte aligned: the array
 * starts with a header (where the data starts, in floats, then k and n, so a packing is never taken for another
 * shape's) and slack up to the 64-byte aligned data. A copy of the array (at another address) is realigned in place
 * when next used.
 */
#define HEADER 3
#define PACKED_SLACK (HEADER + 15)

static float *aligned_data(float *array) {
  uintptr_t first = (uintptr_t)(array + HEADER);
  return (float *)((first + 63) & ~(uintptr_t)63);
}

/** gemmPackedSize(k, n): floats of op(B) [k, n] packed whole. */
napi_value ft_bind_gemm_packed_size(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "gemmPackedSize", 2)) return NULL;
  int64_t k = ft_arg_int(&a, 0, "k", 0), n = ft_arg_int(&a, 1, "n", 0);
  if (a.failed) return NULL;
  return ft_number(env, (double)(ft_gemm_packed_b_floats(k, n) + PACKED_SLACK));
}

/** gemmPackB(transB, k, n, b, ldb, out): packs op(B) [k, n] (B stored [n, k] when transB) into out. */
napi_value ft_bind_gemm_pack_b(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "gemmPackB", 6)) return NULL;
  ft_gemm_job g = {0};
  int64_t b_len, out_len;
  g.trans_b = ft_arg_bool(&a, 0, "transB");
  g.k = ft_arg_int(&a, 1, "k", 0);
  g.n = ft_arg_int(&a, 2, "n", 0);
  g.b = ft_arg_f32(&a, 3, "b", &b_len);
  g.ldb = ft_arg_int(&a, 4, "ldb", 0);
  float *out = ft_arg_f32(&a, 5, "out", &out_len);
  if (a.failed) return NULL;
  int64_t rows = g.trans_b ? g.n : g.k, cols = g.trans_b ? g.k : g.n;
  if (rows > 0 && cols > 0 && g.ldb < cols) {
    ft_range_error(&a, "leading dimension too small (ldb %lld for %lld columns)", (long long)g.ldb, (long long)cols);
    return NULL;
  }
  if (!ft_check_size(&a, "B", ft_gemm_span(1, 0, rows, cols, g.ldb), b_len) ||
      !ft_check_size(&a, "out", ft_gemm_packed_b_floats(g.k, g.n) + PACKED_SLACK, out_len))
    return NULL;
  float *data = aligned_data(out);
  out[0] = (float)(data - out);
  out[1] = (float)g.k;
  out[2] = (float)g.n;
  ft_gemm_pack_b_whole(&g, data);
  return ft_undefined(env);
}

/**
 * gemmPacked(transA, m, n, k, alpha, a, lda, packedB, bias, beta, c, ldc): C = alpha op(A) op(B) + bias + beta C with
 * op(B) packed; bias (n values added to every row, or null) only with beta 0.
 */
napi_value ft_bind_gemm_packed(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "gemmPacked", 12)) return NULL;
  ft_gemm_job g = {0};
  int64_t a_len, packed_len, c_len, bias_len;
  g.trans_a = ft_arg_bool(&a, 0, "transA");
  g.m = ft_arg_int(&a, 1, "m", 0);
  g.n = ft_arg_int(&a, 2, "n", 0);
  g.k = ft_arg_int(&a, 3, "k", 0);
  g.alpha = (float)ft_arg_number(&a, 4, "alpha");
  g.a = ft_arg_f32(&a, 5, "a", &a_len);
  g.lda = ft_arg_int(&a, 6, "lda", 0);
  float *packed = ft_arg_f32(&a, 7, "packedB", &packed_len);
  g.bias = ft_arg_f32_or_null(&a, 8, "bias", &bias_len);
  g.beta = (float)ft_arg_number(&a, 9, "beta");
  g.c = ft_arg_f32(&a, 10, "c", &c_len);
  g.ldc = ft_arg_int(&a, 11, "ldc", 0);
  if (a.failed) return NULL;
  if (g.bias && g.beta != 0.0f) {
    ft_range_error(&a, "a bias goes with beta 0, not %g", (double)g.beta);
    return NULL;
  }
  int64_t rows = g.trans_a ? g.k : g.m, cols = g.trans_a ? g.m : g.k;
  if ((rows > 0 && cols > 0 && g.lda < cols) || g.ldc < g.n) {
    ft_range_error(&a, "leading dimension too small (lda %lld for %lld columns, ldc %lld for %lld)", (long long)g.lda,
                   (long long)cols, (long long)g.ldc, (long long)g.n);
    return NULL;
  }
  /* The packed operand must be exactly the packing of a [k, n] op(B): a packing for another shape is refused. */
  const int64_t floats = ft_gemm_packed_b_floats(g.k, g.n);
  const float start = packed_len >= HEADER ? packed[0] : 0;
  if (packed_len != floats + PACKED_SLACK || !(start >= HEADER && start <= PACKED_SLACK) || packed[1] != (float)g.k ||
      packed[2] != (float)g.n) {
    ft_range_error(&a, "packedB (%lld floats) is not gemmPackB's packing of a [%lld, %lld] operand (%lld floats)",
                   (long long)packed_len, (long long)g.k, (long long)g.n, (long long)(floats + PACKED_SLACK));
    return NULL;
  }
  if (!ft_check_size(&a, "A", ft_gemm_span(1, 0, rows, cols, g.lda), a_len) ||
      !ft_check_size(&a, "C", ft_gemm_span(1, 0, g.m, g.n, g.ldc), c_len) ||
      (g.bias && !ft_check_size(&a, "bias", g.n, bias_len)))
    return NULL;
  float *data = aligned_data(packed);
  if (data != packed + (int64_t)start) {
    memmove(data, packed + (int64_t)start, (size_t)floats * sizeof(float));
    packed[0] = (float)(data - packed);
  }
  g.packed_b = data;
  ft_gemm_builtin_parallel(&g, ft_threads());
  return ft_undefined(env);
}
