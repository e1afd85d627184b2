// Largest-Triangle-Three-Buckets downsampling: keeps the visual shape of a series (peaks,
// steps) with a fixed number of points, so 10 runs x 100 000 samples chart smoothly.

/** Indices of the points to keep; xs must be ascending. Returns all indices when n <= threshold. */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = xs.length
  if (threshold >= n || threshold < 3) return Array.from({ length: n }, (_, i) => i)
  const out: number[] = [0]
  const bucket = (n - 2) / (threshold - 2)
  let a = 0
  for (let i = 0; i < threshold - 2; i++) {
    // Average of the next bucket: the third corner of the triangle.
    const nextStart = Math.floor((i + 1) * bucket) + 1
    const nextEnd = Math.min(Math.floor((i + 2) * bucket) + 1, n)
    let avgX = 0
    let avgY = 0
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[j]
      avgY += ys[j]
    }
    const count = nextEnd - nextStart || 1
    avgX /= count
    avgY /= count
    const start = Math.floor(i * bucket) + 1
    const end = Math.floor((i + 1) * bucket) + 1
    let best = start
    let bestArea = -1
    const ax = xs[a]
    const ay = ys[a]
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (ys[j] - ay) - (ax - xs[j]) * (avgY - ay))
      if (area > bestArea) {
        bestArea = area
        best = j
      }
    }
    out.push(best)
    a = best
  }
  out.push(n - 1)
  return out
}

export interface XY {
  x: number
  y: number
}

/** Downsamples points to at most threshold points with LTTB. */
export function lttb(points: XY[], threshold: number): XY[] {
  if (points.length <= threshold) return points
  const xs = new Float64Array(points.length)
  const ys = new Float64Array(points.length)
  for (let i = 0; i < points.length; i++) {
    xs[i] = points[i].x
    ys[i] = Number.isFinite(points[i].y) ? points[i].y : 0
  }
  return lttbIndices(xs, ys, threshold).map((i) => points[i])
}
