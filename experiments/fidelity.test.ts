import { describe, expect, it } from 'vitest'
import type { RunSummary } from '../engine/pure'
import { fakeKernelSummary, fakeSummary } from '../main/lab/testing/fixtures'
import {
  buildFidelityReport,
  caseSkipReason,
  FIDELITY_CASES,
  fidelityPlan,
  fidelityStamp,
  fidelityStamps,
  parseFidelityName,
  type FidelityRun
} from './fidelity'
import { fidelityMarkdown, fidelityTableRows } from './fidelityFormat'
import { validateExperiment } from './schema'
import { variantLabel } from './sweep'

const KERNELS = [
  { image: 'host', release: '6.18.44-fc' },
  { image: 'debian-6.12', release: '6.12.117+deb12-cloud-amd64' },
  { image: 'debian-6.1', release: '6.1.0-56-cloud-amd64' }
]

describe('the fidelity set', () => {
  it('covers sequential and random usemem, one and several processes, two limits, and the thp test in its three modes', () => {
    const u = FIDELITY_CASES.filter((c) => c.workload.name === 'usemem')
    expect(u.some((c) => c.workload.params.random) && u.some((c) => !c.workload.params.random)).toBe(true)
    expect(new Set(u.map((c) => c.workload.params.tasks)).size).toBeGreaterThan(1)
    for (const tasks of [1, 4])
      expect(new Set(u.filter((c) => c.workload.params.tasks === tasks).map((c) => c.memoryLimitBytes)).size).toBe(2)
    const t = FIDELITY_CASES.filter((c) => c.workload.name === 'thp-swap-allocator-test').map((c) => c.workload.params)
    expect(t).toHaveLength(3)
    expect(t.filter((p) => !p.alignedSwapin && !p.smallFolioArea)).toHaveLength(1)
    expect(t.filter((p) => p.alignedSwapin)).toHaveLength(1)
    expect(t.filter((p) => p.smallFolioArea)).toHaveLength(1)
    expect(new Set(FIDELITY_CASES.map((c) => c.id)).size).toBe(FIDELITY_CASES.length)
  })

  it('plans one valid experiment per case with every kernel and its paired design, 3 trials', () => {
    const plan = fidelityPlan({ kernels: KERNELS, quick: false, stamp: '20261128T0800Z', cpus: 2, hostProfile: false })
    expect(plan.experiments).toHaveLength(FIDELITY_CASES.length)
    for (const e of plan.experiments) {
      const v = validateExperiment(e)
      expect(v.ok ? [] : v.errors).toEqual([])
      expect(e.trials).toBe(3)
      expect(e.devices[0].preset).toBe('nvme')
      expect(parseFidelityName(e.name)?.stamp).toBe('20261128T0800Z')
    }
    const usemem = plan.experiments[0].designs.map(variantLabel)
    expect(usemem).toEqual([
      'kernel host lru=classic',
      'kernel debian-6.12 lru=classic',
      'kernel debian-6.1 lru=classic',
      'swap-table P1',
      'cluster',
      'legacy'
    ])
    // 6.1 has no per-size mTHP: its thp cases are skipped, saying why.
    const thp = plan.experiments.find((e) => e.name.endsWith('/thp-default'))!
    expect(thp.designs.map(variantLabel)).toEqual(['kernel host lru=classic', 'kernel debian-6.12 lru=classic', 'swap-table P1', 'cluster'])
    expect(plan.skipped.filter((s) => s.image === 'debian-6.1').map((s) => s.caseId)).toEqual(['thp-default', 'thp-aligned', 'thp-small'])
    expect(plan.skipped[0].reason).toMatch(/6\.8/)
  })

  it('adds the host design under the host profile only once the profile is fitted', () => {
    const withProfile = fidelityPlan({ kernels: KERNELS, quick: true, stamp: 's', cpus: 2, hostProfile: true })
    const host = withProfile.experiments.filter((e) => e.costProfile === 'host')
    expect(host).toHaveLength(FIDELITY_CASES.filter((c) => c.quick).length)
    expect(host[0].designs.map(variantLabel)).toEqual(['swap-table P1'])
    expect(withProfile.experiments.every((e) => e.trials === 1)).toBe(true)
    expect(
      fidelityPlan({ kernels: KERNELS, quick: true, stamp: 's', cpus: 2, hostProfile: false }).experiments.some((e) => e.costProfile)
    ).toBe(false)
    // Without the host there is nothing to hold the host profile to.
    expect(
      fidelityPlan({ kernels: KERNELS.slice(1), quick: true, stamp: 's', cpus: 2, hostProfile: true }).experiments.some(
        (e) => e.costProfile
      )
    ).toBe(false)
  })

  it('skips a release no design models', () => {
    const plan = fidelityPlan({ kernels: [{ image: 'old', release: '5.10.0' }], quick: false, stamp: 's', cpus: 2, hostProfile: false })
    expect(plan.experiments).toEqual([])
    expect(plan.skipped).toEqual([{ image: 'old', caseId: null, reason: expect.stringMatching(/5\.10\.0 is not modelled/) }])
    expect(caseSkipReason(FIDELITY_CASES[0], 'garbage')).toMatch(/cannot read/)
  })

  it('names and stamps sort as time does', () => {
    expect(fidelityStamp(new Date('2026-11-28T07:40:12.345Z'))).toBe('20261128T0740Z')
    expect(parseFidelityName('fidelity/20261128T0740Z/thp-small')).toEqual({ stamp: '20261128T0740Z', caseId: 'thp-small' })
    expect(parseFidelityName('fidelity: something')).toBeNull()
    expect(fidelityStamps(['fidelity/a/x', 'other', 'fidelity/b/y', 'fidelity/a/z'])).toEqual(['b', 'a'])
  })
})

