"""The polynomial coefficients of csweep's own log and sin/cos (csweep/src/fastmath.h, the
normal draw of noise streams version 4), fitted again: near-minimax (mpmath's chebyfit, at 60
digits), degree 6, rounded to double. Needs mpmath (not a csweep dependency).

    python benchmarks/fastmath_fit.py

Prints each fit's relative error (before rounding the coefficients to double) and the
coefficients as fastmath.h writes them, lowest degree first:
- log: log(1 + f) = f - s (f - z P(z)) with s = f / (2 + f), z = s^2 <= (3 - 2 sqrt 2)^2;
  P(z) ~ (2 atanh(sqrt z) / sqrt z - 2) / z;
- sin: sin(pi/2 f) = f S(f^2), cos: cos(pi/2 f) = 1 + f^2 C(f^2), for |f| <= 1/2.
"""

import mpmath as mp


def main():
    mp.mp.dps = 60
    s_max = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)

    def log_p(z):
        s = mp.sqrt(z)
        return (2 * mp.atanh(s) / s - 2) / z

    def sin_s(z):
        r = mp.sqrt(z)
        return mp.sin(mp.pi / 2 * r) / r

    def cos_c(z):
        r = mp.sqrt(z)
        return (mp.cos(mp.pi / 2 * r) - 1) / z

    fits = (("LOG_P", log_p, s_max**2 * mp.mpf("1.0001")), ("SIN_S", sin_s, mp.mpf("0.25")),
            ("COS_C", cos_c, mp.mpf("0.25")))
    for name, function, high in fits:
        poly, error = mp.chebyfit(function, [mp.mpf(0), high], 7, error=True)
        print(f"{name}: relative error {mp.nstr(error / abs(function(high / 2)), 3)}")
        for degree, coefficient in enumerate(reversed(poly)):
            print(f"#define CSWEEP_{name}{degree} {float(coefficient)!r}")
    ln2 = mp.log(2)
    high = mp.floor(ln2 * 2**32) / 2**32
    print(f"#define CSWEEP_LN2_HI {float(high)!r}\n#define CSWEEP_LN2_LO {float(ln2 - high)!r}")


if __name__ == "__main__":
    main()
