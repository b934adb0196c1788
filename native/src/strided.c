// Strided kernels: broadcasting binary ops, where and copyStrided walk coalesced shapes row by row, threaded over
// rows; axpy and fill run flat.
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "pool.h"
#include "simd.h"

#define MAX_RANK 32
#define MAX_OPERANDS 3
#define ELEMENT_GRAIN 32768

/* Values of the Binary enum in src/backend/backend.ts. */
enum { ADD, SUB, MUL, DIV, EQUAL, GREATER, MAXIMUM, BINARY_COUNT };

typedef struct {
  int rank, operands;
  int64_t shape[MAX_RANK];
  int64_t strides[MAX_OPERANDS][MAX_RANK];
  int64_t base[MAX_OPERANDS];
  int64_t total, inner;
} loop_t;

/* Drops size-1 axes and merges neighbours every operand walks as one, so contiguous work becomes one long row. */
static void coalesce(loop_t *l, const int32_t *shape, int64_t rank, const int32_t *const *strides, int operands) {
  l->operands = operands;
  l->rank = 0;
  l->total = 1;
  for (int64_t d = 0; d < rank; d++) l->total *= shape[d];
  int64_t out_shape[MAX_RANK], out_strides[MAX_OPERANDS][MAX_RANK];
  int count = 0; /* built innermost first */
  for (int64_t d = rank - 1; d >= 0; d--) {
    if (shape[d] == 1) continue;
    int merge = count > 0;
    for (int o = 0; o < operands && merge; o++)
      if ((int64_t)strides[o][d] != out_strides[o][count - 1] * out_shape[count - 1]) merge = 0;
    if (merge) {
      out_shape[count - 1] *= shape[d];
    } else {
      out_shape[count] = shape[d];
      for (int o = 0; o < operands; o++) out_strides[o][count] = strides[o][d];
      count++;
    }
  }
  if (count == 0) {
    out_shape[0] = 1;
    for (int o = 0; o < operands; o++) out_strides[o][0] = 0;
    count = 1;
  }
  l->rank = count;
  for (int d = 0; d < count; d++) {
    l->shape[d] = out_shape[count - 1 - d];
    for (int o = 0; o < operands; o++) l->strides[o][d] = out_strides[o][count - 1 - d];
  }
  l->inner = l->shape[count - 1];
}

typedef void (*row_fn)(const void *ctx, int64_t out_start, const int64_t *offsets, int64_t count);

typedef struct {
  const loop_t *loop;
  row_fn row;
  const void *ctx;
  int64_t pieces, piece; /* each row cut into `pieces` runs of `piece` elements (the last shorter); 1, inner: whole */
} walk_ctx;

/* Each operand's offset of row `row` (by division), and the row's multi-index over the outer axes. */
static void row_offsets(const loop_t *l, int64_t row, int64_t *index, int64_t *offsets) {
  for (int o = 0; o < l->operands; o++) offsets[o] = l->base[o];
  for (int d = l->rank - 2; d >= 0; d--) {
    index[d] = row % l->shape[d];
    row /= l->shape[d];
    for (int o = 0; o < l->operands; o++) offsets[o] += index[d] * l->strides[o][d];
  }
}

/* Rows [begin, end) of the loop: the multi-index of the first row by division, then an odometer. */
static void walk_rows(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const walk_ctx *w = p;
  const loop_t *l = w->loop;
  int64_t index[MAX_RANK] = {0}, offsets[MAX_OPERANDS];
  row_offsets(l, begin, index, offsets);
  for (int64_t row = begin; row < end; row++) {
    w->row(w->ctx, row * l->inner, offsets, l->inner);
    for (int d = l->rank - 2; d >= 0; d--) {
      index[d]++;
      for (int o = 0; o < l->operands; o++) offsets[o] += l->strides[o][d];
      if (index[d] < l->shape[d]) break;
      index[d] = 0;
      for (int o = 0; o < l->operands; o++) offsets[o] -= l->strides[o][d] * l->shape[d];
    }
  }
}

/* Units [begin, end) of rows cut into pieces: each unit's row offsets by division, then its run of the row. */
static void walk_pieces(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const walk_ctx *w = p;
  const loop_t *l = w->loop;
  int64_t index[MAX_RANK], offsets[MAX_OPERANDS];
  for (int64_t unit = begin; unit < end; unit++) {
    int64_t row = unit / w->pieces, first = unit % w->pieces * w->piece;
    int64_t count = l->inner - first < w->piece ? l->inner - first : w->piece;
    row_offsets(l, row, index, offsets);
    for (int o = 0; o < l->operands; o++) offsets[o] += first * l->strides[o][l->rank - 1];
    w->row(w->ctx, row * l->inner + first, offsets, count);
  }
}

/*
 * Runs of a row when rows are long: a contiguous op coalesces into a single row, which threaded over rows ran on one
 * thread whatever its size (a residual add of [16, 128, 768] included). Parts are then at least two runs.
 */
#define PIECE 8192

