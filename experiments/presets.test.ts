import { describe, expect, it } from 'vitest'
import { presets } from './presets'
import { countRuns } from './sweep'

describe('presets', () => {
  it('all validate, say in one line what they show, and stay under the run cap', () => {
    const all = presets()
    expect(all.map((p) => p.id).sort()).toEqual([
      'metadata-by-fill',
      'mthp-fragmentation',
      'quick',
      'redis-bgsave',
      'swap-table-vs-vswap',
      'swapin-paths',
      'usemem-throughput'
    ])
    for (const p of all) {
      expect(p.shows.length).toBeGreaterThan(20)
      expect(p.shows).not.toContain('\n')
      expect(countRuns(p.config)).toBeLessThanOrEqual(100)
    }
  })

  it('include a two-design, three-trial preset for quick comparisons', () => {
    const q = presets().find((p) => p.id === 'quick')!
    expect(q.config.designs).toHaveLength(2)
    expect(q.config.trials).toBe(3)
  })

  it('put the designs the seed compares side by side', () => {
    const byId = Object.fromEntries(presets().map((p) => [p.id, p.config]))
    expect(byId['swapin-paths'].designs.map((d) => d.options.phase)).toContain(2)
    expect(byId['swapin-paths'].devices[0].preset).toBe('zram')
    expect(byId['swap-table-vs-vswap'].designs.map((d) => d.design)).toEqual(['swap-table', 'vswap'])
    expect(byId['mthp-fragmentation'].thpOrders).toContain(4)
    expect(byId['metadata-by-fill'].sweep?.axes[0].path).toBe('workload.params.targetPercent')
  })
})
