import { describe, expect, it } from 'vitest'
import { lttb, lttbIndices } from './decimate'

describe('LTTB decimation', () => {
  it('returns short series unchanged', () => {
    const pts = [
      { x: 0, y: 1 },
      { x: 1, y: 2 }
    ]
    expect(lttb(pts, 10)).toBe(pts)
  })

  it('keeps the first and last point, x order, and at most the threshold', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i)
    const ys = xs.map((x) => Math.sin(x / 100))
    const idx = lttbIndices(xs, ys, 500)
    expect(idx).toHaveLength(500)
    expect(idx[0]).toBe(0)
    expect(idx[idx.length - 1]).toBe(9_999)
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1])
  })

  it('keeps a single spike that uniform striding would drop', () => {
    const pts = Array.from({ length: 100_000 }, (_, i) => ({ x: i, y: i === 54_321 ? 1000 : 0 }))
    expect(lttb(pts, 800).some((p) => p.y === 1000)).toBe(true)
  })

  it('thins 10 runs x 100 000 samples fast enough for an interactive chart', () => {
    const runs = Array.from({ length: 10 }, (_, r) =>
      Array.from({ length: 100_000 }, (_, i) => ({ x: i, y: Math.sin(i / 1000 + r) * 100 + (i % 97) }))
    )
    const t0 = performance.now()
    const out = runs.map((pts) => lttb(pts, 800))
    const ms = performance.now() - t0
    expect(out.every((o) => o.length === 800)).toBe(true)
    expect(ms).toBeLessThan(1500)
  })
})
