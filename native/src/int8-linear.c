// Dynamic int8 linear layers for inference: x quantised per tensor to uint8, int8 weights per output channel,
// integer products (AVX-512 VNNI vpdpbusd where the CPU has it, chosen through cpuid; portable C otherwise).
//
// Weights come packed (src/backend/int8-pack.ts): columns in blocks of 16, k in groups of 4, so one 32-bit
// word holds w[j][4g .. 4g+3] and one 64-byte line holds that group for the block's 16 columns.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "args.h"
#include "bindings.h"
#include "pool.h"

#define ROWS 8
#define BLOCK 16

typedef struct {
  const uint8_t *xq; /* [mp, kp] */
  const int32_t *w;  /* packed words [nblocks][kp / 4][16] */
  const float *w_scale;
  const int32_t *col_sums;
  const float *bias;
  float *out;
  int64_t m, mp, kp, n;
  float x_scale;
  int32_t x_zero;
} int8_ctx;

/** Writes out[r, j] for one 8-row, 16-column tile from its integer sums. */
static void store_tile(const int8_ctx *c, int64_t row, int64_t col, const int32_t acc[ROWS][BLOCK]) {
  for (int r = 0; r < ROWS && row + r < c->m; r++) {
    float *o = c->out + (row + r) * c->n;
    for (int j = 0; j < BLOCK && col + j < c->n; j++) {
      const float scale = c->x_scale * c->w_scale[col + j];
      const float value = (float)(acc[r][j] - c->x_zero * c->col_sums[col + j]) * scale;
      o[col + j] = c->bias ? value + c->bias[col + j] : value;
    }
  }
}

static void tile_portable(const int8_ctx *c, int64_t row, int64_t block) {
  int32_t acc[ROWS][BLOCK] = {{0}};
  const int64_t groups = c->kp / 4;
  const int8_t *w = (const int8_t *)(c->w + block * groups * BLOCK);
  for (int r = 0; r < ROWS; r++) {
    const uint8_t *x = c->xq + (row + r) * c->kp;
    for (int64_t g = 0; g < groups; g++) {
      const int8_t *wg = w + g * BLOCK * 4;
      for (int j = 0; j < BLOCK; j++) {
        acc[r][j] += x[4 * g] * wg[4 * j] + x[4 * g + 1] * wg[4 * j + 1] + x[4 * g + 2] * wg[4 * j + 2] + x[4 * g + 3] * wg[4 * j + 3];
      }
    }
  }
  store_tile(c, row, block * BLOCK, acc);
}

#if defined(__x86_64__)
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

/** Dequantises 16 sums of columns [col, col + 16) of row `row` into out, masked at the right edge. */
VNNI_TARGET static inline void store_vnni(const int8_ctx *c, int64_t row, int64_t col, __m512i acc) {
  if (row >= c->m || col >= c->n) return;
  const int64_t left = c->n - col;
  const __mmask16 keep = left >= BLOCK ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
  const __m512i sums = _mm512_maskz_loadu_epi32(keep, c->col_sums + col);
  const __m512i centred = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(c->x_zero), sums));
  const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(c->x_scale), _mm512_maskz_loadu_ps(keep, c->w_scale + col));
  __m512 value = _mm512_mul_ps(_mm512_cvtepi32_ps(centred), scale);
  if (c->bias) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(keep, c->bias + col));
  _mm512_mask_storeu_ps(c->out + row * c->n + col, keep, value);
}

/*
 * 8 rows by 1 or 2 column blocks: each weight line is loaded once per 8 rows, each input word once per 2 blocks.
 * The accumulators are named variables, not arrays: with arrays GCC shuffled them through extra registers and the
 * stack every step, which ran the loop at a third of vpdpbusd's rate.
 */
#define FT_ROWS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define FT_X_WORD(r) _mm512_set1_epi32(x_word(x + (r) * kp + 4 * g))

static inline int32_t x_word(const uint8_t *at) {
  int32_t word;
  memcpy(&word, at, 4);
  return word;
}

