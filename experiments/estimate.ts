// A rough wall-clock estimate of a run, for the run preview: pages the workload touches
// times the engine's cost per simulated page access, plus a fixed start-up cost.

import { PAGE_SIZE, fmtBytes, type EngineConfig } from '../engine/pure'

/**
 * Engine wall time per page access by storage, and per run (worker start, device setup).
 * Fitted to the shipped presets on a 2-core box (engine 0.1.0): 10-30 us per access with a
 * device file, 1.5-4 us metadata-only; so this is a rough figure, not a promise.
 */
export const SECONDS_PER_PAGE_TOUCH = { file: 15e-6, 'metadata-only': 3e-6 } as const
export const SECONDS_PER_RUN = 0.3

/** Page accesses a run makes, roughly. */
export function estimatePageTouches(c: EngineConfig): number {
  const p = c.workload.params
  const pages = (bytes: unknown): number => Number(bytes) / PAGE_SIZE
  switch (c.workload.name) {
    case 'usemem':
      return Number(p.tasks) * pages(p.sizeBytes) * Number(p.passes)
    case 'fill':
      return pages(c.memoryLimitBytes) + (pages(c.devices.reduce((s, d) => s + d.sizeBytes, 0)) * Number(p.targetPercent)) / 100
    case 'thp-swap-allocator-test':
      // Warm-up writes the region (and the small area); each iteration swaps in, drops and re-dirties, pages out.
      return (
        pages(p.regionBytes) * (1 + Number(p.iterations)) +
        (pages(p.swapinBytes ?? 0) + pages(p.dropBytes) + (p.smallFolioArea ? pages(p.smallSwapinBytes ?? 0) : 0)) * Number(p.iterations) +
        (p.smallFolioArea ? pages(p.smallAreaBytes) * (1 + Number(p.iterations)) : 0)
      )
    case 'kbuild':
      return Number(p.totalTasks) * pages(Math.sqrt(Number(p.wsMinBytes) * Number(p.wsMaxBytes))) * Number(p.touchesPerPage)
    case 'redis-bgsave':
      return (
        Number(p.requests) +
        (Number(p.bgsaveEvery) > 0 ? (Number(p.requests) / Number(p.bgsaveEvery)) * pages(p.keyspaceBytes) : 0) +
        pages(p.keyspaceBytes)
      )
    case 'trace':
      return 1e6 * Number(p.repeat)
  }
}

/**
 * Kernel runs, measured on the development machine (usemem 96 MiB in 48 MiB): about 7 s on
 * the host (device file, cgroup, restore), about 20 s for a Debian kernel under TCG (QEMU
 * start and boot dominate); per page touched, about 40 us on the host and 200 us under TCG.
 */
export const KERNEL_SECONDS = { host: { run: 5, perPage: 40e-6 }, vm: { run: 15, perPage: 200e-6 } } as const

export function estimateRunSeconds(c: EngineConfig): number {
  if (c.design === 'kernel') {
    const k = KERNEL_SECONDS[c.designOptions.image === 'host' ? 'host' : 'vm']
    return k.run + estimatePageTouches(c) * k.perPage
  }
  return SECONDS_PER_RUN + estimatePageTouches(c) * SECONDS_PER_PAGE_TOUCH[c.storage]
}

/**
 * Simulated time per page access, roughly: 0.4 to 7.5 us over the shipped presets' runs
 * (every run swaps: the engine refuses a memory limit the workload fits in). Their geometric
 * middle, so an estimate is within about 4x either way.
 */
export const SIM_NS_PER_PAGE_TOUCH = 2000
/** Samples the automatic sample interval aims at over a run's expected simulated length. */
export const AUTO_SAMPLES = 300
/** The automatic interval stays within these: never finer than 10 us, never coarser than the old fixed 10 ms. */
export const AUTO_SAMPLE_MIN_NS = 10_000
export const AUTO_SAMPLE_MAX_NS = 10_000_000

/**
 * The sample interval of `sampleIntervalNs: 0` (automatic): the run's expected simulated
 * length over AUTO_SAMPLES, on a 1-2-5 step, so a run of a few tens of milliseconds gets
 * hundreds of samples instead of the handful a fixed 10 ms gives. Sampling only observes the
 * simulation (Scheduler.observe): the interval changes the time series, nothing else.
 */
