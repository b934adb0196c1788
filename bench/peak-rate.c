// One core's peak rate of vdpbf16ps (AVX512-BF16) against vfmadd231ps (AVX-512 float32): the ceiling on how much a
// product gains from bf16 operands on this CPU, whatever the GEMM around the instruction.
//
// Usage: gcc -O2 bench/peak-rate.c -o /tmp/peak-rate && /tmp/peak-rate [rounds]
// Twelve independent accumulators each (enough to cover the instructions' latency at two a cycle); GFLOP/s counts a
// multiply and an add per product: 64 a vdpbf16ps on 512 bits (16 lanes x 2 pairs), 32 a vfmadd231ps.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERATIONS 200000000L
#define ACCUMULATORS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Keeps the accumulators live in registers without the compiler folding the loop. */
#define KEEP(i) __asm__ volatile("" : "+v"(acc##i));
#define DECLARE(i) __m512 acc##i = _mm512_setzero_ps();
#define SUM(i) total = _mm512_add_ps(total, acc##i);

__attribute__((target("avx512f,avx512bf16"))) static double bf16_rate(void) {
  ACCUMULATORS(DECLARE)
  __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80), y = x; /* pairs of 1.0 */
  double start = seconds();
  for (long i = 0; i < ITERATIONS; i++) {
#define STEP(i) acc##i = _mm512_dpbf16_ps(acc##i, x, y);
    ACCUMULATORS(STEP) ACCUMULATORS(KEEP)
#undef STEP
  }
  double elapsed = seconds() - start;
  __m512 total = _mm512_setzero_ps();
  ACCUMULATORS(SUM)
  if (_mm512_reduce_add_ps(total) < 0) puts("");
  return ITERATIONS * 12.0 * 64 / elapsed / 1e9;
}

__attribute__((target("avx512f,fma"))) static double fp32_rate(void) {
  ACCUMULATORS(DECLARE)
  __m512 x = _mm512_set1_ps(1.0f), y = x;
  double start = seconds();
  for (long i = 0; i < ITERATIONS; i++) {
#define STEP(i) acc##i = _mm512_fmadd_ps(x, y, acc##i);
    ACCUMULATORS(STEP) ACCUMULATORS(KEEP)
#undef STEP
  }
  double elapsed = seconds() - start;
  __m512 total = _mm512_setzero_ps();
  ACCUMULATORS(SUM)
  if (_mm512_reduce_add_ps(total) < 0) puts("");
  return ITERATIONS * 12.0 * 32 / elapsed / 1e9;
}

int main(int argc, char **argv) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bf16")) {
    fprintf(stderr, "peak-rate: this CPU lacks AVX-512 or AVX512-BF16\n");
    return 1;
  }
  int rounds = argc > 1 ? atoi(argv[1]) : 5;
  for (int r = 0; r < rounds; r++) {
    double bf16 = bf16_rate(), fp32 = fp32_rate();
    printf("vdpbf16ps %.1f GFLOP/s, vfmadd231ps %.1f GFLOP/s: the same work takes at least %.3fx the time in bf16\n", bf16,
           fp32, fp32 / bf16);
  }
  return 0;
}
