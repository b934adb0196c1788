// The 16 x 16 transpose of AVX-512 registers shared by the transposing packs of the float32 and bf16 GEMMs (x86 only).
#ifndef FT_TRANSPOSE16_H
#define FT_TRANSPOSE16_H
#include <immintrin.h>

/* Transposes 16 rows of 16 floats in registers: on return r[q] holds element q of every input row. */
__attribute__((target("avx512f"))) static inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  /* u[4g + e] holds, in 128-bit lane L, element 4L + e of rows 4g..4g+3. */
  for (int e = 0; e < 4; e++) {
    __m512 even01 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88), odd01 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xDD);
    __m512 even23 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88), odd23 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xDD);
    r[e] = _mm512_shuffle_f32x4(even01, even23, 0x88);
    r[8 + e] = _mm512_shuffle_f32x4(even01, even23, 0xDD);
    r[4 + e] = _mm512_shuffle_f32x4(odd01, odd23, 0x88);
    r[12 + e] = _mm512_shuffle_f32x4(odd01, odd23, 0xDD);
  }
}

#endif
