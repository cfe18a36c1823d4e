// χ² goodness of fit against a uniform spread, for key positions (test and bench share it).
'use strict';

/** erfc by Numerical Recipes' Chebyshev fit (|error| < 1.2e-7), enough for a p-value. */
function erfc(x) {
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** P(X ≥ x) for χ² with k degrees of freedom (closed forms by parity of k). */
function chiSquareSurvival(x, k) {
  if (x <= 0) return 1;
  if (k % 2 === 0) {
    let term = 1;
    let sum = 1;
    for (let i = 1; i < k / 2; i++) {
      term *= x / 2 / i;
      sum += term;
    }
    return Math.exp(-x / 2) * sum;
  }
  let term = Math.sqrt((2 * x) / Math.PI) * Math.exp(-x / 2);
  let sum = 0;
  for (let i = 1; i <= (k - 1) / 2; i++) {
    sum += term;
    term *= x / (2 * i + 1);
  }
  return erfc(Math.sqrt(x / 2)) + sum;
}

/** Statistic and p-value of counts per position against equal expected counts. */
function chiSquareUniform(counts) {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  const statistic = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  return { statistic, p: chiSquareSurvival(statistic, counts.length - 1) };
}

module.exports = { chiSquareUniform, chiSquareSurvival };
