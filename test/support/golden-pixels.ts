// The fixed images the MobileNetV2 parity test and its golden script share: seeded uint8 values scaled to [0, 1].

const SIZE = 224;
const IMAGES = 2;

/** Two 224 x 224 RGB images, NHWC [2, 224, 224, 3] as TF.js takes them: uint8 values from a 32-bit LCG, / 255. */
export function goldenPixelsNhwc(): { data: Float32Array; shape: [number, number, number, number] } {
  const data = new Float32Array(IMAGES * SIZE * SIZE * 3);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    // Smooth structure plus noise, so the convolutions see edges as in a photograph, not white noise alone.
    const pixel = Math.floor(i / 3) % (SIZE * SIZE);
    const smooth = ((pixel % SIZE) + Math.floor(pixel / SIZE)) % 256;
    data[i] = ((smooth + (state >>> 24)) % 256) / 255;
  }
  return { data, shape: [IMAGES, SIZE, SIZE, 3] };
}

/** The same images NCHW [2, 3, 224, 224], as our models take them. */
export function goldenPixelsNchw(): { data: Float32Array; shape: [number, number, number, number] } {
  const { data } = goldenPixelsNhwc();
  const out = new Float32Array(data.length);
  for (let n = 0; n < IMAGES; n++) {
    for (let p = 0; p < SIZE * SIZE; p++) {
      for (let c = 0; c < 3; c++) out[(n * 3 + c) * SIZE * SIZE + p] = data[(n * SIZE * SIZE + p) * 3 + c]!;
    }
  }
  return { data: out, shape: [IMAGES, 3, SIZE, SIZE] };
}
