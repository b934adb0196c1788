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
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void tile_vnni(const int8_ctx *c, int64_t row, int64_t block) {
  __m512i acc[ROWS];
  for (int r = 0; r < ROWS; r++) acc[r] = _mm512_setzero_si512();
  const int64_t groups = c->kp / 4;
  const int32_t *w = c->w + block * groups * BLOCK;
  const uint8_t *x = c->xq + row * c->kp;
  for (int64_t g = 0; g < groups; g++) {
    const __m512i wg = _mm512_loadu_si512((const void *)(w + g * BLOCK));
    for (int r = 0; r < ROWS; r++) {
      int32_t word;
      memcpy(&word, x + r * c->kp + 4 * g, 4);
      acc[r] = _mm512_dpbusd_epi32(acc[r], _mm512_set1_epi32(word), wg);
    }
  }
  int32_t out[ROWS][BLOCK];
  for (int r = 0; r < ROWS; r++) _mm512_storeu_si512((void *)out[r], acc[r]);
  store_tile(c, row, block * BLOCK, out);
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

/** Column blocks [begin, end): every row tile of each, so a thread reuses its weights across rows. */
static void int8_blocks(void *p, int64_t begin, int64_t end, int part) {
  (void)part;
  const int8_ctx *c = p;
  const int vnni = has_vnni();
  for (int64_t block = begin; block < end; block++) {
    for (int64_t row = 0; row < c->mp; row += ROWS) {
#if defined(__x86_64__)
      if (vnni) {
        tile_vnni(c, row, block);
        continue;
      }
#endif
      tile_portable(c, row, block);
    }
  }
}

/** DynamicQuantizeLinear: scale over [min(x, 0), max(x, 0)], zero point and values rounded half to even. */
static void quantize_rows(const float *x, int64_t m, int64_t k, int64_t kp, uint8_t *xq, float *scale, int32_t *zero) {
  float lo = 0, hi = 0;
  for (int64_t i = 0; i < m * k; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const float s = (hi - lo) / 255.0f;
  const float zp = s > 0 ? nearbyintf(-lo / s) : 0;
  const int32_t z = zp < 0 ? 0 : zp > 255 ? 255 : (int32_t)zp;
  for (int64_t r = 0; r < m; r++) {
    for (int64_t i = 0; i < k; i++) {
      const float q = s > 0 ? nearbyintf(x[r * k + i] / s) + (float)z : (float)z;
      xq[r * kp + i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
  }
  *scale = s;
  *zero = z;
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
  uint8_t *xq = calloc((size_t)(c.mp * c.kp), 1);
  if (!xq) {
    ft_range_error(&a, "out of memory for %lld x %lld quantised inputs", (long long)c.mp, (long long)c.kp);
    return NULL;
  }
  quantize_rows(x, c.m, k, c.kp, xq, &c.x_scale, &c.x_zero);
  c.xq = xq;
  ft_parallel_for(blocks, 1, int8_blocks, &c);
  free(xq);
  return ft_undefined(env);
}
