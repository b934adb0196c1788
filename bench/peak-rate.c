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

/*
 * A function `name` that runs `step` (an update of acc##i from the operands x and y) on twelve accumulators for
 * ITERATIONS rounds and returns GFLOP/s at `flops` per instruction; the empty asm keeps the accumulators in registers
 * and the loop from being folded.
 */
#define RATE_FUNCTION(name, target_list, operand_type, operand_value, step, flops)                    \
  __attribute__((target(target_list))) static double name(void) {                                   \
    ACCUMULATORS(DECLARE)                                                                           \
    operand_type x = operand_value, y = operand_value;                                              \
    double start = seconds();                                                                       \
    for (long round = 0; round < ITERATIONS; round++) {                                             \
      ACCUMULATORS(step) ACCUMULATORS(KEEP)                                                         \
    }                                                                                               \
    double elapsed = seconds() - start;                                                             \
    __m512 total = _mm512_setzero_ps();                                                             \
    ACCUMULATORS(SUM)                                                                               \
    if (_mm512_reduce_add_ps(total) < 0) puts("");                                                  \
    return ITERATIONS * 12.0 * (flops) / elapsed / 1e9;                                             \
  }

#define DECLARE(i) __m512 acc##i = _mm512_setzero_ps();
#define KEEP(i) __asm__ volatile("" : "+v"(acc##i));
#define SUM(i) total = _mm512_add_ps(total, acc##i);
#define BF16_STEP(i) acc##i = _mm512_dpbf16_ps(acc##i, x, y);
#define FP32_STEP(i) acc##i = _mm512_fmadd_ps(x, y, acc##i);

/* Pairs of 1.0 in bf16 (0x3f80 each); 64 flops a vdpbf16ps (16 lanes x 2 products, each a multiply and an add). */
RATE_FUNCTION(bf16_rate, "avx512f,avx512bf16", __m512bh, (__m512bh)_mm512_set1_epi32(0x3f803f80), BF16_STEP, 64)
/* 32 flops a vfmadd231ps (16 lanes, a multiply and an add). */
RATE_FUNCTION(fp32_rate, "avx512f,fma", __m512, _mm512_set1_ps(1.0f), FP32_STEP, 32)

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