// ---------------------------------------------------------------------------------------------

let nextId = 1
function kernelRun(
  caseId: string,
  o: { where?: 'host' | 'vm'; pswpout: number; pswpin?: number; fallback?: number[]; sysS?: number },
  stamp = 'S1'
): FidelityRun {
  const s = fakeKernelSummary({ where: o.where ?? 'vm' })
  s.counters = { ...s.counters, pswpout: o.pswpout, pswpin: o.pswpin ?? 100, readaheadPages: 40, readaheadHits: 20, majorFaults: 80 }
  if (o.fallback) s.workloadMetrics = { ...s.workloadMetrics, fallbackPercentPerIteration: o.fallback }
  if (o.sysS !== undefined) s.systemTimeNs = o.sysS * 1e9
  return {
    id: nextId++,
    experimentName: `fidelity/${stamp}/${caseId}`,
    variantLabel: o.where === 'host' ? 'kernel host' : 'kernel debian-6.12',
    design: 'kernel',
    status: 'done',
    error: null,
    summary: s
  }
}

function simRun(
  caseId: string,
  label: string,
  o: { pswpout: number; pswpin?: number; fallback?: number[]; sysS?: number; profile?: string },
  stamp = 'S1'
): FidelityRun {
  const s: RunSummary = fakeSummary({ design: label.startsWith('swap-table') ? 'swap-table' : 'cluster' })
  s.counters = { ...s.counters, pswpout: o.pswpout, pswpin: o.pswpin ?? 100, readaheadPages: 40, readaheadHits: 20, majorFaults: 80 }
  if (o.fallback) s.workloadMetrics = { ...s.workloadMetrics, fallbackPercentPerIteration: o.fallback }
  if (o.sysS !== undefined) s.systemTimeNs = o.sysS * 1e9
  if (o.profile) s.costProfile = { name: o.profile, hash: 'h', changed: { cost: {}, devices: {} } }
  return {
    id: nextId++,
    experimentName: `fidelity/${stamp}/${caseId}`,
    variantLabel: label,
    design: s.design,
    status: 'done',
    error: null,
    summary: s
  }
}

