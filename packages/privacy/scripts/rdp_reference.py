#!/usr/bin/env python3
"""Reference values for the RDP accountant, computed independently of its series formulas.

The RDP of order alpha of the sampled Gaussian mechanism (Mironov, Talwar and Zhang 2019) is
log(A_alpha) / (alpha - 1) with

    A_alpha = E_{z ~ N(0, sigma^2)} [ ((1 - q) + q * exp((2z - 1) / (2 sigma^2)))^alpha ],

the alpha-th moment of the likelihood ratio between the mixture (1-q) N(0, s^2) + q N(1, s^2)
and N(0, s^2). This script evaluates that expectation by adaptive quadrature in 50-digit
arithmetic (mpmath), where the TypeScript code sums the paper's series (binomial expansion for
integer orders, the erfc two-sided series for fractional ones). Agreement checks the series, the
log-space arithmetic and the erfc implementation together.

Run: /usr/bin/python3 packages/privacy/scripts/rdp_reference.py > packages/privacy/src/fixtures/rdp-reference.json
"""
import json

import mpmath as mp

mp.mp.dps = 50


def log_a(q, sigma, alpha):
    q = mp.mpf(q)
    s = mp.mpf(sigma)
    a = mp.mpf(alpha)

    def integrand(z):
        density = mp.exp(-z * z / (2 * s * s)) / (s * mp.sqrt(2 * mp.pi))
        ratio = (1 - q) + q * mp.exp((2 * z - 1) / (2 * s * s))
        return density * ratio ** a

    # Split at the points where the integrand changes character, so quadrature sees smooth pieces.
    peak = s * s * a  # the ratio term's mass moves to larger z as alpha grows
    points = [-mp.inf, -10 * s, 0, mp.mpf(1) / 2, peak, peak + 10 * s, mp.inf]
    points = sorted(set(points), key=lambda p: float(p))
    return mp.log(mp.quad(integrand, points))


CASES = [
    # (q, sigma, alpha): the tutorial's rates and noise, integer and fractional orders.
    (256 / 60000, 1.12, 2),
    (256 / 60000, 1.12, 9.1),
    (256 / 60000, 1.12, 32),
    (256 / 60000, 0.6, 2.9),
    (256 / 60000, 0.6, 3),
    (256 / 60000, 1.2, 15),
    (256 / 60000, 1.2, 1.5),
    (0.01, 1.0, 1.1),
    (0.01, 1.0, 4.5),
    (0.01, 4.0, 63),
    (0.1, 2.0, 5.5),
    (0.1, 0.8, 10.9),
    (0.5, 1.5, 3.3),
]

out = []
for q, sigma, alpha in CASES:
    rdp = log_a(q, sigma, alpha) / (alpha - 1)
    out.append({"q": q, "sigma": sigma, "alpha": alpha, "rdp": float(rdp)})
print(json.dumps({"generator": "packages/privacy/scripts/rdp_reference.py", "cases": out}, indent=1))
