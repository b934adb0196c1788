// Every vision op (conv2d, batchNorm2d, pooling, activations incl. swiglu.ts's silu) and its input gradients against PyTorch's golden values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, it } from 'node:test';
import { setBackend, type BackendName } from '../../src/backend/index.js';
import { backendsUnderTest } from '../../src/backend/test-support.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { batchNorm2d } from '../../src/tensor/ops/batch-norm.js';
import { conv2d } from '../../src/tensor/ops/conv.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../../src/tensor/ops/pooling.js';
import { silu } from '../../src/tensor/ops/swiglu.js';
import { hardsigmoid, hardswish, relu6 } from '../../src/tensor/ops/vision-activations.js';
import { Tensor } from '../../src/tensor/tensor.js';

const dir = new URL('../../../test/golden/engine/', import.meta.url);
const golden = readSafetensors(new URL('vision-ops.safetensors', dir).pathname).tensors;

interface OpMeta {
  readonly kind: string;
  readonly inputs: string[];
  readonly grads: string[];
  readonly args: Record<string, unknown>;
}
const meta = JSON.parse(readFileSync(new URL('vision-ops.json', dir), 'utf8')) as { ops: Record<string, OpMeta> };

function get(name: string): Tensor {
  const raw = golden.get(name);
  if (!raw) throw new Error(`vision-ops.safetensors has no '${name}'`);
  return new Tensor(raw.data, raw.shape);
}

type Pair = [number, number];

/** Our op for one golden case, on fresh leaves; batch norm also hands back its running statistics and counter. */
function run(op: OpMeta, x: Record<string, Tensor>): { out: Tensor; after?: Tensor[] } {
  const a = op.args;
  switch (op.kind) {
    case 'conv2d':
      return {
        out: conv2d(x.x!, x.weight!, x.bias ?? null, {
          stride: a.stride as Pair,
          padding: a.padding as Pair,
          dilation: a.dilation as Pair,
          groups: a.groups as number,
        }),
      };
    case 'batch_norm2d': {
      const counter = Tensor.from([a.numBatchesTracked as number], [1], { dtype: 'int32' });
      const out = batchNorm2d(x.x!, x.weight!, x.bias!, x.running_mean!, x.running_var!, {
        training: a.training as boolean,
        momentum: a.momentum as number | null,
        eps: a.eps as number,
        numBatchesTracked: counter,
      });
      return { out, after: [x.running_mean!, x.running_var!, counter] };
    }
    case 'max_pool2d':
      return {
        out: maxPool2d(x.x!, {
          kernel: a.kernel as Pair,
          stride: a.stride as Pair,
          padding: a.padding as Pair,
          dilation: a.dilation as Pair,
          ceilMode: a.ceilMode as boolean,
        }),
      };
    case 'avg_pool2d':
      return {
        out: avgPool2d(x.x!, {
          kernel: a.kernel as Pair,
          stride: a.stride as Pair,
          padding: a.padding as Pair,
          ceilMode: a.ceilMode as boolean,
          countIncludePad: a.countIncludePad as boolean,
        }),
      };
    case 'adaptive_avg_pool2d':
      return { out: adaptiveAvgPool2d(x.x!, a.outputSize as Pair) };
    case 'relu6':
      return { out: relu6(x.x!) };
    case 'hardswish':
      return { out: hardswish(x.x!) };
    case 'hardsigmoid':
      return { out: hardsigmoid(x.x!) };
    case 'silu':
      return { out: silu(x.x!) };
    default:
      throw new Error(`vision-ops.json: unknown op kind '${op.kind}'`);
  }
}

/** ||ours - ref|| / ||ref|| (with a floor for all-zero references). */
function relativeError(ours: Tensor, ref: Tensor): number {
  assert.deepEqual([...ours.shape], [...ref.shape]);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.size; i++) {
    num += (ours.data[i]! - ref.data[i]!) ** 2;
    den += ref.data[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-6);
}

const TOLERANCE = 1e-5;

for (const backend of backendsUnderTest()) {
  describe(`vision ops against PyTorch [${backend.name}]`, { skip: backend.skip ?? false }, () => {
    beforeEach(() => void setBackend(backend.name as BackendName));
    for (const [name, op] of Object.entries(meta.ops)) {
      it(`${name}: output, input gradients${op.kind === 'batch_norm2d' ? ' and running statistics' : ''}`, () => {
        const leaves: Record<string, Tensor> = {};
        for (const input of op.inputs) {
          const t = get(`${name}.in.${input}`);
          leaves[input] = new Tensor(t.f32().slice(), t.shape, { requiresGrad: op.grads.includes(input) });
        }
        const { out, after } = run(op, leaves);
        const outErr = relativeError(out, get(`${name}.out`));
        assert.ok(outErr <= TOLERANCE, `${name}: output relative error ${outErr}`);
        out
          .mul(get(`${name}.grad_out`))
          .sum()
          .backward();
        for (const input of op.grads) {
          const err = relativeError(leaves[input]!.grad!, get(`${name}.grad.${input}`));
          assert.ok(err <= TOLERANCE, `${name}: gradient of ${input}: relative error ${err}`);
        }
        if (after) {
          const [mean, variance, counter] = after as [Tensor, Tensor, Tensor];
          for (const [label, ours, key] of [
            ['running mean', mean, 'running_mean_after'],
            ['running variance', variance, 'running_var_after'],
          ] as const) {
            const err = relativeError(ours, get(`${name}.${key}`));
            assert.ok(err <= TOLERANCE, `${name}: ${label} after the call: relative error ${err}`);
          }
          assert.equal(counter.data[0], golden.get(`${name}.num_batches_tracked_after`)!.data[0]);
        }
      });
    }
  });
}
