// The fidelity set: a fixed, documented list of workloads run on real kernels and on the
// simulated design that models each kernel's release (engine/kernel/releases.ts), and the
// report that sets the two side by side, counter by counter, against the goals of issue 10.
// Pure: the runs are planned here and recorded as ordinary experiments (one per case, named
// `fidelity/<stamp>/<case>`); the report is rebuilt from whatever the store holds.

import type { DevicePresetName, RunSummary } from '../engine/pure'
import { majorMinor, pairedDesign } from '../engine/kernel/releases'
import { BUILTIN_PROFILES } from '../engine/sim/profiles'
import type {
  DesignVariant,
  ExperimentConfig,
  FidelityMetric,
  FidelityPair,
  FidelityReport,
  FidelityRow,
  FidelitySkip,
  FidelityStat,
  RunStatus
} from './api'
import { runMetrics } from './metrics'
import { trialStats } from './stats'
import { variantLabel } from './sweep'

const MiB = 2 ** 20

/** One workload of the set, run the same way on every kernel and simulated design. */
export interface FidelityCase {
  id: string
  /** One line: what it exercises. */
  title: string
  /** Part of the --quick set (CI-sized). */
  quick: boolean
  workload: ExperimentConfig['workload']
  memoryLimitBytes: number
  deviceSizeBytes: number
  thpOrders: number[]
}

const usemem = (
  id: string,
  title: string,
  quick: boolean,
  tasks: number,
  sizeMiB: number,
  random: boolean,
  limitMiB: number
): FidelityCase => ({
  id,
  title,
  quick,
  // Several processes pass in step (usemem --barrier): how many are resident at once then
  // depends on the swap design, not on how the kernel (or TCG) happens to schedule them.
  workload: { name: 'usemem', params: { tasks, sizeBytes: sizeMiB * MiB, passes: 2, random, ...(tasks > 1 ? { barrier: true } : {}) } },
  memoryLimitBytes: limitMiB * MiB,
  deviceSizeBytes: 256 * MiB,
  thpOrders: [0]
})

const thp = (id: string, title: string, quick: boolean, params: Record<string, boolean>): FidelityCase => ({
  id,
  title,
  quick,
  // The selftest's sizes (tools/testing/selftests/mm/thp_swap_allocator_test.c: 60 MiB of
  // 64 KiB folios, 16 MiB dropped and swapped in per iteration, on a 64 MiB device) with 30
  // of its 100 iterations: each iteration pages out the whole region (15,360 pages), and 100
  // of them take minutes per run under TCG; the fallback pattern is settled well before 30.
  workload: { name: 'thp-swap-allocator-test', params: { mthpOrder: 4, iterations: 30, ...params } },
  memoryLimitBytes: 128 * MiB,
  deviceSizeBytes: 64 * MiB,
  thpOrders: [0, 4]
})

/**
 * The set. usemem: sequential and random access, one process and four sharing the limit, each
 * at two limits (half and three quarters of what is touched, or so); every task writes its
 * area and reads it back twice (passes 2). The thp test in each of its three modes.
 */
export const FIDELITY_CASES: readonly FidelityCase[] = [
  usemem('usemem-seq-1p-32M', 'usemem sequential, 1 process x 64 MiB, limit 32 MiB', true, 1, 64, false, 32),
  usemem('usemem-rand-1p-32M', 'usemem random, 1 process x 64 MiB, limit 32 MiB', false, 1, 64, true, 32),
  usemem('usemem-rand-1p-48M', 'usemem random, 1 process x 64 MiB, limit 48 MiB', false, 1, 64, true, 48),
  usemem('usemem-seq-4p-64M', 'usemem sequential, 4 processes x 32 MiB in step, sharing a 64 MiB limit', false, 4, 32, false, 64),
  usemem('usemem-seq-4p-96M', 'usemem sequential, 4 processes x 32 MiB in step, sharing a 96 MiB limit', false, 4, 32, false, 96),
  usemem('usemem-rand-4p-64M', 'usemem random, 4 processes x 32 MiB in step, sharing a 64 MiB limit', true, 4, 32, true, 64),
  thp('thp-default', 'thp_swap_allocator_test (random 4 KiB swapin)', true, {}),
  thp('thp-aligned', 'thp_swap_allocator_test -a (aligned mTHP swapin)', false, { alignedSwapin: true }),
  thp('thp-small', 'thp_swap_allocator_test -s (plus a small-folio area)', false, { smallFolioArea: true })
]