describe('the fidelity report', () => {
  it('sets each kernel against its paired design with mean ± spread, the relative difference and the 5 % goal', () => {
    const runs = [
      kernelRun('usemem-seq-1p-32M', { pswpout: 1000 }),
      kernelRun('usemem-seq-1p-32M', { pswpout: 1100 }),
      kernelRun('usemem-seq-1p-32M', { pswpout: 900 }),
      simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 1040 }),
      // Another design's runs are not the pair of a 6.12 kernel.
      simRun('usemem-seq-1p-32M', 'swap-table P1', { pswpout: 5000 })
    ]
    const r = buildFidelityReport(runs, { hostProfile: false })!
    expect(r.pairs).toHaveLength(1)
    const p = r.pairs[0]
    expect(p.simLabel).toBe('cluster')
    const out = p.rows.find((x) => x.metric === 'pswpout')!
    expect(out.kernel).toMatchObject({ n: 3, mean: 1000, stddev: 100 })
    expect(out.sim?.mean).toBe(1040)
    expect(out.diff).toBeCloseTo(0.04, 12)
    expect(out.meets).toBe(true)
    expect(p.rows.find((x) => x.metric === 'pswpin')!.meets).toBe(true)
    // No host rows in a VM.
    expect(p.rows.some((x) => x.metric.startsWith('system_time'))).toBe(false)
  })

  it('fails a counter 6 % off, and a kernel 0 against a simulated count', () => {
    const runs = [
      kernelRun('usemem-seq-1p-32M', { pswpout: 1000, pswpin: 0 }),
      simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 1060, pswpin: 300 })
    ]
    const p = buildFidelityReport(runs, { hostProfile: false })!.pairs[0]
    expect(p.rows.find((x) => x.metric === 'pswpout')).toMatchObject({ meets: false })
    expect(p.rows.find((x) => x.metric === 'pswpin')).toMatchObject({ diff: null, meets: false, note: 'the kernel counted 0' })
    const r = buildFidelityReport(runs, { hostProfile: false })!
    expect(r.worst.find((w) => w.metric === 'pswpin')?.diff).toBeNull()
    expect(r.counts.misses).toBe(2)
    expect(fidelityMarkdown(r)).toMatch(/\*\*MISS/)
    // A kernel run with options (lru=classic) says so beside its release.
    const classic = runs.map((x) => (x.design === 'kernel' ? { ...x, variantLabel: `${x.variantLabel} lru=classic` } : x))
    expect(fidelityMarkdown(buildFidelityReport(classic, { hostProfile: false })!)).toMatch(
      /\| [^|]* \(VM TCG, lru=classic\) \| cluster \|/
    )
  })

  it('holds mTHP fallback to 5 points in every iteration, not on average', () => {
    const k = [0, 0, 10, 0]
    const runs = [
      kernelRun('thp-default', { pswpout: 1000, fallback: k }),
      simRun('thp-default', 'cluster', { pswpout: 1000, fallback: [1, 0, 7, 0] }),
      kernelRun('thp-aligned', { pswpout: 1000, fallback: k }),
      // The same mean (2.5) as the kernel, but 10 points off in two iterations.
      simRun('thp-aligned', 'cluster', { pswpout: 1000, fallback: [10, 0, 0, 0] })
    ]
    const r = buildFidelityReport(runs, { hostProfile: false })!
    expect(r.caseIds).toEqual(['thp-default', 'thp-aligned'])
    const def = r.pairs[0].rows.find((x) => x.metric === 'mthp_fallback_per_iteration')!
    expect(def).toMatchObject({ diffKind: 'points', meets: true })
    expect(def.diff).toBeCloseTo(-3, 12) // at iteration 3
    expect(def.note).toMatch(/iteration 3 of 4/)
    const al = r.pairs[1].rows.find((x) => x.metric === 'mthp_fallback_per_iteration')!
    expect(al.kernel?.mean).toBe(al.sim?.mean)
    expect(al.meets).toBe(false)
    expect(Math.abs(al.diff!)).toBe(10)
  })

  it('gives the host system time and throughput under both profiles, and says when the host profile is not fitted', () => {
    const runs = [
      kernelRun('usemem-seq-1p-32M', { where: 'host', pswpout: 1000, sysS: 1.0 }),
      simRun('usemem-seq-1p-32M', 'swap-table P1', { pswpout: 1000, sysS: 0.2 })
    ]
    const r = buildFidelityReport(runs, { hostProfile: false })!
    const rows = r.pairs[0].rows
    expect(rows.find((x) => x.metric === 'system_time_s')).toMatchObject({ goal: null, meets: null })
    expect(rows.find((x) => x.metric === 'system_time_s')!.diff).toBeCloseTo(-0.8, 12)
    expect(rows.find((x) => x.metric === 'system_time_s_host_profile')).toMatchObject({
      sim: null,
      meets: null,
      note: 'host profile: not fitted'
    })
    expect(fidelityTableRows(r).rows.some((row) => row.includes('host profile: not fitted'))).toBe(true)
    const fitted = buildFidelityReport(
      [...runs, simRun('usemem-seq-1p-32M', 'swap-table P1', { pswpout: 1000, sysS: 1.1, profile: 'host' })],
      {
        hostProfile: true
      }
    )!
    const sys = fitted.pairs[0].rows.find((x) => x.metric === 'system_time_s_host_profile')!
    expect(sys.diff).toBeCloseTo(0.1, 12)
    expect(sys.meets).toBe(true)
    // The host-profile run is not mixed into the default-profile column.
    expect(fitted.pairs[0].rows.find((x) => x.metric === 'system_time_s')!.sim?.n).toBe(1)
  })

  it('uses the newest set unless told which, and names runs that did not finish', () => {
    const failed: FidelityRun = { ...kernelRun('usemem-seq-1p-32M', { pswpout: 1 }, 'S2'), status: 'failed', error: 'boom', summary: null }
    const runs = [
      kernelRun('usemem-seq-1p-32M', { pswpout: 1000 }, 'S1'),
      simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 1000 }, 'S1'),
      failed
    ]
    const newest = buildFidelityReport(runs, { hostProfile: false })!
    expect(newest.stamp).toBe('S2')
    expect(newest.pairs[0].problems).toEqual([`run ${failed.id} failed: boom`])
    expect(newest.pairs[0].rows.every((x) => x.meets === null)).toBe(true)
    expect(buildFidelityReport(runs, { stamp: 'S1', hostProfile: false })!.pairs[0].rows[0].meets).toBe(true)
    expect(
      buildFidelityReport(
        [simRun('x', 'cluster', { pswpout: 1 }, 'S3')].map((r) => ({ ...r, experimentName: 'plain' })),
        { hostProfile: false }
      )
    ).toBeNull()
  })
})

