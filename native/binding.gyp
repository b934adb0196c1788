# Two addons from one set of C sources: finetune_native links a BLAS library for sgemm when one is found at
# configure time (OpenBLAS on Linux, Accelerate on macOS); finetune_native_builtin never does.
{
  "variables": {
    "blas_kind%": "<!(node src/detect-blas.cjs kind)",
    "sources_common": [
      "src/addon.c", "src/args.c", "src/pool.c", "src/gemm.c", "src/gemm-builtin.c", "src/gemm-pack.c", "src/elementwise.c",
      "src/strided.c", "src/reduce.c", "src/normalize.c", "src/loss.c", "src/optim.c", "src/attention.c", "src/dropout.c",
      "src/decoder-ops.c", "src/int8-linear.c", "src/gemm-bf16.c", "src/gemm-packed.c", "src/cpu-features.c"
    ],
    "sources_vision": ["src/vision.c", "src/conv.c", "src/conv-depthwise.c", "src/batch-norm.c", "src/pooling.c", "src/vision-activations.c"],
    # Portable code only: wider instructions are used solely inside functions chosen by a cpuid check.
    "cflags_common": ["-std=gnu11", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra",
                      "-Wno-unused-parameter", "-pthread"]
  },
  "target_defaults": {
    "sources": ["<@(sources_common)", "<@(sources_vision)"],
    "cflags": ["<@(cflags_common)"],
    "cflags!": ["-O2", "-O1", "-O0"],
    "ldflags": ["-pthread"],
    "libraries": ["-lm"],
    "xcode_settings": {
      "OTHER_CFLAGS": ["<@(cflags_common)"],
      "GCC_OPTIMIZATION_LEVEL": "3"
    }
  },
  "targets": [
    {
      "target_name": "finetune_native",
      "conditions": [
        ["blas_kind=='openblas'", {
          "defines": ["FT_BLAS_OPENBLAS=1"],
          "cflags": ["<!@(node src/detect-blas.cjs cflags)"],
          "libraries": ["<!@(node src/detect-blas.cjs libs)"]
        }],
        ["blas_kind=='accelerate'", {
          "defines": ["FT_BLAS_ACCELERATE=1"],
          "libraries": ["-framework Accelerate"]
        }]
      ]
    },
    {
      "target_name": "finetune_native_builtin"
    }
  ]
}