VNNI_TARGET static void tile_vnni_2(const int8_ctx *c, int64_t row, int64_t block) {
#define FT_DECLARE(r) __m512i lo##r = _mm512_setzero_si512(), hi##r = _mm512_setzero_si512();
  FT_ROWS8(FT_DECLARE)
#undef FT_DECLARE
  const int64_t groups = c->kp / 4, kp = c->kp;
  const int32_t *w0 = c->w + block * groups * BLOCK, *w1 = w0 + groups * BLOCK;
  const uint8_t *x = c->xq + row * kp;
  for (int64_t g = 0; g < groups; g++) {
    const __m512i b0 = _mm512_loadu_si512((const void *)(w0 + g * BLOCK));
    const __m512i b1 = _mm512_loadu_si512((const void *)(w1 + g * BLOCK));
#define FT_STEP(r)                                  \
  {                                                 \
    const __m512i a = FT_X_WORD(r);                 \
    lo##r = _mm512_dpbusd_epi32(lo##r, a, b0);      \
    hi##r = _mm512_dpbusd_epi32(hi##r, a, b1);      \
  }
    FT_ROWS8(FT_STEP)
#undef FT_STEP
  }
#define FT_STORE(r)                                       \
  store_vnni(c, row + (r), block * BLOCK, lo##r);         \
  store_vnni(c, row + (r), (block + 1) * BLOCK, hi##r);
  FT_ROWS8(FT_STORE)
#undef FT_STORE
}

VNNI_TARGET static void tile_vnni_1(const int8_ctx *c, int64_t row, int64_t block) {
#define FT_DECLARE(r) __m512i lo##r = _mm512_setzero_si512();
  FT_ROWS8(FT_DECLARE)
#undef FT_DECLARE
  const int64_t groups = c->kp / 4, kp = c->kp;
  const int32_t *w0 = c->w + block * groups * BLOCK;
  const uint8_t *x = c->xq + row * kp;
  for (int64_t g = 0; g < groups; g++) {
    const __m512i b0 = _mm512_loadu_si512((const void *)(w0 + g * BLOCK));
#define FT_STEP(r) lo##r = _mm512_dpbusd_epi32(lo##r, FT_X_WORD(r), b0);
    FT_ROWS8(FT_STEP)
#undef FT_STEP
  }
#define FT_STORE(r) store_vnni(c, row + (r), block * BLOCK, lo##r);
  FT_ROWS8(FT_STORE)
#undef FT_STORE
}
#undef FT_X_WORD
#undef FT_ROWS8

VNNI_TARGET static void tile_vnni(const int8_ctx *c, int64_t row, int64_t block, int blocks) {
  if (blocks == 2)
    tile_vnni_2(c, row, block);
  else
    tile_vnni_1(c, row, block);
}

/** min and max of x with AVX-512 (the scalar loop does not vectorise without -ffast-math). */
VNNI_TARGET static void range_vnni(const float *x, int64_t count, float *lo, float *hi) {
  __m512 vlo = _mm512_setzero_ps(), vhi = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    vlo = _mm512_min_ps(vlo, v);
    vhi = _mm512_max_ps(vhi, v);
  }
  float l = _mm512_reduce_min_ps(vlo), h = _mm512_reduce_max_ps(vhi);
  for (; i < count; i++) {
    if (x[i] < l) l = x[i];
    if (x[i] > h) h = x[i];
  }
  *lo = l;
  *hi = h;
}

/** One row: q = saturate(rint(x / s) + z) with the division and rounding of the scalar code. */
VNNI_TARGET static void quantize_row_vnni(const float *x, int64_t k, float s, int32_t z, uint8_t *out) {
  const __m512 vs = _mm512_set1_ps(s);
  const __m512i vz = _mm512_set1_epi32(z);
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m512 q = _mm512_roundscale_ps(_mm512_div_ps(_mm512_loadu_ps(x + i), vs), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(q), vz);
    const __m512i clamped = _mm512_max_epi32(_mm512_min_epi32(v, _mm512_set1_epi32(255)), _mm512_setzero_si512());
    _mm_storeu_si128((__m128i *)(out + i), _mm512_cvtepi32_epi8(clamped));
  }
  for (; i < k; i++) {
    const float q = nearbyintf(x[i] / s) + (float)z;
    out[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
  }
}
#endif

static int has_vnni(void) {
#if defined(__x86_64__)
  static int known = -1;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
  }
  return known;
#else
  return 0;
#endif
}

/** Pairs of column blocks [begin, end): every row tile of each, so a thread reuses its weights across rows. */
static void int8_blocks(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const int8_ctx *c = p;
  const int64_t blocks = (c->n + BLOCK - 1) / BLOCK;
  const int vnni = has_vnni();
  for (int64_t pair = begin; pair < end; pair++) {
    const int64_t block = 2 * pair;
    const int count = block + 1 < blocks ? 2 : 1;
    for (int64_t row = 0; row < c->mp; row += ROWS) {
#if defined(__x86_64__)
      if (vnni) {
        tile_vnni(c, row, block, count);
        continue;
      }
#endif
      for (int b = 0; b < count; b++) tile_portable(c, row, block + b);
    }
  }
}

typedef struct {
  const float *x;
  int64_t k, kp;
  uint8_t *xq;
  float scale;
  int32_t zero;
  float lo[FT_MAX_THREADS], hi[FT_MAX_THREADS];
} quantize_ctx;

