// What the bf16 kernels may use on this CPU (cpu-features.c).
#ifndef FT_CPU_FEATURES_H
#define FT_CPU_FEATURES_H

/* Where the AVX-512 (and AVX512-BF16) paths compile: x86-64 with GCC or Clang's target attributes and cpuid builtins. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FT_BF16_X86 1
#endif

/* 1 where cpuid reports AVX-512 and AVX512-BF16 and FINETUNE_CPU_FEATURES (when set) names both; detected once. */
int ft_cpu_avx512_bf16(void);

#endif
