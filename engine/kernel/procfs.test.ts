import { describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  countersFromDeltas,
  deltaMthp,
  deltaStats,
  formatMthpDump,
  mthpOrder,
  parseKeyValues,
  parseMthpDump,
  parseProcSwaps,
  parseVmstat,
  summaryMthpDelta,
  summaryVmstatDelta
} from './procfs'

// Captured on this machine (Linux 6.18) around a usemem run (2 x 24 MiB random, 16 MiB v1 limit)
// and a thp_swap_allocator_test -s run with 64 kB mTHP enabled, both on a loop device.
const fixture = (name: string): string => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')

describe('/proc/vmstat', () => {
  it('parses every field of a real /proc/vmstat', () => {
    const v = parseVmstat(fixture('vmstat-before.txt'))
    expect(Object.keys(v).length).toBeGreaterThan(150)
    expect(v.pswpout).toBe(589485)
    expect(v.swap_ra_hit).toBe(35873)
    expect(parseKeyValues('a 1\nnot a line\nb -2\n')).toEqual({ a: 1, b: -2 })
  })

  it('maps a usemem delta onto the summary counters', () => {
    const d = deltaStats(parseVmstat(fixture('vmstat-before.txt')), parseVmstat(fixture('vmstat-after.txt')))
    const { counters: c, measured } = countersFromDeltas(d, {})
    // the figures below are after - before of the captured files, worked out by hand
    expect(c.pswpout).toBe(603087 - 589485)
    expect(c.pswpin).toBe(47855 - 41009)
    expect(c.readaheadPages).toBe(35940 - 35878)
    expect(c.readaheadHits).toBe(35892 - 35873)
    expect(c.majorFaults).toBe(14392 - 7604)
    expect(c.minorFaults).toBe(29199134 - 29082157 - (14392 - 7604))
    expect(c.workingsetRefaults).toBe(47826 - 41009)
    expect(measured).toEqual(expect.arrayContaining(['pswpout', 'pswpin', 'readaheadPages', 'readaheadHits', 'majorFaults']))
    // no per-size stats given: per-order counters are not claimed, except PMD from thp_swpout
    expect(c.swpout[9]).toBe(0)
    expect(measured).toContain('swpout')
    const kept = summaryVmstatDelta(d)
    expect(kept.pswpout).toBe(13602)
    expect(kept.oom_kill).toBe(0) // a swap field, kept although unchanged
    expect(
      Object.values(kept).every(
        (x, i) =>
          x !== 0 ||
          [
            'oom_kill',
            'zswpin',
            'zswpout',
            'zswpwb',
            'thp_swpout',
            'thp_swpout_fallback',
            'swpin_zero',
            'swpout_zero',
            'workingset_activate_anon',
            'workingset_restore_anon',
            'pgscan_anon',
            'pgsteal_anon',
            'nr_swapcached',
            'swap_ra',
            'swap_ra_hit',
            'pswpin',
            'pswpout',
            'pgmajfault',
            'pgfault',
            'workingset_refault_anon'
          ].includes(Object.keys(kept)[i])
      )
    ).toBe(true)
  })
})

