// Argument checking for the N-API entry points: typed arrays without copies, numbers, clear JS errors.
#ifndef FT_ARGS_H
#define FT_ARGS_H
#include <node_api.h>
#include <stdint.h>

#define FT_MAX_ARGS 24

/** The arguments of one call; the first failure throws and sets `failed`, later getters then do nothing. */
typedef struct {
  napi_env env;
  const char *fn;
  size_t argc;
  napi_value argv[FT_MAX_ARGS];
  int failed;
} ft_args;

/** Reads the call's arguments; throws a TypeError unless exactly `expected` were given. Returns 0 on failure. */
int ft_args_init(ft_args *a, napi_env env, napi_callback_info info, const char *fn, size_t expected);

float *ft_arg_f32(ft_args *a, size_t i, const char *name, int64_t *length);
/** A Float32Array or null (returns NULL with *length = 0 for null). */
float *ft_arg_f32_or_null(ft_args *a, size_t i, const char *name, int64_t *length);
int32_t *ft_arg_i32(ft_args *a, size_t i, const char *name, int64_t *length);
/** A Float32Array or an Int32Array: 4-byte elements. */
void *ft_arg_any32(ft_args *a, size_t i, const char *name, int64_t *length);
double ft_arg_number(ft_args *a, size_t i, const char *name);
/** An integer-valued number, at least `min`. */
int64_t ft_arg_int(ft_args *a, size_t i, const char *name, int64_t min);
int ft_arg_bool(ft_args *a, size_t i, const char *name);
/**
 * An array of Float32Arrays; fills pointers[] and lengths[] (malloc'd, caller frees both with free()).
 * Returns the count, or -1 on failure.
 */
int64_t ft_arg_f32_list(ft_args *a, size_t i, const char *name, float ***pointers, int64_t **lengths);

/** Throws a RangeError "fn: message" unless an exception is already pending; sets failed. */
void ft_range_error(ft_args *a, const char *format, ...);
/** Checks that `need` elements fit in an array of `have`; throws otherwise. Returns 1 when fine. */
int ft_check_size(ft_args *a, const char *name, int64_t need, int64_t have);
/**
 * Checks that every element addressed by offset + idx . strides over `shape` lies in [0, length).
 * Returns 1 when fine.
 */
int ft_check_strided(ft_args *a, const char *name, const int32_t *shape, const int32_t *strides, int64_t rank,
                     int64_t offset, int64_t length);

/** The 17 arguments of gemm and gemmBf16, in Backend.gemm's order. */
typedef struct {
  int trans_a, trans_b;
  int64_t batch, m, n, k;
  float alpha, beta;
  const float *a;
  int64_t stride_a, lda;
  const float *b;
  int64_t stride_b, ldb;
  float *c;
  int64_t stride_c, ldc;
} ft_gemm_args;

/** Elements a row-major [rows, cols] matrix with leading dimension ld spans, repeated `batch` times `stride` apart. */
int64_t ft_gemm_span(int64_t batch, int64_t stride, int64_t rows, int64_t cols, int64_t ld);

/** Reads a GEMM call's 17 arguments and checks the leading dimensions and array sizes; 0 (with an error thrown) on a bad one. */
int ft_arg_gemm(ft_args *a, ft_gemm_args *g);

napi_value ft_undefined(napi_env env);
/* A JavaScript string of the NUL-terminated UTF-8 text. */
napi_value ft_string(napi_env env, const char *text);
napi_value ft_number(napi_env env, double value);

#endif
