// RMS norm, rotary embedding (three rope types), causal attention with padding and grouped-query heads against transformers' golden values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, it } from 'node:test';
import { setBackend, type BackendName } from '../../src/backend/index.js';
import { assertClose, backendsUnderTest } from '../../src/backend/test-support.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { additiveMask, multiHeadAttention, scaledDotProductAttention } from '../../src/nn/attention.js';
import { ropeInverseFrequencies, rotaryTables, type RopeConfig } from '../../src/nn/rotary.js';
import { rmsNorm } from '../../src/tensor/ops/rms-norm.js';
import { rotaryEmbedding } from '../../src/tensor/ops/rotary.js';
import { Tensor } from '../../src/tensor/tensor.js';

const dir = new URL('../../../test/golden/engine/', import.meta.url);
const golden = readSafetensors(new URL('causal-ops.safetensors', dir).pathname).tensors;
const meta = JSON.parse(readFileSync(new URL('causal-ops.json', dir), 'utf8')) as {
  cases: Record<string, { config?: RopeConfig; attention_scaling?: number; eps?: number; heads?: number; kv_heads?: number }>;
};

function get(name: string, requiresGrad = false): Tensor {
  const raw = golden.get(name);
  if (!raw) throw new Error(`golden file has no '${name}'`);
  const data = raw.data instanceof Int32Array ? raw.data.slice() : Float32Array.from(raw.data);
  return new Tensor(data, raw.shape, { requiresGrad });
}

/** The weighted sum whose gradients the golden file holds. */
function backwardWith(out: Tensor, gradOut: Tensor): void {
  out.mul(gradOut).sum().backward();
}

for (const b of backendsUnderTest()) {
  describe(`causal-LM ops against transformers [${b.name}]`, { skip: b.skip ?? false }, () => {
    beforeEach(() => void setBackend(b.name as BackendName));

    it('rmsNorm equals LlamaRMSNorm, gradients included', () => {
      const x = get('rms_norm.in.x', true);
      const w = get('rms_norm.in.weight', true);
      const out = rmsNorm(x, w, meta.cases.rms_norm!.eps);
      assertClose(out.data, get('rms_norm.out').data, 'out', 1e-5, 1e-6);
      backwardWith(out, get('rms_norm.grad_out'));
      assertClose(x.grad!.data, get('rms_norm.grad.x').data, 'grad x', 1e-4, 1e-5);
      assertClose(w.grad!.data, get('rms_norm.grad.weight').data, 'grad weight', 1e-4, 1e-5);
    });

    for (const type of ['default', 'linear', 'llama3']) {
      it(`rope '${type}': inverse frequencies, cos / sin tables and apply_rotary_pos_emb with gradients`, () => {
        const p = `rope.${type}`;
        const freqs = ropeInverseFrequencies(meta.cases[p]!.config!);
        assert.equal(freqs.attentionScaling, meta.cases[p]!.attention_scaling);
        assertClose(freqs.invFreq, get(`${p}.inv_freq`).data, 'inv_freq (bit for bit)', 0, 0);
        const tables = rotaryTables(freqs, 2048);
        const positions = get(`${p}.position_ids`);
        const cos = get(`${p}.cos`).data;
        const sin = get(`${p}.sin`).data;
        const half = freqs.invFreq.length;
        positions.data.forEach((pos, row) => {
          for (let i = 0; i < half; i++) {
            // Angles up to ~2000 rad: one float32 ulp of the angle is ~1e-4, so both sides round alike or not at all.
            assert.ok(Math.abs(tables.cos.data[pos * half + i]! - cos[row * 2 * half + i]!) <= 2e-6, `cos ${row} ${i}`);
            assert.ok(Math.abs(tables.sin.data[pos * half + i]! - sin[row * 2 * half + i]!) <= 2e-6, `sin ${row} ${i}`);
          }
        });
        for (const which of ['q', 'k']) {
          const x = get(`${p}.in.${which}`, true);
          const out = rotaryEmbedding(x, positions, tables);
          assertClose(out.data, get(`${p}.out.${which}`).data, `out ${which}`, 1e-5, 1e-5);
          backwardWith(out, get(`${p}.grad_out.${which}`));
          assertClose(x.grad!.data, get(`${p}.grad.${which}`).data, `grad ${which}`, 1e-5, 1e-5);
        }
      });
    }

    it("rope 'llama3' with Llama 3.1 8B's settings", () => {
      const freqs = ropeInverseFrequencies(meta.cases['rope.llama3_8b']!.config!);
      assert.equal(freqs.rotaryDim, 128);
      assertClose(freqs.invFreq, get('rope.llama3_8b.inv_freq').data, 'inv_freq (bit for bit)', 0, 0);
    });

    for (const name of ['left', 'right', 'gqa2_left', 'gqa1_right']) {
      it(`causal attention, ${name}: real positions and every input gradient equal eager attention's`, () => {
        const p = `attn.${name}`;
        const { heads, kv_heads: kvHeads } = meta.cases[p]! as { heads: number; kv_heads: number };
        const attentionMask = get(`${p}.attention_mask`);
        const mask = additiveMask(attentionMask);
        const [batch, tokens] = attentionMask.shape as [number, number];
        const real = new Tensor(Float32Array.from(attentionMask.data), [batch, tokens, 1, 1]);
        const gradOut = get(`${p}.grad_out`).mul(real);
        const expected = get(`${p}.out`).mul(real).data;
        // The fused [B, T, heads * D] path and the 4-D [B, heads, T, D] path (which permutes for grouped-query).
        for (const layout of ['rows', 'heads']) {
          const [q, k, v] = ['q', 'k', 'v'].map((n) => get(`${p}.in.${n}`, true)) as [Tensor, Tensor, Tensor];
          const d = q.shape[3]!;
          let out: Tensor;
          if (layout === 'rows') {
            const rows = (x: Tensor): Tensor => x.reshape([batch, tokens, x.shape[2]! * d]);
            out = multiHeadAttention(rows(q), rows(k), rows(v), { heads, kvHeads, causal: true, mask }).reshape(q.shape);
          } else {
            const toHeads = (x: Tensor): Tensor => x.permute([0, 2, 1, 3]);
            out = scaledDotProductAttention(toHeads(q), toHeads(k), toHeads(v), { causal: true, mask }).permute([0, 2, 1, 3]);
          }
          assertClose(out.mul(real).data, expected, `${layout} out`, 1e-5, 1e-5);
          backwardWith(out, gradOut);
          for (const [n, t] of [
            ['q', q],
            ['k', k],
            ['v', v],
          ] as const) {
            assertClose(t.grad!.data, get(`${p}.grad.${n}`).data, `${layout} grad ${n}`, 1e-4, 1e-5);
          }
        }
      });
    }
  });
}