static void run_loop(const loop_t *l, row_fn row, const void *ctx) {
  if (l->total == 0) return;
  int64_t rows = l->total / l->inner;
  if (l->inner >= 2 * PIECE) {
    int64_t pieces = (l->inner + PIECE - 1) / PIECE;
    walk_ctx w = {l, row, ctx, pieces, (l->inner + pieces - 1) / pieces};
    ft_parallel_for(rows * pieces, 2, walk_pieces, &w);
    return;
  }
  walk_ctx w = {l, row, ctx, 1, l->inner};
  int64_t grain = ELEMENT_GRAIN / l->inner + 1;
  ft_parallel_for(rows, grain, walk_rows, &w);
}

typedef struct {
  int op;
  const float *a, *b, *cond;
  float *out;
  int64_t step[MAX_OPERANDS];
} binary_ctx;

#define BINARY_LOOP(expr)                                                     \
  if (sa == 1 && sb == 1) {                                                   \
    for (int64_t i = 0; i < count; i++) { float x = a[i], y = b[i]; out[i] = (expr); } \
  } else if (sa == 1 && sb == 0) {                                            \
    const float y = b[0];                                                     \
    for (int64_t i = 0; i < count; i++) { float x = a[i]; out[i] = (expr); } \
  } else if (sa == 0 && sb == 1) {                                            \
    const float x = a[0];                                                     \
    for (int64_t i = 0; i < count; i++) { float y = b[i]; out[i] = (expr); } \
  } else {                                                                    \
    for (int64_t i = 0; i < count; i++) { float x = a[i * sa], y = b[i * sb]; out[i] = (expr); } \
  }

FT_MULTIVERSION static void binary_row(const void *p, int64_t out_start, const int64_t *offsets, int64_t count) {
  const binary_ctx *c = p;
  const float *a = c->a + offsets[0], *b = c->b + offsets[1];
  float *out = c->out + out_start;
  const int64_t sa = c->step[0], sb = c->step[1];
  switch (c->op) {
    case ADD: BINARY_LOOP(x + y) break;
    case SUB: BINARY_LOOP(x - y) break;
    case MUL: BINARY_LOOP(x * y) break;
    case DIV: BINARY_LOOP(x / y) break;
    case EQUAL: BINARY_LOOP(x == y ? 1.0f : 0.0f) break;
    case GREATER: BINARY_LOOP(x > y ? 1.0f : 0.0f) break;
    /* NaN in either operand propagates, as in torch.maximum. */
    case MAXIMUM: BINARY_LOOP(x > y || x != x ? x : y) break;
  }
}

static void where_row(const void *p, int64_t out_start, const int64_t *offsets, int64_t count) {
  const binary_ctx *c = p;
  const float *cond = c->cond + offsets[0], *a = c->a + offsets[1], *b = c->b + offsets[2];
  float *out = c->out + out_start;
  const int64_t sc = c->step[0], sa = c->step[1], sb = c->step[2];
  for (int64_t i = 0; i < count; i++) out[i] = cond[i * sc] != 0.0f ? a[i * sa] : b[i * sb];
}

typedef struct {
  const int32_t *src;
  int32_t *dst;
  int64_t step;
} copy_ctx;

static void copy_row(const void *p, int64_t out_start, const int64_t *offsets, int64_t count) {
  const copy_ctx *c = p;
  const int32_t *src = c->src + offsets[0];
  int32_t *dst = c->dst + out_start;
  if (c->step == 1) memmove(dst, src, (size_t)count * sizeof(int32_t));
  else for (int64_t i = 0; i < count; i++) dst[i] = src[i * c->step];
}

/* Reads shape and the strides arguments; checks ranks and that every operand stays inside its array. */
static int read_shape(ft_args *a, size_t shape_arg, const int32_t **shape, int64_t *rank, int64_t *total) {
  *shape = ft_arg_i32(a, shape_arg, "shape", rank);
  if (a->failed) return 0;
  if (*rank > MAX_RANK) {
    ft_range_error(a, "rank %lld exceeds %d", (long long)*rank, MAX_RANK);
    return 0;
  }
  *total = 1;
  for (int64_t d = 0; d < *rank; d++) {
    if ((*shape)[d] < 0) {
      ft_range_error(a, "shape[%lld] is negative (%d)", (long long)d, (*shape)[d]);
      return 0;
    }
    *total *= (*shape)[d];
  }
  return 1;
}

static const int32_t *read_strides(ft_args *a, size_t arg, const char *name, int64_t rank) {
  int64_t length;
  const int32_t *strides = ft_arg_i32(a, arg, name, &length);
  if (!a->failed && length != rank)
    ft_range_error(a, "%s has %lld entries for a shape of rank %lld", name, (long long)length, (long long)rank);
  return strides;
}