/** Rows [begin, end): their min and max into part `part`'s slot. */
static void range_rows(void *p, int64_t begin, int64_t end, int part) {
  quantize_ctx *q = p;
  float lo = 0, hi = 0;
  const float *x = q->x + begin * q->k;
  const int64_t count = (end - begin) * q->k;
#if defined(__x86_64__)
  if (has_vnni()) {
    range_vnni(x, count, &lo, &hi);
    lo = lo < 0 ? lo : 0;
    hi = hi > 0 ? hi : 0;
  } else
#endif
    for (int64_t i = 0; i < count; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
  q->lo[part] = lo;
  q->hi[part] = hi;
}

static void quantize_range(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const quantize_ctx *q = p;
  const float s = q->scale;
  for (int64_t r = begin; r < end; r++) {
#if defined(__x86_64__)
    if (s > 0 && has_vnni()) {
      quantize_row_vnni(q->x + r * q->k, q->k, s, q->zero, q->xq + r * q->kp);
      continue;
    }
#endif
    for (int64_t i = 0; i < q->k; i++) {
      const float v = s > 0 ? nearbyintf(q->x[r * q->k + i] / s) + (float)q->zero : (float)q->zero;
      q->xq[r * q->kp + i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
}

/** DynamicQuantizeLinear: scale over [min(x, 0), max(x, 0)], zero point and values rounded half to even; threaded over rows. */
static void quantize_rows(const float *x, int64_t m, int64_t k, int64_t kp, uint8_t *xq, float *scale, int32_t *zero) {
  quantize_ctx *q = calloc(1, sizeof *q);
  if (!q) {
    /* Too little memory for the small context: one part on this thread. */
    quantize_ctx local = {.x = x, .k = k, .kp = kp, .xq = xq};
    range_rows(&local, 0, m, 0);
    local.scale = (local.hi[0] - local.lo[0]) / 255.0f;
    const float zp = local.scale > 0 ? nearbyintf(-local.lo[0] / local.scale) : 0;
    local.zero = zp < 0 ? 0 : zp > 255 ? 255 : (int32_t)zp;
    quantize_range(&local, 0, m, 0);
    *scale = local.scale;
    *zero = local.zero;
    return;
  }
  q->x = x;
  q->k = k;
  q->kp = kp;
  q->xq = xq;
  const int64_t grain = 16384 / (k + 1) + 1;
  const int parts = ft_parts(m, grain);
  ft_parallel_for(m, grain, range_rows, q);
  float lo = 0, hi = 0;
  for (int part = 0; part < parts; part++) {
    if (q->lo[part] < lo) lo = q->lo[part];
    if (q->hi[part] > hi) hi = q->hi[part];
  }
  q->scale = (hi - lo) / 255.0f;
  const float zp = q->scale > 0 ? nearbyintf(-lo / q->scale) : 0;
  q->zero = zp < 0 ? 0 : zp > 255 ? 255 : (int32_t)zp;
  ft_parallel_for(m, grain, quantize_range, q);
  *scale = q->scale;
  *zero = q->zero;
  free(q);
}

napi_value ft_bind_linear_int8(napi_env env, napi_callback_info info) {
  ft_args a;
  if (!ft_args_init(&a, env, info, "linearInt8", 9)) return NULL;
  int8_ctx c = {0};
  int64_t x_len, w_len, scale_len, sums_len, bias_len, out_len;
  const float *x = ft_arg_f32(&a, 0, "x", &x_len);
  c.m = ft_arg_int(&a, 1, "m", 0);
  const int64_t k = ft_arg_int(&a, 2, "k", 1);
  c.w = ft_arg_i32(&a, 3, "packed", &w_len);
  c.n = ft_arg_int(&a, 4, "n", 1);
  c.w_scale = ft_arg_f32(&a, 5, "wScale", &scale_len);
  c.col_sums = ft_arg_i32(&a, 6, "colSums", &sums_len);
  c.bias = ft_arg_f32_or_null(&a, 7, "bias", &bias_len);
  c.out = ft_arg_f32(&a, 8, "out", &out_len);
  if (a.failed) return NULL;
  c.kp = (k + 3) / 4 * 4;
  const int64_t blocks = (c.n + BLOCK - 1) / BLOCK;
  if (!ft_check_size(&a, "x", c.m * k, x_len) || !ft_check_size(&a, "packed", blocks * (c.kp / 4) * BLOCK, w_len) ||
      !ft_check_size(&a, "wScale", c.n, scale_len) || !ft_check_size(&a, "colSums", c.n, sums_len) ||
      (c.bias && !ft_check_size(&a, "bias", c.n, bias_len)) || !ft_check_size(&a, "out", c.m * c.n, out_len))
    return NULL;
  if (c.m == 0) return ft_undefined(env);
  c.mp = (c.m + ROWS - 1) / ROWS * ROWS;
  /* Not zeroed: the padding columns meet zero weights, and the padding rows' sums are never stored. */
  uint8_t *xq = malloc((size_t)(c.mp * c.kp));
  if (!xq) {
    ft_range_error(&a, "out of memory for %lld x %lld quantised inputs", (long long)c.mp, (long long)c.kp);
    return NULL;
  }
  quantize_rows(x, c.m, k, c.kp, xq, &c.x_scale, &c.x_zero);
  c.xq = xq;
  ft_parallel_for((blocks + 1) / 2, 1, int8_blocks, &c);
  free(xq);
  return ft_undefined(env);
}