/** The goals of issue 10. */
export const FIDELITY_GOALS = {
  /** Simulated counters within 5 % of the paired kernel's. */
  counterRelative: 0.05,
  /** mTHP fallback within 5 points in every iteration of the thp test. */
  fallbackPoints: 5,
  /** Host-profile system time within 15 % of the host kernel's. */
  hostSystemTimeRelative: 0.15
} as const

/** Trials per variant: enough to show the kernel's own spread (and the simulation's over seeds). */
export const FIDELITY_TRIALS = { full: 3, quick: 1 } as const

/**
 * The simulated device: an asynchronous SSD model, as the kernels really have. The host swaps
 * to a loop device and a VM to a virtio disk; neither is SWP_SYNCHRONOUS_IO, so a swapped-in
 * folio goes through the swap cache (and one MADV_PAGEOUT wrote stays there until reclaimed),
 * unlike zram, where the simulation would free it at once.
 */
export const FIDELITY_DEVICE_PRESET: DevicePresetName = 'nvme'

/** The per-size mTHP knobs (hugepages-<size>kB) the thp test needs came in 6.8. */
const FIRST_MTHP_RELEASE: [number, number] = [6, 8]

export const FIDELITY_NAME_PREFIX = 'fidelity/'

/** A kernel the set runs on: the image a run names and the release it boots (known before the run). */
export interface FidelityKernel {
  image: string
  release: string
}

export interface FidelityPlanOptions {
  kernels: FidelityKernel[]
  quick: boolean
  /** Groups the experiments of one invocation: `fidelity/<stamp>/<case>`. */
  stamp: string
  /** CPUs of the simulated machine (this machine's: the host runs unpinned, a VM gets min(cpus, host CPUs)). */
  cpus: number
  /** Whether the host cost profile is fitted (BUILTIN_PROFILES.host): then the host's design is also simulated with it. */
  hostProfile: boolean
  /** Only these cases (ids of FIDELITY_CASES); all (or the quick ones) when absent. */
  cases?: string[]
  /**
   * Only the simulated variants (the kernels' paired designs, and the host's under the host
   * profile): a recorded set simulated again after the simulation changed, against the same
   * kernel runs. The report uses each case's newest simulated runs.
   */
  simulatedOnly?: boolean
}

export interface FidelityPlan {
  experiments: ExperimentConfig[]
  skipped: FidelitySkip[]
}

/** Whether the host cost profile has been fitted and shipped (engine/sim/profiles). */
export function hostProfileFitted(): boolean {
  return BUILTIN_PROFILES.host !== null
}

/** "20261128T0740Z": a stamp that sorts as time does. */
export function fidelityStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace(/(T\d{4})\d{2}Z$/, '$1Z')
}

const atLeast = (v: [number, number], w: [number, number]): boolean => v[0] > w[0] || (v[0] === w[0] && v[1] >= w[1])

/** Which cases a kernel can run, or why not. */
export function caseSkipReason(c: FidelityCase, release: string): string | null {
  const v = majorMinor(release)
  if (!v) return `cannot read the release "${release}"`
  if (c.workload.name === 'thp-swap-allocator-test' && !atLeast(v, FIRST_MTHP_RELEASE))
    return `Linux ${v.join('.')} has no per-size mTHP (hugepages-<size>kB came in 6.8): the thp test has nothing to measure`
  return null
}

/** The experiments of the set: per case the kernels, their paired designs, and the host's design under the host profile. */
export function fidelityPlan(o: FidelityPlanOptions): FidelityPlan {
  const skipped: FidelitySkip[] = []
  const kernels: (FidelityKernel & { sim: DesignVariant })[] = []
  for (const k of o.kernels) {
    const paired = pairedDesign(k.release)
    if (!paired) {
      skipped.push({ image: k.image, caseId: null, reason: `release ${k.release} is not modelled by any simulated design (before 6.1)` })
      continue
    }
    kernels.push({ ...k, sim: { design: paired.design, options: paired.options } })
  }
  const experiments: ExperimentConfig[] = []
  for (const c of FIDELITY_CASES) {
    if (o.cases ? !o.cases.includes(c.id) : o.quick && !c.quick) continue
    const here = kernels.filter((k) => {
      const reason = caseSkipReason(c, k.release)
      if (reason) skipped.push({ image: k.image, caseId: c.id, reason })
      return !reason
    })
    if (!here.length) continue
    const sims = unique(here.map((k) => k.sim))
    const base = {
      name: `${FIDELITY_NAME_PREFIX}${o.stamp}/${c.id}`,
      workload: structuredClone(c.workload),
      devices: [{ sizeBytes: c.deviceSizeBytes, preset: FIDELITY_DEVICE_PRESET, priority: 0, discard: false }],
      storage: 'file' as const,
      memoryLimitBytes: c.memoryLimitBytes,
      cpus: o.cpus,
      seed: 1,
      trials: o.quick ? FIDELITY_TRIALS.quick : FIDELITY_TRIALS.full,
      thpOrders: [...c.thpOrders],
      pageCluster: 3,
      sampleIntervalNs: 10_000_000,
      tickNs: 4_000_000,
      fsyncPerBatch: false,
      checkInvariants: false,
      sweep: null
    }
    // Every kernel reclaims with the classic LRU the simulation models (lru=classic: MGLRU off
    // where the kernel enables it, as Debian does from 6.12).
    const kernelDesigns = o.simulatedOnly
      ? []
      : here.map((k) => ({ design: 'kernel' as const, options: { image: k.image, lru: 'classic' as const } }))
    experiments.push({ ...base, designs: [...kernelDesigns, ...sims] })
    const host = here.find((k) => k.image === 'host')
    if (host && o.hostProfile) experiments.push({ ...base, designs: [host.sim], costProfile: 'host' })
  }
  return { experiments, skipped }
}

