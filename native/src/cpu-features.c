// CPU features for the bf16 kernels: cpuid, narrowed by FINETUNE_CPU_FEATURES (a comma list) to test the paths a CPU lacks.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bindings.h"
#include "cpu-features.h"

static int feature_avx512_bf16, feature_amx_bf16, feature_avx512f;
static char feature_text[96];
static pthread_once_t features_once = PTHREAD_ONCE_INIT;

static int allowed(const char *name) {
  const char *list = getenv("FINETUNE_CPU_FEATURES");
  if (!list) return 1;
  size_t len = strlen(name);
  for (const char *p = list; *p;) {
    while (*p == ',' || *p == ' ') p++;
    const char *end = p;
    while (*end && *end != ',' && *end != ' ') end++;
    if ((size_t)(end - p) == len && strncmp(p, name, len) == 0) return 1;
    p = end;
  }
  return 0;
}

static void detect_features(void) {
#ifdef FT_BF16_X86
  __builtin_cpu_init();
  feature_avx512f = __builtin_cpu_supports("avx512f") && allowed("avx512f");
  feature_avx512_bf16 = feature_avx512f && __builtin_cpu_supports("avx512bf16") && allowed("avx512_bf16");
  /* AMX tiles need the OS to grant them per process; every AMX-BF16 CPU also has AVX512-BF16, which is what runs. */
  feature_amx_bf16 = __builtin_cpu_supports("amx-bf16") && allowed("amx_bf16");
#endif
  snprintf(feature_text, sizeof feature_text, "%s%s%s", feature_avx512f ? "avx512f," : "",
           feature_avx512_bf16 ? "avx512_bf16," : "", feature_amx_bf16 ? "amx_bf16," : "");
  size_t len = strlen(feature_text);
  if (len > 0) feature_text[len - 1] = '\0';
}

int ft_cpu_avx512_bf16(void) {
  pthread_once(&features_once, detect_features);
  return feature_avx512_bf16;
}

napi_value ft_bind_cpu_features(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_once(&features_once, detect_features);
  return ft_string(env, feature_text);
}

napi_value ft_bind_bf16_kernel(napi_env env, napi_callback_info info) {
  (void)info;
  return ft_string(env, ft_cpu_avx512_bf16() ? "avx512_bf16" : "generic");
}