export function autoSampleIntervalNs(c: EngineConfig): number {
  // Kernel runs sample /proc on their own clock and ignore the interval.
  if (c.design === 'kernel') return AUTO_SAMPLE_MAX_NS
  const raw = (estimatePageTouches(c) * SIM_NS_PER_PAGE_TOUCH) / AUTO_SAMPLES
  if (!(raw > 0)) return AUTO_SAMPLE_MAX_NS
  const mag = 10 ** Math.floor(Math.log10(raw))
  // The nearest of 1, 2, 5, 10 x mag on a log scale.
  const step = [1, 2, 5, 10].reduce((best, m) => (Math.abs(Math.log(raw / (m * mag))) < Math.abs(Math.log(raw / (best * mag))) ? m : best))
  return Math.min(AUTO_SAMPLE_MAX_NS, Math.max(AUTO_SAMPLE_MIN_NS, step * mag))
}

const MiB = 2 ** 20

/** Sizes to the KiB, so a device a page short of the need never reads as big enough ("63.996 MiB", not "64.0 MiB"). */
function fmtSize(n: number): string {
  if (n < MiB) return fmtBytes(n)
  const [v, unit] = n >= 2 ** 30 ? [n / 2 ** 30, 'GiB'] : [n / MiB, 'MiB']
  return `${Number(v.toFixed(3))} ${unit}`
}

/** Usable swap of the devices: every page but the header page of each (page 0 holds the swap header). */
export function usableSwapBytes(devices: readonly { sizeBytes: number }[]): number {
  return devices.reduce((s, d) => s + Math.max(0, Math.floor(d.sizeBytes / PAGE_SIZE) - 1) * PAGE_SIZE, 0)
}

/**
 * What the workload certainly holds at once, in bytes, with what it is made of; null where the
 * peak is not known before the run (kbuild's jobs come and go, a trace is read as it runs, fill
 * sizes itself to the device).
 */
export function workloadPeakBytes(c: Pick<EngineConfig, 'workload'>): { bytes: number; what: string } | null {
  const p = c.workload.params
  switch (c.workload.name) {
    case 'usemem': {
      // Every task holds all its pages from the end of its first pass to its unmap, so with two
      // passes or more all of them are held at once; with one pass the first to finish unmaps
      // while the others still touch theirs, and only one task's pages are sure to be held.
      const tasks = Number(p.passes) >= 2 ? Number(p.tasks) : 1
      const each = fmtSize(Number(p.sizeBytes))
      return {
        bytes: tasks * Number(p.sizeBytes),
        what: tasks > 1 ? `${tasks} tasks x ${each}, each held through ${p.passes} passes` : `one task's ${each}`
      }
    }
    case 'thp-swap-allocator-test': {
      const small = p.smallFolioArea ? Number(p.smallAreaBytes) : 0
      return {
        bytes: Number(p.regionBytes) + small,
        what: small ? `${fmtBytes(Number(p.regionBytes))} region + ${fmtBytes(small)} small-folio area` : 'its region'
      }
    }
    case 'redis-bgsave':
      return { bytes: Number(p.keyspaceBytes), what: 'its keyspace' }
    default:
      return null
  }
}

/**
 * The one check that the swap devices can take what the workload must swap out: the workload
 * holds its peak at once, the memory limit keeps the rest resident, so at least peak - limit
 * goes to swap. A device smaller than that makes every run fail out of swap, so it is refused
 * up front (the form and the CLI both validate through the experiment schema). Slots held by
 * the swap cache or stranded in per-CPU clusters can need more: this is the floor, not a promise.
 */
export function swapSpaceProblem(
  c: Pick<EngineConfig, 'workload' | 'devices' | 'memoryLimitBytes'>
): { field: string; message: string } | null {
  const peak = workloadPeakBytes(c)
  if (!peak) return null
  const need = peak.bytes - c.memoryLimitBytes
  const usable = usableSwapBytes(c.devices)
  if (need <= usable) return null
  const held = c.devices.length === 1 ? `the device holds ${fmtSize(usable)}` : `the ${c.devices.length} devices hold ${fmtSize(usable)}`
  return {
    field: c.devices.length === 1 ? 'devices.0.sizeBytes' : 'devices',
    message:
      `too small for the workload: ${c.workload.name} holds ${fmtSize(peak.bytes)} (${peak.what}) in a memory limit of ` +
      `${fmtSize(c.memoryLimitBytes)}, so at least ${fmtSize(need)} goes to swap, but ${held} (one page of each is the swap header); ` +
      `make it at least ${fmtBytes(Math.ceil((need + c.devices.length * PAGE_SIZE) / MiB) * MiB)}, raise the memory limit or shrink the workload`
  }
}
