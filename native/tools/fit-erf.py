#!/usr/bin/env python3
# Fits the rational approximation erf(x) ~ x P(x^2) / Q(x^2) on [0, 4] used by native/src/vecmath.h, and checks it in float32.
# Usage: python3 native/tools/fit-erf.py  (numpy only). Prints the coefficients to paste into vecmath.h.
import math
import numpy as np

P_DEGREE, Q_DEGREE, LIMIT = 6, 4, 4.0
P0 = 2 / math.sqrt(math.pi)

def fit():
    # Node density grows towards both ends; erf is odd, so fit in t = x^2 over x in (0, LIMIT].
    x = LIMIT * (1 - np.cos(np.linspace(1e-4, np.pi / 2, 6000)))
    x = x[x > 0]
    target = np.array([math.erf(v) for v in x])
    t = x * x
    weight = np.ones_like(x)
    best = None
    for iteration in range(80):
        # x P(t) - target Q(t) = 0 with q0 = 1 is linear in the unknowns. Weighting by 1/Q turns the residual into the
        # error of P/Q (Loeb); after a few rounds, extra weight where the error is large pushes towards equal ripple.
        # p0 is pinned to 2/sqrt(pi) so that small arguments keep full relative accuracy.
        cols = [x * t**i for i in range(1, P_DEGREE + 1)] + [-target * t**i for i in range(1, Q_DEGREE + 1)]
        system = np.stack(cols, axis=1) * weight[:, None]
        solution, *_ = np.linalg.lstsq(system, (target - P0 * x) * weight, rcond=None)
        p = np.concatenate([[P0], solution[:P_DEGREE]])
        q = np.concatenate([[1.0], solution[P_DEGREE:]])
        qt = np.polyval(q[::-1], t)
        error = np.abs(x * np.polyval(p[::-1], t) / qt - target)
        if best is None or error.max() < best[0]:
            best = (error.max(), p, q)
        weight = (np.sqrt(error / error.max()) + 1e-2 if iteration > 5 else 1) / np.abs(qt)
        weight = weight / weight.max()
    return best[1], best[2]

def check(p, q):
    x = np.linspace(-6, 6, 2_000_001).astype(np.float32)
    xc = np.clip(x, np.float32(-LIMIT), np.float32(LIMIT))
    t = xc * xc
    num = np.float32(p[-1])
    for c in p[-2::-1]:
        num = num * t + np.float32(c)
    den = np.float32(q[-1])
    for c in q[-2::-1]:
        den = den * t + np.float32(c)
    approx = np.minimum(np.maximum(xc * num / den, np.float32(-1)), np.float32(1)).astype(np.float64)
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    small = np.abs(x) < 0.5
    relative = np.abs(approx[small] - exact[small]) / np.maximum(np.abs(exact[small]), 1e-30)
    return np.abs(approx - exact).max(), relative.max()

p, q = fit()
for i, c in enumerate(p):
    print(f"#define FT_ERF_P{i} {c:.9e}f")
for i, c in enumerate(q):
    print(f"#define FT_ERF_Q{i} {c:.9e}f")
absolute, relative = check(p, q)
print(f"// in float32: max |error| over [-6, 6] {absolute:.2e}, max relative error below |x| = 0.5 {relative:.2e}")