function unique(vs: DesignVariant[]): DesignVariant[] {
  const seen = new Set<string>()
  return vs.filter((v) => {
    const l = variantLabel(v)
    if (seen.has(l)) return false
    seen.add(l)
    return true
  })
}

/** `fidelity/<stamp>/<case>` -> its parts; null for any other experiment. */
export function parseFidelityName(name: string): { stamp: string; caseId: string } | null {
  const m = /^fidelity\/([^/\s]+)\/([^/\s]+)$/.exec(name)
  return m ? { stamp: m[1], caseId: m[2] } : null
}

// ---------------------------------------------------------------------------------------------
// The report

/** What the report needs of a recorded run (a RunDetail has it all). */
export interface FidelityRun {
  id: number
  /** Simulated runs of a case recorded again (`--resimulate`): the report uses the newest experiment's. */
  experimentId?: number
  experimentName: string
  variantLabel: string
  design: string
  status: RunStatus
  error: string | null
  summary: RunSummary | null
}

export const FIDELITY_COUNTERS = ['pswpout', 'pswpin', 'readahead_pages', 'readahead_hits', 'major_faults'] as const

/** Stamps of the fidelity sets a list of experiment names holds, newest first. */
export function fidelityStamps(names: Iterable<string>): string[] {
  const s = new Set<string>()
  for (const n of names) {
    const p = parseFidelityName(n)
    if (p) s.add(p.stamp)
  }
  return [...s].sort().reverse()
}

const stat = (xs: number[]): FidelityStat | null => {
  const f = xs.filter(Number.isFinite)
  if (!f.length) return null
  const t = trialStats(f)
  return { n: t.n, mean: t.mean, stddev: t.stddev, min: t.min, max: t.max }
}

function relativeRow(metric: FidelityMetric, k: number[], s: number[], goal: number | null, kernelMissing?: string): FidelityRow {
  const kernel = stat(k)
  const sim = stat(s)
  if (!kernel || !sim) {
    const note = !kernel ? (kernelMissing ?? 'not measured by the kernel') : 'no simulated run'
    return { metric, kernel, sim, diff: null, diffKind: 'relative', goal, meets: null, note }
  }
  if (kernel.mean === 0) {
    const same = sim.mean === 0
    return {
      metric,
      kernel,
      sim,
      diff: same ? 0 : null,
      diffKind: 'relative',
      goal,
      meets: goal === null ? null : same,
      note: same ? undefined : 'the kernel counted 0'
    }
  }
  const diff = (sim.mean - kernel.mean) / kernel.mean
  if (goal === null) return { metric, kernel, sim, diff, diffKind: 'relative', goal, meets: null }
  if (Math.abs(diff) <= goal + 1e-12) return { metric, kernel, sim, diff, diffKind: 'relative', goal, meets: true }
  // The kernel cannot be matched closer than it matches itself: a simulated value inside the
  // range of the kernel's own trials meets the goal (said so in the note).
  const inRange = kernel.n > 1 && sim.mean >= kernel.min && sim.mean <= kernel.max
  return {
    metric,
    kernel,
    sim,
    diff,
    diffKind: 'relative',
    goal,
    meets: inRange,
    note: inRange ? "within the kernel's own trial range" : undefined
  }
}

/** Mean fallback % per iteration over trials. */
function perIteration(runs: FidelityRun[]): number[] | null {
  const series = runs.map((r) => r.summary?.workloadMetrics?.fallbackPercentPerIteration).filter((v): v is number[] => Array.isArray(v))
  if (!series.length) return null
  const n = Math.min(...series.map((s) => s.length))
  return Array.from({ length: n }, (_, i) => series.reduce((a, s) => a + s[i], 0) / series.length)
}

