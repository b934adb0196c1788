// Branch-free float32 exp, tanh and erf that gcc / clang vectorise inside plain loops (libm calls would not).
#ifndef FT_VECMATH_H
#define FT_VECMATH_H
#include <stdint.h>
#include <string.h>

static inline float ft_bits_to_float(int32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/*
 * e^x: x = n ln2 + r with |r| <= ln2 / 2, e^r by its degree-7 Taylor polynomial (error ~5e-9),
 * 2^n built in the exponent bits. 2^n is applied as 2^(n-1) * 2 so that n = 128 does not overflow early.
 * Below -86.5 the result flushes to 0 (no subnormals); above 88.72 it is +inf; NaN stays NaN.
 */
static inline float ft_expf(float x) {
  const float rounder = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
  float clamped = x < -86.5f ? -86.5f : x > 88.7f ? 88.7f : x;
  float shifted = clamped * 1.44269504f + rounder;
  float n = shifted - rounder;
  float r = clamped - n * 0.693145752f; /* ln2 split in two for an exact first product */
  r = r - n * 1.42860677e-6f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  float scale = ft_bits_to_float(((int32_t)n + 126) << 23);
  float y = p * scale * 2.0f;
  y = x < -86.5f ? 0.0f : y;
  y = x > 88.72f ? __builtin_inff() : y;
  return x != x ? x : y;
}

/*
 * tanh: odd Taylor series to x^15 below |x| = 0.55 (error < 3e-8 there), 1 - 2 / (e^(2|x|) + 1) above,
 * both computed and one selected so the loop stays branch-free.
 */
static inline float ft_tanhf(float x) {
  float ax = x < 0 ? -x : x;
  float x2 = x * x;
  float series = 6404582.0f / 10854718875.0f * -1.0f;
  series = series * x2 + 929569.0f / 638512875.0f;
  series = series * x2 - 21844.0f / 6081075.0f;
  series = series * x2 + 1382.0f / 155925.0f;
  series = series * x2 - 62.0f / 2835.0f;
  series = series * x2 + 17.0f / 315.0f;
  series = series * x2 - 2.0f / 15.0f;
  series = series * x2 + 1.0f / 3.0f;
  series = x - x * x2 * series;
  float e = ft_expf(2.0f * (ax > 20.0f ? 20.0f : ax));
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = x < 0 ? -big : big;
  return ax < 0.55f ? series : big;
}

/* erf(x) ~ x P(x^2) / Q(x^2) on [-4, 4], clamped to +-1 beyond; coefficients from native/tools/fit-erf.py. */
#define FT_ERF_P0 1.128379167e+00f
#define FT_ERF_P1 2.110959334e-01f
#define FT_ERF_P2 5.206825313e-02f
#define FT_ERF_P3 4.166100815e-03f
#define FT_ERF_P4 1.519308750e-04f
#define FT_ERF_P5 -1.968233314e-06f
#define FT_ERF_P6 1.916014567e-08f
#define FT_ERF_Q1 5.204095528e-01f
#define FT_ERF_Q2 1.196283266e-01f
#define FT_ERF_Q3 1.530875165e-02f
#define FT_ERF_Q4 1.065080171e-03f

/* Max |error| 4.3e-7 over the reals; relative error below 4e-7 for |x| < 0.5. */
static inline float ft_erff(float x) {
  float xc = x < -4.0f ? -4.0f : x > 4.0f ? 4.0f : x;
  float t = xc * xc;
  float num = FT_ERF_P6;
  num = num * t + FT_ERF_P5;
  num = num * t + FT_ERF_P4;
  num = num * t + FT_ERF_P3;
  num = num * t + FT_ERF_P2;
  num = num * t + FT_ERF_P1;
  num = num * t + FT_ERF_P0;
  float den = FT_ERF_Q4;
  den = den * t + FT_ERF_Q3;
  den = den * t + FT_ERF_Q2;
  den = den * t + FT_ERF_Q1;
  den = den * t + 1.0f;
  float y = xc * num / den;
  return y > 1.0f ? 1.0f : y < -1.0f ? -1.0f : y;
}

static inline float ft_max2(float x, float y) { return x > y ? x : y; }

/* The largest of 16 lanes, pairwise: four dependent compares where a running maximum made sixteen. */
static inline float ft_max_lanes16(const float *lanes) {
  float s[8];
  for (int l = 0; l < 8; l++) s[l] = ft_max2(lanes[l], lanes[l + 8]);
  return ft_max2(ft_max2(ft_max2(s[0], s[4]), ft_max2(s[1], s[5])), ft_max2(ft_max2(s[2], s[6]), ft_max2(s[3], s[7])));
}

/*
 * The largest of x[0..n) (NaN entries are skipped; -inf for none), in 16 independent lanes: a single running
 * maximum is a serial chain of compares that does not vectorise.
 */
static inline float ft_max_f32(const float *x, int64_t n) {
  float lanes[16];
  for (int l = 0; l < 16; l++) lanes[l] = -__builtin_inff();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; l++) lanes[l] = x[i + l] > lanes[l] ? x[i + l] : lanes[l];
  float max = -__builtin_inff();
  for (; i < n; i++) max = x[i] > max ? x[i] : max;
  return ft_max2(max, ft_max_lanes16(lanes));
}

#endif
