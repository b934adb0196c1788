// Argument checking for the N-API entry points; every failure becomes a JS TypeError or RangeError naming the argument.
#include "args.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void type_error(ft_args *a, size_t i, const char *name, const char *expected) {
  if (a->failed) return;
  a->failed = 1;
  bool pending = false;
  napi_is_exception_pending(a->env, &pending);
  if (pending) return;
  char message[256];
  snprintf(message, sizeof message, "%s: argument %zu (%s) must be %s", a->fn, i + 1, name, expected);
  napi_throw_type_error(a->env, NULL, message);
}

void ft_range_error(ft_args *a, const char *format, ...) {
  if (a->failed) return;
  a->failed = 1;
  bool pending = false;
  napi_is_exception_pending(a->env, &pending);
  if (pending) return;
  char detail[200];
  va_list list;
  va_start(list, format);
  vsnprintf(detail, sizeof detail, format, list);
  va_end(list);
  char message[256];
  snprintf(message, sizeof message, "%s: %s", a->fn, detail);
  napi_throw_range_error(a->env, NULL, message);
}

int ft_args_init(ft_args *a, napi_env env, napi_callback_info info, const char *fn, size_t expected) {
  a->env = env;
  a->fn = fn;
  a->failed = 0;
  a->argc = FT_MAX_ARGS;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) {
    a->failed = 1;
    napi_throw_error(env, NULL, "finetune native: could not read the call's arguments");
    return 0;
  }
  if (a->argc != expected) {
    char message[160];
    snprintf(message, sizeof message, "%s: expected %zu arguments, got %zu", fn, expected, a->argc);
    a->failed = 1;
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

static void *typed_array(ft_args *a, size_t i, const char *name, napi_typedarray_type want1,
                         napi_typedarray_type want2, const char *expected, int64_t *length) {
  *length = 0;
  if (a->failed) return NULL;
  bool is_typed = false;
  napi_is_typedarray(a->env, a->argv[i], &is_typed);
  if (!is_typed) {
    type_error(a, i, name, expected);
    return NULL;
  }
  napi_typedarray_type type;
  size_t count = 0;
  void *data = NULL;
  napi_value buffer;
  size_t byte_offset = 0;
  if (napi_get_typedarray_info(a->env, a->argv[i], &type, &count, &data, &buffer, &byte_offset) != napi_ok ||
      (type != want1 && type != want2)) {
    type_error(a, i, name, expected);
    return NULL;
  }
  *length = (int64_t)count;
  return data;
}

float *ft_arg_f32(ft_args *a, size_t i, const char *name, int64_t *length) {
  return typed_array(a, i, name, napi_float32_array, napi_float32_array, "a Float32Array", length);
}

float *ft_arg_f32_or_null(ft_args *a, size_t i, const char *name, int64_t *length) {
  *length = 0;
  if (a->failed) return NULL;
  napi_valuetype kind;
  napi_typeof(a->env, a->argv[i], &kind);
  if (kind == napi_null) return NULL;
  return typed_array(a, i, name, napi_float32_array, napi_float32_array, "a Float32Array or null", length);
}

int32_t *ft_arg_i32(ft_args *a, size_t i, const char *name, int64_t *length) {
  return typed_array(a, i, name, napi_int32_array, napi_int32_array, "an Int32Array", length);
}

void *ft_arg_any32(ft_args *a, size_t i, const char *name, int64_t *length) {
  return typed_array(a, i, name, napi_float32_array, napi_int32_array, "a Float32Array or an Int32Array", length);
}

double ft_arg_number(ft_args *a, size_t i, const char *name) {
  if (a->failed) return 0;
  double value = 0;
  if (napi_get_value_double(a->env, a->argv[i], &value) != napi_ok) {
    type_error(a, i, name, "a number");
    return 0;
  }
  return value;
}

int64_t ft_arg_int(ft_args *a, size_t i, const char *name, int64_t min) {
  double value = ft_arg_number(a, i, name);
  if (a->failed) return 0;
  if (!isfinite(value) || value != floor(value) || value < (double)min || value > 9007199254740991.0) {
    char expected[64];
    snprintf(expected, sizeof expected, "an integer >= %lld", (long long)min);
    type_error(a, i, name, expected);
    return 0;
  }
  return (int64_t)value;
}

int ft_arg_bool(ft_args *a, size_t i, const char *name) {
  if (a->failed) return 0;
  bool value = false;
  if (napi_get_value_bool(a->env, a->argv[i], &value) != napi_ok) {
    type_error(a, i, name, "a boolean");
    return 0;
  }
  return value ? 1 : 0;
}

int64_t ft_arg_f32_list(ft_args *a, size_t i, const char *name, float ***pointers, int64_t **lengths) {
  *pointers = NULL;
  *lengths = NULL;
  if (a->failed) return -1;
  bool is_array = false;
  napi_is_array(a->env, a->argv[i], &is_array);
  uint32_t count = 0;
  if (!is_array || napi_get_array_length(a->env, a->argv[i], &count) != napi_ok) {
    type_error(a, i, name, "an array of Float32Arrays");
    return -1;
  }
  *pointers = malloc(sizeof(float *) * (count ? count : 1));
  *lengths = malloc(sizeof(int64_t) * (count ? count : 1));
  if (!*pointers || !*lengths) {
    ft_range_error(a, "out of memory");
    return -1;
  }
  for (uint32_t e = 0; e < count; e++) {
    napi_value element;
    bool is_typed = false;
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void *data = NULL;
    if (napi_get_element(a->env, a->argv[i], e, &element) == napi_ok) napi_is_typedarray(a->env, element, &is_typed);
    if (is_typed) napi_get_typedarray_info(a->env, element, &type, &length, &data, NULL, NULL);
    if (!is_typed || type != napi_float32_array) {
      char expected[96];
      snprintf(expected, sizeof expected, "an array of Float32Arrays (element %u is not)", e);
      type_error(a, i, name, expected);
      return -1;
    }
    (*pointers)[e] = data;
    (*lengths)[e] = (int64_t)length;
  }
  return count;
}

int ft_check_size(ft_args *a, const char *name, int64_t need, int64_t have) {
  if (a->failed) return 0;
  if (need > have) {
    ft_range_error(a, "%s needs %lld elements, has %lld", name, (long long)need, (long long)have);
    return 0;
  }
  return 1;
}

int64_t ft_gemm_span(int64_t batch, int64_t stride, int64_t rows, int64_t cols, int64_t ld) {
  if (batch <= 0 || rows <= 0 || cols <= 0) return 0;
  return (batch - 1) * stride + (rows - 1) * ld + cols;
}

int ft_arg_gemm(ft_args *a, ft_gemm_args *g) {
  g->trans_a = ft_arg_bool(a, 0, "transA");
  g->trans_b = ft_arg_bool(a, 1, "transB");
  g->batch = ft_arg_int(a, 2, "batch", 0);
  g->m = ft_arg_int(a, 3, "m", 0);
  g->n = ft_arg_int(a, 4, "n", 0);
  g->k = ft_arg_int(a, 5, "k", 0);
  g->alpha = (float)ft_arg_number(a, 6, "alpha");
  int64_t a_len, b_len, c_len;
  g->a = ft_arg_f32(a, 7, "a", &a_len);
  g->stride_a = ft_arg_int(a, 8, "strideA", 0);
  g->lda = ft_arg_int(a, 9, "lda", 0);
  g->b = ft_arg_f32(a, 10, "b", &b_len);
  g->stride_b = ft_arg_int(a, 11, "strideB", 0);
  g->ldb = ft_arg_int(a, 12, "ldb", 0);
  g->beta = (float)ft_arg_number(a, 13, "beta");
  g->c = ft_arg_f32(a, 14, "c", &c_len);
  g->stride_c = ft_arg_int(a, 15, "strideC", 0);
  g->ldc = ft_arg_int(a, 16, "ldc", 0);
  if (a->failed) return 0;
  int64_t a_rows = g->trans_a ? g->k : g->m, a_cols = g->trans_a ? g->m : g->k;
  int64_t b_rows = g->trans_b ? g->n : g->k, b_cols = g->trans_b ? g->k : g->n;
  if ((a_rows > 0 && a_cols > 0 && g->lda < a_cols) || (b_rows > 0 && b_cols > 0 && g->ldb < b_cols) || g->ldc < g->n) {
    ft_range_error(a, "leading dimension too small (lda %lld for %lld columns, ldb %lld for %lld, ldc %lld for %lld)",
                   (long long)g->lda, (long long)a_cols, (long long)g->ldb, (long long)b_cols, (long long)g->ldc,
                   (long long)g->n);
    return 0;
  }
  if (g->m > 0 && g->n > 0 && g->batch > 0) {
    if (!ft_check_size(a, "A", ft_gemm_span(g->batch, g->stride_a, a_rows, a_cols, g->lda), a_len)) return 0;
    if (!ft_check_size(a, "B", ft_gemm_span(g->batch, g->stride_b, b_rows, b_cols, g->ldb), b_len)) return 0;
    if (!ft_check_size(a, "C", ft_gemm_span(g->batch, g->stride_c, g->m, g->n, g->ldc), c_len)) return 0;
  }
  return 1;
}

int ft_check_strided(ft_args *a, const char *name, const int32_t *shape, const int32_t *strides, int64_t rank,
                     int64_t offset, int64_t length) {
  if (a->failed) return 0;
  int64_t low = offset, high = offset;
  for (int64_t d = 0; d < rank; d++) {
    if (shape[d] < 0) {
      ft_range_error(a, "shape[%lld] is negative (%d)", (long long)d, shape[d]);
      return 0;
    }
    if (shape[d] == 0) return 1; /* nothing is addressed */
    int64_t reach = (int64_t)(shape[d] - 1) * strides[d];
    if (reach < 0) low += reach;
    else high += reach;
  }
  if (low < 0 || high >= length) {
    ft_range_error(a, "%s: strided view reaches elements %lld..%lld of an array of %lld", name, (long long)low,
                   (long long)high, (long long)length);
    return 0;
  }
  return 1;
}

napi_value ft_undefined(napi_env env) {
  napi_value value;
  napi_get_undefined(env, &value);
  return value;
}

napi_value ft_string(napi_env env, const char *text) {
  napi_value value;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  return value;
}

napi_value ft_number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}