function fallbackRow(kRuns: FidelityRun[], sRuns: FidelityRun[]): FidelityRow {
  const metric = 'mthp_fallback_per_iteration'
  const trialMeans = (runs: FidelityRun[]): number[] =>
    runs
      .map((r) => r.summary?.workloadMetrics?.fallbackPercentPerIteration)
      .filter((v): v is number[] => Array.isArray(v) && v.length > 0)
      .map((v) => v.reduce((a, x) => a + x, 0) / v.length)
  const kernel = stat(trialMeans(kRuns))
  const sim = stat(trialMeans(sRuns))
  const k = perIteration(kRuns)
  const s = perIteration(sRuns)
  const goal = FIDELITY_GOALS.fallbackPoints
  if (!k || !s || !kernel || !sim)
    return {
      metric,
      kernel,
      sim,
      diff: null,
      diffKind: 'points',
      goal,
      meets: null,
      note: !k ? 'not reported by the kernel run' : 'no simulated run'
    }
  let worst = 0
  let at = 0
  for (let i = 0; i < Math.min(k.length, s.length); i++)
    if (Math.abs(s[i] - k[i]) > Math.abs(worst)) {
      worst = s[i] - k[i]
      at = i
    }
  const note = `mean over iterations; diff: the worst, iteration ${at + 1} of ${Math.min(k.length, s.length)}${k.length !== s.length ? `; iterations differ: kernel ${k.length}, simulation ${s.length}` : ''}`
  return { metric, kernel, sim, diff: worst, diffKind: 'points', goal, meets: Math.abs(worst) <= goal + 1e-12, note }
}

const metricOf = (runs: FidelityRun[], name: string): number[] =>
  runs.map((r) => (r.summary ? runMetrics(r.summary)[name] : undefined)).filter((v): v is number => v !== undefined)

/**
 * The report of one fidelity set (the newest when no stamp is given) from recorded runs: per
 * case and kernel, each counter of the kernel (mean ± spread over trials) against its paired
 * simulated design, the difference and whether it meets the goal.
 */