describe('per-size mTHP stats', () => {
  it('parses grep -r output of the stats folders and round-trips through formatMthpDump', () => {
    const m = parseMthpDump(fixture('mthp-thp-after.txt'))
    expect(Object.keys(m).sort()).toEqual(
      [
        'hugepages-1024kB',
        'hugepages-128kB',
        'hugepages-16kB',
        'hugepages-2048kB',
        'hugepages-256kB',
        'hugepages-32kB',
        'hugepages-512kB',
        'hugepages-64kB',
        'hugepages-8kB'
      ].sort()
    )
    expect(m['hugepages-64kB'].swpout).toBe(6299)
    expect(parseMthpDump(formatMthpDump(m))).toEqual(m)
    expect(mthpOrder('hugepages-64kB')).toBe(4)
    expect(mthpOrder('hugepages-2048kB')).toBe(9)
    expect(mthpOrder('hugepages-8kB')).toBe(1)
    expect(mthpOrder('hugepages-12kB')).toBeNaN()
  })

  it('derives per-order swpout: order 4 from hugepages-64kB, order 0 as pswpout minus the whole large folios', () => {
    const vm = deltaStats(parseVmstat(fixture('vmstat-thp-before.txt')), parseVmstat(fixture('vmstat-thp-after.txt')))
    const mthp = deltaMthp(parseMthpDump(fixture('mthp-thp-before.txt')), parseMthpDump(fixture('mthp-thp-after.txt')))
    const { counters: c, measured } = countersFromDeltas(vm, mthp)
    expect(c.swpout[4]).toBe(6299 - 5710)
    expect(c.swpoutFallback[4]).toBe(0)
    expect(c.pswpout).toBe(621821 - 603087)
    // 7 PMD THPs of some other process were swapped out meanwhile: the counters are system-wide
    expect(c.swpout[9]).toBe(7)
    expect(c.swpout[0]).toBe(621821 - 603087 - 16 * (6299 - 5710) - 512 * 7)
    expect(measured).toEqual(expect.arrayContaining(['swpout', 'swpoutFallback', 'swpin']))
    const kept = summaryMthpDelta(mthp)
    expect(kept['hugepages-64kB']).toMatchObject({ swpout: 589, swpout_fallback: 0, swpin: 0, swpin_fallback: 0 })
    expect('shmem_alloc' in kept['hugepages-16kB']).toBe(false)
  })

  it('prefers the cgroup (v2) counters where it has them', () => {
    const r = countersFromDeltas({ pswpout: 100, pswpin: 50, pgmajfault: 9, pgfault: 20 }, {}, { pswpout: 70, pgmajfault: 4 })
    expect(r.counters.pswpout).toBe(70)
    expect(r.counters.pswpin).toBe(50)
    expect(r.counters.majorFaults).toBe(4)
    expect(r.fromCgroup.sort()).toEqual(['majorFaults', 'pswpout'])
  })

  it('swpin on a kernel without per-size swpin stats (6.12): every page read alone from a device without the SYNC_IO bypass', () => {
    // The per-size stats of a Debian 6.12 guest (no swpin there), as its /init dumps them.
    const mthp = deltaMthp(
      parseMthpDump('hugepages-64kB/stats/swpout:0\nhugepages-64kB/stats/swpout_fallback:0\nhugepages-64kB/stats/anon_fault_alloc:3\n'),
      parseMthpDump('hugepages-64kB/stats/swpout:2\nhugepages-64kB/stats/swpout_fallback:1\nhugepages-64kB/stats/anon_fault_alloc:9\n')
    )
    const vm = { pswpout: 100, pswpin: 34 }
    // Whatever the device, the kernel has no source for swpin...
    expect(countersFromDeltas(vm, mthp).measured).not.toContain('swpin')
    // ...but from virtio-blk or a loop device every swapin is order 0.
    const r = countersFromDeltas(vm, mthp, null, { order0Swapin: true })
    expect(r.measured).toContain('swpin')
    expect(r.counters.swpin[0]).toBe(34)
    expect(r.counters.swpin.slice(1).every((n) => n === 0)).toBe(true)
    expect(r.counters.swpout[4]).toBe(2)
    // A kernel with the stats keeps its own per-order split.
    const own = countersFromDeltas(vm, { 'hugepages-64kB': { swpin: 1, swpout: 2 } }, null, { order0Swapin: true })
    expect(own.counters.swpin[4]).toBe(1)
    expect(own.counters.swpin[0]).toBe(34 - 16)
  })

  it('falls back to thp_swpout for order 9 on kernels without per-size stats', () => {
    const r = countersFromDeltas({ pswpout: 1024 + 7, thp_swpout: 2, thp_swpout_fallback: 1 }, {})
    expect(r.counters.swpout[9]).toBe(2)
    expect(r.counters.swpoutFallback[9]).toBe(1)
    expect(r.counters.swpout[0]).toBe(7)
  })
})

describe('/proc/swaps', () => {
  it('parses areas, unescaping octal escapes in names', () => {
    expect(parseProcSwaps(fixture('proc-swaps.txt'))).toEqual([
      { filename: '/dev/loop0', type: 'partition', sizeKb: 65532, usedKb: 4940, priority: 100 }
    ])
    const text = 'Filename\tType\tSize\tUsed\tPriority\n/tmp/a\\040b/swap0.img file 1020 0 -2\n'
    expect(parseProcSwaps(text)).toEqual([{ filename: '/tmp/a b/swap0.img', type: 'file', sizeKb: 1020, usedKb: 0, priority: -2 }])
  })
})
