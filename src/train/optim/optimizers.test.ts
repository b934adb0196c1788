// AdamW and SGD against float64 transcriptions of torch.optim's update rules, on every backend.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { setBackend, type BackendName } from '../../backend/index.js';
import { backendsUnderTest } from '../../backend/test-support.js';
import { Parameter } from '../../nn/module.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { AdamW } from './adamw.js';
import { SGD } from './sgd.js';

function param(n: number, seed: number): Parameter {
  return Parameter.fromTensor(Tensor.randn([n], { rng: new Random(seed) }));
}

function grads(n: number, step: number): Float32Array {
  const rng = new Random(100 + step);
  return Float32Array.from({ length: n }, () => rng.normal());
}

for (const backend of backendsUnderTest()) {
  describe(`optimizers [${backend.name}]`, { skip: backend.skip ?? false }, () => {
    beforeEach(() => void setBackend(backend.name as BackendName));

    it('AdamW matches torch.optim.AdamW over 5 steps, per-group decay, frozen parameters untouched', () => {
      const n = 5000;
      const decayed = param(n, 1);
      const plain = param(n, 2);
      const frozen = param(n, 3);
      frozen.requiresGrad = false;
      const frozenBefore = frozen.toArray();
      const opt = new AdamW([{ params: [decayed, frozen] }, { params: [plain], weightDecay: 0 }], { lr: 1e-2, weightDecay: 0.1 });
      const ref = [decayed, plain].map((p) => ({ p: Float64Array.from(p.data), m: new Float64Array(n), v: new Float64Array(n) }));
      const [b1, b2, eps] = [0.9, 0.999, 1e-8];
      for (let step = 1; step <= 5; step++) {
        const g = grads(n, step);
        decayed.grad = new Tensor(g.slice(), [n]);
        plain.grad = new Tensor(g.slice(), [n]);
        opt.step();
        ref.forEach((r, which) => {
          const wd = which === 0 ? 0.1 : 0;
          for (let i = 0; i < n; i++) {
            r.p[i] = r.p[i]! * (1 - 1e-2 * wd);
            r.m[i] = b1 * r.m[i]! + (1 - b1) * g[i]!;
            r.v[i] = b2 * r.v[i]! + (1 - b2) * g[i]! ** 2;
            const mHat = r.m[i]! / (1 - b1 ** step);
            const vHat = r.v[i]! / (1 - b2 ** step);
            r.p[i] = r.p[i]! - (1e-2 * mHat) / (Math.sqrt(vHat) + eps);
          }
        });
      }
      [decayed, plain].forEach((p, which) => {
        for (let i = 0; i < n; i++) assert.ok(Math.abs(p.data[i]! - ref[which]!.p[i]!) < 1e-5, `param ${which}[${i}]`);
      });
      assert.deepEqual(frozen.toArray(), frozenBefore);
      assert.equal(opt.stateDict().m[1], null, 'a frozen parameter has no optimizer state');
    });

    it('AdamW resumes from its state dict to the same weights', () => {
      const run = (stopAfter: number | null): number[] => {
        const p = param(100, 7);
        let opt = new AdamW([p], { lr: 0.05 });
        for (let step = 1; step <= 6; step++) {
          if (stopAfter !== null && step === stopAfter + 1) {
            const saved = opt.stateDict();
            opt = new AdamW([p], { lr: 0.05 });
            opt.loadStateDict(saved);
          }
          p.grad = new Tensor(grads(100, step), [100]);
          opt.step();
        }
        return p.toArray();
      };
      assert.deepEqual(run(3), run(null));
    });

    for (const nesterov of [false, true]) {
      it(`SGD with momentum, dampening, weight decay${nesterov ? ', Nesterov' : ''} matches torch.optim.SGD`, () => {
        const n = 3000;
        const p = param(n, 11);
        const dampening = nesterov ? 0 : 0.1;
        const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening, weightDecay: 0.01, nesterov });
        const rp = Float64Array.from(p.data);
        const buf = new Float64Array(n);
        for (let step = 1; step <= 4; step++) {
          const g = grads(n, step);
          p.grad = new Tensor(g.slice(), [n]);
          opt.step();
          for (let i = 0; i < n; i++) {
            let d = g[i]! + 0.01 * rp[i]!;
            buf[i] = step === 1 ? d : 0.9 * buf[i]! + (1 - dampening) * d;
            d = nesterov ? d + 0.9 * buf[i]! : buf[i]!;
            rp[i] = rp[i]! - 0.1 * d;
          }
        }
        for (let i = 0; i < n; i++) assert.ok(Math.abs(p.data[i]! - rp[i]!) < 1e-5, `p[${i}]: ${p.data[i]} vs ${rp[i]}`);
      });
    }
  });
}