napi_value ft_bind_binary(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "binary", 7)) return NULL;
  binary_ctx c = {0};
  int64_t op = ft_arg_int(&a, 0, "op", 0), rank, total, a_len, b_len, out_len;
  if (!a.failed && op >= BINARY_COUNT) ft_range_error(&a, "unknown op %lld", (long long)op);
  c.op = (int)op;
  const int32_t *shape;
  if (!read_shape(&a, 1, &shape, &rank, &total)) return NULL;
  c.a = ft_arg_f32(&a, 2, "a", &a_len);
  const int32_t *a_strides = read_strides(&a, 3, "aStrides", rank);
  c.b = ft_arg_f32(&a, 4, "b", &b_len);
  const int32_t *b_strides = read_strides(&a, 5, "bStrides", rank);
  c.out = ft_arg_f32(&a, 6, "out", &out_len);
  if (!ft_check_strided(&a, "a", shape, a_strides, rank, 0, a_len) ||
      !ft_check_strided(&a, "b", shape, b_strides, rank, 0, b_len) || !ft_check_size(&a, "out", total, out_len))
    return NULL;
  const int32_t *strides[2] = {a_strides, b_strides};
  loop_t l;
  coalesce(&l, shape, rank, strides, 2);
  l.base[0] = l.base[1] = 0;
  c.step[0] = l.strides[0][l.rank - 1];
  c.step[1] = l.strides[1][l.rank - 1];
  run_loop(&l, binary_row, &c);
  return ft_undefined(env);
}

napi_value ft_bind_where(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "where", 8)) return NULL;
  binary_ctx c = {0};
  int64_t rank, total, c_len, a_len, b_len, out_len;
  const int32_t *shape;
  if (!read_shape(&a, 0, &shape, &rank, &total)) return NULL;
  c.cond = ft_arg_f32(&a, 1, "cond", &c_len);
  const int32_t *c_strides = read_strides(&a, 2, "cStrides", rank);
  c.a = ft_arg_f32(&a, 3, "a", &a_len);
  const int32_t *a_strides = read_strides(&a, 4, "aStrides", rank);
  c.b = ft_arg_f32(&a, 5, "b", &b_len);
  const int32_t *b_strides = read_strides(&a, 6, "bStrides", rank);
  c.out = ft_arg_f32(&a, 7, "out", &out_len);
  if (!ft_check_strided(&a, "cond", shape, c_strides, rank, 0, c_len) ||
      !ft_check_strided(&a, "a", shape, a_strides, rank, 0, a_len) ||
      !ft_check_strided(&a, "b", shape, b_strides, rank, 0, b_len) || !ft_check_size(&a, "out", total, out_len))
    return NULL;
  const int32_t *strides[3] = {c_strides, a_strides, b_strides};
  loop_t l;
  coalesce(&l, shape, rank, strides, 3);
  for (int o = 0; o < 3; o++) {
    l.base[o] = 0;
    c.step[o] = l.strides[o][l.rank - 1];
  }
  run_loop(&l, where_row, &c);
  return ft_undefined(env);
}

napi_value ft_bind_copy_strided(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "copyStrided", 6)) return NULL;
  int64_t rank, total, src_len, dst_len;
  const int32_t *shape;
  if (!read_shape(&a, 0, &shape, &rank, &total)) return NULL;
  copy_ctx c;
  c.src = ft_arg_any32(&a, 1, "src", &src_len);
  int64_t src_offset = ft_arg_int(&a, 2, "srcOffset", 0);
  const int32_t *src_strides = read_strides(&a, 3, "srcStrides", rank);
  c.dst = ft_arg_any32(&a, 4, "dst", &dst_len);
  int64_t dst_offset = ft_arg_int(&a, 5, "dstOffset", 0);
  if (!ft_check_strided(&a, "src", shape, src_strides, rank, src_offset, src_len) ||
      !ft_check_size(&a, "dst (from dstOffset)", dst_offset + total, dst_len))
    return NULL;
  const int32_t *strides[1] = {src_strides};
  loop_t l;
  coalesce(&l, shape, rank, strides, 1);
  l.base[0] = src_offset;
  c.dst += dst_offset;
  c.step = l.strides[0][l.rank - 1];
  run_loop(&l, copy_row, &c);
  return ft_undefined(env);
}

typedef struct {
  float alpha;
  const float *x;
  float *y;
} flat_ctx;

FT_MULTIVERSION static void axpy_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const flat_ctx *c = p;
  for (int64_t i = begin; i < end; i++) c->y[i] += c->alpha * c->x[i];
}

static void fill_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const flat_ctx *c = p;
  for (int64_t i = begin; i < end; i++) c->y[i] = c->alpha;
}

napi_value ft_bind_axpy(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "axpy", 3)) return NULL;
  flat_ctx c;
  int64_t n, y_len;
  c.alpha = (float)ft_arg_number(&a, 0, "alpha");
  c.x = ft_arg_f32(&a, 1, "x", &n);
  c.y = ft_arg_f32(&a, 2, "y", &y_len);
  if (!ft_check_size(&a, "y", n, y_len)) return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN, axpy_range, &c);
  return ft_undefined(env);
}

napi_value ft_bind_fill(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "fill", 2)) return NULL;
  flat_ctx c = {0};
  int64_t n;
  c.y = ft_arg_f32(&a, 0, "x", &n);
  c.alpha = (float)ft_arg_number(&a, 1, "value");
  if (a.failed) return NULL;
  ft_parallel_for(n, ELEMENT_GRAIN * 4, fill_range, &c);
  return ft_undefined(env);
}