export function buildFidelityReport(allRuns: FidelityRun[], opts: { stamp?: string; hostProfile: boolean }): FidelityReport | null {
  const stamp = opts.stamp ?? fidelityStamps(allRuns.map((r) => r.experimentName))[0]
  if (!stamp) return null
  const byCase = new Map<string, FidelityRun[]>()
  for (const r of allRuns) {
    const p = parseFidelityName(r.experimentName)
    if (!p || p.stamp !== stamp) continue
    byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), r])
  }
  if (!byCase.size) return null
  const order = (id: string): number => {
    const i = FIDELITY_CASES.findIndex((c) => c.id === id)
    return i < 0 ? FIDELITY_CASES.length : i
  }
  const caseIds = [...byCase.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b))
  const pairs: FidelityPair[] = []
  for (const caseId of caseIds) {
    const runs = byCase.get(caseId)!
    const c = FIDELITY_CASES.find((x) => x.id === caseId)
    const done = runs.filter((r) => r.status === 'done' && r.summary)
    const notDone = runs.filter((r) => r.status !== 'done')
    const images = [...new Set(runs.filter((r) => r.design === 'kernel').map((r) => r.variantLabel))]
    for (const label of images) {
      // A case run again on a kernel (--cases ... --stamp) replaces its earlier runs there.
      const kAll = newestExperiment(runs.filter((r) => r.design === 'kernel' && r.variantLabel === label))
      const kRuns = kAll.filter((r) => r.status === 'done' && r.summary?.kernel)
      const info = kRuns[0]?.summary?.kernel
      const problems = kAll.filter((r) => r.status !== 'done').map((r) => `run ${r.id} ${r.status}${r.error ? `: ${r.error}` : ''}`)
      const paired = info?.pairedDesign
        ? variantLabel({ design: info.pairedDesign.design as DesignVariant['design'], options: info.pairedDesign.options })
        : null
      if (info && !paired) problems.push(`release ${info.release} is not paired with a simulated design`)
      const simOf = (profile: string): FidelityRun[] => {
        if (!paired) return []
        const all = done.filter(
          (r) => r.design !== 'kernel' && r.variantLabel === paired && (r.summary?.costProfile?.name ?? 'default') === profile
        )
        return newestExperiment(all)
      }
      const sRuns = simOf('default')
      const hRuns = simOf('host')
      // Simulated runs that did not complete, of the simulation in use (not of one it replaced).
      const used = [...sRuns, ...hRuns].map((r) => r.experimentId ?? -Infinity)
      const inUse = used.length ? Math.min(...used) : -Infinity
      if (paired)
        problems.push(
          ...notDone
            .filter((r) => r.variantLabel === paired && (r.experimentId ?? Infinity) >= inUse)
            .map((r) => `simulated run ${r.id} ${r.status}${r.error ? `: ${r.error}` : ''}`)
        )
      const rows: FidelityRow[] = FIDELITY_COUNTERS.map((m) =>
        relativeRow(m, metricOf(kRuns, m), metricOf(sRuns, m), FIDELITY_GOALS.counterRelative)
      )
      if (
        c?.workload.name === 'thp-swap-allocator-test' ||
        kRuns.some((r) => Array.isArray(r.summary?.workloadMetrics?.fallbackPercentPerIteration))
      )
        rows.push(fallbackRow(kRuns, sRuns))
      if (info?.where === 'host') {
        const noProfile = opts.hostProfile ? 'no host-profile run in this set' : 'host profile: not fitted'
        rows.push(relativeRow('system_time_s', metricOf(kRuns, 'system_time_s'), metricOf(sRuns, 'system_time_s'), null))
        const sys = relativeRow(
          'system_time_s_host_profile',
          metricOf(kRuns, 'system_time_s'),
          metricOf(hRuns, 'system_time_s'),
          FIDELITY_GOALS.hostSystemTimeRelative
        )
        if (!hRuns.length) sys.note = noProfile
        rows.push(sys)
        if (c?.workload.name !== 'thp-swap-allocator-test') {
          rows.push(
            relativeRow(
              'throughput_bytes_per_s',
              metricOf(kRuns, 'throughput_bytes_per_s'),
              metricOf(sRuns, 'throughput_bytes_per_s'),
              null
            )
          )
          const tp = relativeRow(
            'throughput_bytes_per_s_host_profile',
            metricOf(kRuns, 'throughput_bytes_per_s'),
            metricOf(hRuns, 'throughput_bytes_per_s'),
            null
          )
          if (!hRuns.length) tp.note = noProfile
          rows.push(tp)
        }
      }
      pairs.push({
        caseId,
        caseTitle: c?.title ?? caseId,
        kernelImage: label.replace(/^kernel /, ''),
        kernelRelease: info?.release ?? '?',
        where: info?.where === 'host' ? 'host' : 'vm',
        accel: info?.accel ?? '?',
        kernel: info
          ? {
              release: info.release,
              where: info.where,
              accel: info.accel,
              timingsAreKernel: info.timingsAreKernel,
              countersSystemWide: info.countersSystemWide,
              pairedDesign: paired
            }
          : null,
        simLabel: paired,
        kernelRunIds: kAll.map((r) => r.id),
        simRunIds: [...sRuns, ...hRuns].map((r) => r.id),
        rows,
        problems
      })
    }
  }
  return { stamp, caseIds, pairs, hostProfile: opts.hostProfile, goals: FIDELITY_GOALS, worst: worstRows(pairs), counts: countRows(pairs) }
}

/** The runs of the newest experiment among them (the latest run of a case on a kernel or design), all when none says its experiment. */
function newestExperiment(runs: FidelityRun[]): FidelityRun[] {
  const ids = runs.map((r) => r.experimentId).filter((x): x is number => x !== undefined)
  if (!ids.length) return runs
  const newest = Math.max(...ids)
  return runs.filter((r) => r.experimentId === undefined || r.experimentId === newest)
}

function countRows(pairs: FidelityPair[]): FidelityReport['counts'] {
  const judged = pairs.flatMap((p) => p.rows).filter((r) => r.meets !== null)
  const meets = judged.filter((r) => r.meets).length
  return { rows: judged.length, meets, misses: judged.length - meets }
}

/** Per metric, the row with the largest |diff| (a kernel 0 against a simulated non-zero counts as the largest). */
function worstRows(pairs: FidelityPair[]): FidelityReport['worst'] {
  const out: FidelityReport['worst'] = []
  const metrics = [...new Set(pairs.flatMap((p) => p.rows.map((r) => r.metric)))]
  for (const metric of metrics) {
    let best: FidelityReport['worst'][number] | null = null
    let size = -1
    for (const p of pairs)
      for (const r of p.rows) {
        if (r.metric !== metric || !r.kernel || !r.sim) continue
        const s = r.diff === null ? Infinity : Math.abs(r.diff)
        if (s > size) {
          size = s
          best = { metric, caseId: p.caseId, kernelImage: p.kernelImage, diff: r.diff, diffKind: r.diffKind }
        }
      }
    if (best) out.push(best)
  }
  return out
}
