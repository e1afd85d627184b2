// Figures for the issue "Every design in the debate, and the workloads kernel developers
// use": (1) thp_swap_allocator_test's mTHP fallback % per iteration for 6.10, the cluster
// allocator and the swap table (legacy and vswap beside them), with and without the
// small-folio area, on the selftest's own 64 MiB zram and on a 1 GiB NVMe device;
// (2) HAS_CACHE retries against folio-lock waits on redis-bgsave with I/O threads on
// zram, legacy against swap table P1 and P2. Simulated figures: the same on any machine.
// Usage: npx tsx bench/figures-issue3.ts [thp|redis] (both by default; about a minute).

import { runEngine, resolveEngineConfig, type DesignName, type DesignOptions, type RunSummary } from '../engine'

const MiB = 2 ** 20
const GiB = 2 ** 30
const only = process.argv[2]

interface Variant {
  label: string
  design: DesignName
  designOptions: DesignOptions
}

function pad(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ')
}

function table(head: string[], rows: (string | number)[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  console.log(pad(head, widths))
  console.log(widths.map((w) => '-'.repeat(w)).join(' '))
  for (const r of rows) console.log(pad(r, widths))
  console.log()
}

function thpFigures(): void {
  const variants: Variant[] = [
    { label: 'legacy (6.6)', design: 'legacy', designOptions: {} },
    { label: 'mthp-6.10', design: 'mthp-6.10', designOptions: {} },
    { label: 'cluster (6.12+)', design: 'cluster', designOptions: {} },
    { label: 'swap-table P4', design: 'swap-table', designOptions: { phase: 4 } },
    { label: 'vswap', design: 'vswap', designOptions: {} }
  ]
  const shown = [1, 2, 3, 4, 5, 10, 20, 50, 100]
  const devices = [
    { label: '64 MiB zram (the selftest setup)', sizeBytes: 64 * MiB, preset: 'zram' as const },
    { label: '1 GiB nvme', sizeBytes: 1 * GiB, preset: 'nvme' as const }
  ]
  for (const dev of devices) {
    console.log(
      `thp-swap-allocator-test, default params (60 MiB region of 64 KiB mTHP, 16 MiB dropped per iteration, 100 iterations), ${dev.label}, memory limit 256 MiB, thpOrders [0, 4], real device file`
    )
    console.log(
      'mTHP fallback % at iteration N (swpout_fallback / (swpout + swpout_fallback) of order 4), its mean over 100 iterations, and the first iteration that ended with no free cluster'
    )
    const rows: (string | number)[][] = []
    for (const smallFolioArea of [false, true]) {
      for (const v of variants) {
        const s = runEngine(
          resolveEngineConfig({
            design: v.design,
            designOptions: v.designOptions,
            workload: { name: 'thp-swap-allocator-test', params: { smallFolioArea } },
            devices: [{ sizeBytes: dev.sizeBytes, preset: dev.preset }],
            memoryLimitBytes: 256 * MiB,
            thpOrders: [0, 4],
            storage: 'file'
          })
        )
        const fb = s.workloadMetrics.fallbackPercentPerIteration as number[]
        const free = s.workloadMetrics.freeClustersPerIteration as number[]
        const gone = free.indexOf(0)
        rows.push([
          `${v.label}${smallFolioArea ? ' -s' : ''}`,
          ...shown.map((i) => fb[i - 1].toFixed(1)),
          (s.workloadMetrics.fallbackPercentMean as number).toFixed(1),
          gone < 0 ? 'never' : gone + 1
        ])
      }
    }
    table(['design (-s: small-folio area)', ...shown.map((i) => `it${i}`), 'mean', 'no free'], rows)
  }
}

function redisFigures(): void {
  const variants: Variant[] = [
    { label: 'legacy', design: 'legacy', designOptions: {} },
    { label: 'cluster', design: 'cluster', designOptions: {} },
    { label: 'swap-table P1', design: 'swap-table', designOptions: { phase: 1 } },
    { label: 'swap-table P2', design: 'swap-table', designOptions: { phase: 2 } }
  ]
  const setups: { label: string; limit: number; params: Record<string, number> }[] = [
    {
      label: '256 MiB keyspace, 128 MiB limit, Zipf 0.99, 200k requests, bgsave every 100k (defaults)',
      limit: 128 * MiB,
      params: { ioThreads: 4 }
    },
    {
      label: '64 MiB keyspace, 32 MiB limit, Zipf 0.6, 400k requests, bgsave every 100k',
      limit: 32 * MiB,
      params: { ioThreads: 4, keyspaceBytes: 64 * MiB, requests: 400_000, bgsaveEvery: 100_000, zipfS: 0.6 }
    }
  ]
  for (const setup of setups) {
    console.log(
      `redis-bgsave, 4 I/O threads on 4 CPUs, 1 GiB zram, ${setup.label}, tick 4 ms, metadata-only (same simulated results as a device file)`
    )
    const rows: (string | number)[][] = []
    for (const v of variants) {
      const s: RunSummary = runEngine(
        resolveEngineConfig({
          design: v.design,
          designOptions: v.designOptions,
          workload: { name: 'redis-bgsave', params: setup.params },
          devices: [{ sizeBytes: 1 * GiB, preset: 'zram' }],
          memoryLimitBytes: setup.limit,
          cpus: 4,
          storage: 'metadata-only'
        })
      )
      const c = s.counters
      const m = s.workloadMetrics as Record<string, number>
      rows.push([
        v.label,
        c.hasCacheRetries,
        (c.hasCacheRetryNs / 1e6).toFixed(0),
        c.folioLockWaits,
        (c.folioLockWaitNs / 1e3).toFixed(1),
        c.syncBypassSwapins,
        `${c.swapCacheHit}/${c.swapCacheLookup}`,
        c.pswpin,
        Math.round(m.requestsPerSec),
        m.requestLatencyUsP99.toFixed(2),
        m.requestLatencyUsP999.toFixed(2),
        m.requestLatencyUsMax.toFixed(0),
        m.bgsaves
      ])
    }
    table(
      [
        'design',
        'HAS_CACHE retries',
        'retry ms',
        'folio-lock waits',
        'wait us',
        'bypass swapins',
        'cache hit/lookup',
        'pswpin',
        'req/s',
        'p99 us',
        'p99.9 us',
        'max us',
        'bgsaves'
      ],
      rows
    )
  }
}

if (!only || only === 'thp') thpFigures()
if (!only || only === 'redis') redisFigures()
