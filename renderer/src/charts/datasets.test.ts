import { describe, expect, it } from 'vitest'
import { SAMPLE_FIELDS, type Sample } from '../../../engine/pure'
import { configRows, panelDatasets, xOf } from './datasets'

function samples(n: number, scale = 1): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    tSimNs: i * 1e7,
    tWallMs: i * 3,
    ops: i * 100,
    values: Object.fromEntries(SAMPLE_FIELDS.map((f) => [f, i * scale])) as Sample['values']
  }))
}

describe('chart dataset builders', () => {
  it('maps the chosen x axis: simulated ms, wall ms, operations', () => {
    const s = samples(2)[1]
    expect(xOf(s, 'sim')).toBe(10)
    expect(xOf(s, 'wall')).toBe(3)
    expect(xOf(s, 'ops')).toBe(100)
  })

  it('draws one line per field in a single-run panel, labelled by field', () => {
    const ds = panelDatasets(samples(5), ['clustersFree', 'clustersFull'], 'sim')
    expect(ds.map((d) => d.label)).toEqual(['Free clusters', 'Full clusters'])
  })

  it('decimates long runs to the point budget', () => {
    const [d] = panelDatasets(samples(100_000), ['swpout'], 'sim', 500)
    expect(d.data).toHaveLength(500)
    expect(d.data[0].x).toBe(0)
    expect(d.data[499].x).toBe(99_999 * 10)
  })

  it('lists config fields, or only those that differ', () => {
    const configs = { 1: { design: 'cluster', cpus: 2, seed: 1 }, 4: { design: 'swap-table', cpus: 2, seed: 1 } }
    expect(configRows(configs, [1, 4], false).map((r) => r.key)).toEqual(['cpus', 'design', 'seed'])
    expect(configRows(configs, [1, 4], true)).toEqual([{ key: 'design', values: ['cluster', 'swap-table'], differs: true }])
  })
})
