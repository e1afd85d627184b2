// Non-negative least squares (Lawson and Hanson, "Solving Least Squares Problems", 1974,
// algorithm NNLS): minimise |A x - b| subject to x >= 0. For the handful of columns the
// calibration fits (one per cost group); unconstrained sub-problems are solved by Householder QR.

/** Least squares solution of A x = b by Householder QR (A is m x n; with m < n, components past m are 0). */
export function leastSquares(A: number[][], b: number[]): number[] {
  const m = A.length
  const n = A[0]?.length ?? 0
  const R = A.map((row) => [...row])
  const y = [...b]
  const r = Math.min(m, n)
  for (let k = 0; k < r; k++) {
    let norm = 0
    for (let i = k; i < m; i++) norm += R[i][k] * R[i][k]
    norm = Math.sqrt(norm)
    if (norm === 0) continue
    const alpha = R[k][k] > 0 ? -norm : norm
    const v = new Array<number>(m).fill(0)
    for (let i = k; i < m; i++) v[i] = R[i][k]
    v[k] -= alpha
    let vv = 0
    for (let i = k; i < m; i++) vv += v[i] * v[i]
    if (vv === 0) continue
    for (let j = k; j < n; j++) {
      let s = 0
      for (let i = k; i < m; i++) s += v[i] * R[i][j]
      const f = (2 * s) / vv
      for (let i = k; i < m; i++) R[i][j] -= f * v[i]
    }
    let s = 0
    for (let i = k; i < m; i++) s += v[i] * y[i]
    const f = (2 * s) / vv
    for (let i = k; i < m; i++) y[i] -= f * v[i]
  }
  const x = new Array<number>(n).fill(0)
  for (let k = r - 1; k >= 0; k--) {
    let s = y[k]
    for (let j = k + 1; j < n; j++) s -= R[k][j] * x[j]
    x[k] = R[k][k] === 0 ? 0 : s / R[k][k]
  }
  return x
}

export interface NnlsResult {
  x: number[]
  /** |A x - b| at the solution. */
  residualNorm: number
  iterations: number
}

/** min |A x - b| with x >= 0 (Lawson-Hanson active set). */
export function nnls(A: number[][], b: number[], maxIterations = 30 * Math.max(1, A[0]?.length ?? 1)): NnlsResult {
  const m = A.length
  const n = A[0]?.length ?? 0
  if (m === 0 || n === 0) return { x: new Array<number>(n).fill(0), residualNorm: Math.hypot(...b), iterations: 0 }
  const col = (j: number): number[] => A.map((r) => r[j])
  const scale = Math.max(1e-300, ...A.flat().map(Math.abs))
  const tol = 1e-12 * scale * m * n
  const x = new Array<number>(n).fill(0)
  const passive = new Array<boolean>(n).fill(false)
  const gradient = (): number[] => {
    const r = b.map((bi, i) => bi - A[i].reduce((s, a, j) => s + a * x[j], 0))
    return Array.from({ length: n }, (_, j) => col(j).reduce((s, a, i) => s + a * r[i], 0))
  }
  /** Unconstrained solution on the passive columns, zero elsewhere. */
  const solvePassive = (): number[] => {
    const idx = passive.flatMap((p, j) => (p ? [j] : []))
    const sub = leastSquares(
      A.map((r) => idx.map((j) => r[j])),
      b
    )
    const z = new Array<number>(n).fill(0)
    idx.forEach((j, k) => (z[j] = sub[k]))
    return z
  }
  let iterations = 0
  for (;;) {
    const w = gradient()
    let t = -1
    for (let j = 0; j < n; j++) if (!passive[j] && w[j] > tol && (t < 0 || w[j] > w[t])) t = j
    if (t < 0 || iterations >= maxIterations) break
    passive[t] = true
    for (;;) {
      iterations++
      const z = solvePassive()
      if (passive.every((p, j) => !p || z[j] > 0)) {
        for (let j = 0; j < n; j++) x[j] = z[j]
        break
      }
      let alpha = Infinity
      for (let j = 0; j < n; j++) if (passive[j] && z[j] <= 0) alpha = Math.min(alpha, x[j] / (x[j] - z[j]))
      for (let j = 0; j < n; j++) x[j] += alpha * (z[j] - x[j])
      for (let j = 0; j < n; j++)
        if (passive[j] && x[j] <= tol) {
          passive[j] = false
          x[j] = 0
        }
      if (iterations >= maxIterations) break
    }
  }
  const residualNorm = Math.hypot(...b.map((bi, i) => bi - A[i].reduce((s, a, j) => s + a * x[j], 0)))
  return { x, residualNorm, iterations }
}
