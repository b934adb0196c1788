// FT_MULTIVERSION: compiles a hot loop for AVX-512, AVX2 and baseline x86-64, picked at load time by the CPU it runs on.
// The build stays portable (no -march); where the compiler or platform cannot dispatch (clang, macOS, ARM) it is a no-op.
#ifndef FT_SIMD_H
#define FT_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && __GNUC__ >= 11
#define FT_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FT_MULTIVERSION
#endif

#endif