describe('a case run again', () => {
  it('reports the newest experiment of each kernel and simulated design, and the problems of those only', () => {
    const at = (r: FidelityRun, experimentId: number): FidelityRun => ({ ...r, experimentId })
    const oldKernel = at(kernelRun('usemem-seq-1p-32M', { pswpout: 5000 }), 1)
    const oldSim = at(simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 900 }), 1)
    const oldCancelled = { ...at(simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 0 }), 1), status: 'cancelled' as const, summary: null }
    const newKernel = at(kernelRun('usemem-seq-1p-32M', { pswpout: 1000 }), 2)
    const newSim = at(simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 1010 }), 3)
    const r = buildFidelityReport([oldKernel, oldSim, oldCancelled, newKernel, newSim], { hostProfile: false })!
    const row = r.pairs[0].rows.find((x) => x.metric === 'pswpout')!
    expect(row.kernel!.mean).toBe(1000)
    expect(row.sim!.mean).toBe(1010)
    expect(r.pairs[0].kernelRunIds).toEqual([newKernel.id])
    expect(r.pairs[0].simRunIds).toEqual([newSim.id])
    // The cancelled run belonged to the replaced simulation: not a problem of this report.
    expect(r.pairs[0].problems).toEqual([])
    const failedNow = {
      ...at(simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 0 }), 3),
      status: 'failed' as const,
      error: 'x',
      summary: null
    }
    expect(buildFidelityReport([newKernel, newSim, failedNow], { hostProfile: false })!.pairs[0].problems).toEqual([
      `simulated run ${failedNow.id} failed: x`
    ])
  })
})

describe('the goal against the kernel’s own noise', () => {
  it('accepts a simulated value inside the range of the kernel’s trials, and only then', () => {
    const runs = [
      kernelRun('usemem-seq-1p-32M', { pswpout: 1000 }),
      kernelRun('usemem-seq-1p-32M', { pswpout: 1200 }),
      simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 1010 })
    ]
    // Kernel mean 1100: the simulation is 8.2 % below it but inside [1000, 1200].
    const row = buildFidelityReport(runs, { hostProfile: false })!.pairs[0].rows.find((x) => x.metric === 'pswpout')!
    expect(row.diff).toBeCloseTo(-0.0818, 3)
    expect(row).toMatchObject({ meets: true, note: "within the kernel's own trial range" })
    const outside = buildFidelityReport([...runs.slice(0, 2), simRun('usemem-seq-1p-32M', 'cluster', { pswpout: 990 })], {
      hostProfile: false
    })!
    expect(outside.pairs[0].rows.find((x) => x.metric === 'pswpout')!.meets).toBe(false)
  })
})
