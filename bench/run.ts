// `npm run bench`: how fast the lab is and how its cost grows. Every figure is compared
// with a baseline measured in the same run (raw page I/O on the same kind of file), and
// each timed case is the median of several repetitions. Prints a table per section and
// writes the same figures to bench/results.json. Section 6 runs the same workload on the host
// kernel where it can (root, swapon) and gives the simulated run's wall time against it
// (kernelRatio); elsewhere it prints why it was skipped.
//   usage: npm run bench [-- --quick] [-- --out FILE]
//   --quick: one repetition of smaller cases (the smoke test uses it); --out: where the JSON goes.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runEngine, resolveEngineConfig, IoRecorder, replayIo, type RunSummary, type Sample, SAMPLE_FIELDS } from '../engine'
import { pick } from './variants'
import { createDesign } from '../engine/designs/factory'
import { emptyCounters } from '../engine/metrics/counters'
import { NO_ENTRY } from '../engine/designs/design'
import { MetadataOnlyStore } from '../engine/device/pageStore'
import { Cpu } from '../engine/sim/scheduler'
import { RunStore } from '../main/lab/store'
import { buildCompare } from '../experiments/compare'
import { seriesLines, variantColors } from '../renderer/src/charts/compareCharts'
import { lttb } from '../renderer/src/charts/decimate'
import { runKernel } from '../engine/kernel/index'
import { pairedDesign } from '../engine/kernel/releases'

const quick = process.argv.includes('--quick')
const outArg = process.argv.indexOf('--out')
const outFile = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(process.cwd(), 'bench', 'results.json')
const REPS = quick ? 1 : 3
const MiB = 2 ** 20
const GiB = 2 ** 30
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-bench-'))

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const fmt = (n: number, d = 0): string => n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d })
function table(title: string, head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))]
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)))
  console.log(`\n${title}`)
  cells.forEach((r, k) => {
    console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '))
    if (k === 0) console.log('  ' + w.map((x) => '-'.repeat(x)).join('  '))
  })
}
function timeIt(fn: () => void): number {
  const t = performance.now()
  fn()
  return performance.now() - t
}

const variants = pick('legacy', 'mthp-6.10', 'cluster', 'swap-table P1', 'swap-table P4', 'vswap 24 B')

// ---- 1. device ceiling ------------------------------------------------------------------

interface Raw {
  writePagesPerSec: number
  readPagesPerSec: number
  batchedWritePagesPerSec: number
}

/** Raw page I/O on a sparse temp file with the calls the file device uses (writeSync/readSync). */
function rawDevice(pages: number, ops: number): Raw {
  const file = path.join(tmpRoot, 'raw.img')
  const fd = fs.openSync(file, 'w+')
  fs.ftruncateSync(fd, pages * 4096)
  const buf = Buffer.alloc(64 * 1024, 0x5a)
  let x = 12345
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % pages
  const w = median(
    Array.from({ length: REPS }, () =>
      timeIt(() => {
        for (let i = 0; i < ops; i++) fs.writeSync(fd, buf, 0, 4096, rnd() * 4096)
      })
    )
  )
  const r = median(
    Array.from({ length: REPS }, () =>
      timeIt(() => {
        for (let i = 0; i < ops; i++) fs.readSync(fd, buf, 0, 4096, rnd() * 4096)
      })
    )
  )
  const b = median(
    Array.from({ length: REPS }, () =>
      timeIt(() => {
        for (let i = 0; i < ops / 16; i++) fs.writeSync(fd, buf, 0, 65536, (rnd() & ~15) * 4096)
      })
    )
  )
  fs.closeSync(fd)
  fs.rmSync(file)
  return { writePagesPerSec: ops / (w / 1000), readPagesPerSec: ops / (r / 1000), batchedWritePagesPerSec: ops / (b / 1000) }
}

function usememConfig(v: (typeof variants)[number], storage: 'file' | 'metadata-only', sizeMiB: number) {
  return resolveEngineConfig({
    design: v.design,
    designOptions: v.options,
    workload: { name: 'usemem', params: { tasks: 2, sizeBytes: sizeMiB * MiB, passes: 2 } },
    memoryLimitBytes: sizeMiB * MiB,
    devices: [{ sizeBytes: 1 * GiB, preset: 'nvme' }],
    storage,
    deviceDir: tmpRoot,
    cpus: 2
  })
}

/**
 * The fair baseline: one more run of the same config with the I/O recorder on, then the exact
 * calls it logged (offsets, sizes, order; merged writes included) replayed raw on fresh files
 * of the same size in this process. Median replay time over REPS replays.
 */
function replayBaseline(cfg: ReturnType<typeof usememConfig>): { replayMs: number; calls: number; bytes: number } {
  const rec = new IoRecorder()
  runEngine(cfg, { ioRecorder: rec })
  const t = rec.totals()
  const times = Array.from({ length: REPS }, () => {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'replay-'))
    try {
      return replayIo(rec, dir).ms
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
  return { replayMs: median(times), calls: t.reads + t.writes + t.syncs, bytes: t.bytesRead + t.bytesWritten }
}

function repeat(n: number, fn: () => RunSummary): { wallMs: number; s: RunSummary } {
  const runs = Array.from({ length: n }, fn)
  const wallMs = median(runs.map((r) => r.wallTimeMs))
  return { wallMs, s: runs[0] }
}

// ---- 2. metadata paths at the design level ------------------------------------------------

/** Page-level swap operations per second through the design API (metadata-only). */
function designOps(v: (typeof variants)[number], iterations: number): { opsPerSec: number; ops: number } {
  const cfg = resolveEngineConfig({
    design: v.design,
    designOptions: v.options,
    devices: [{ sizeBytes: 4 * GiB }],
    cpus: 1,
    storage: 'metadata-only'
  })
  const clock = { low: 0 }
  const design = createDesign(cfg, [new MetadataOnlyStore()], emptyCounters(), clock)
  const cpu = new Cpu(0)
  const live: number[] = []
  let ops = 0
  let folio = 1
  const ms = timeIt(() => {
    for (let i = 0; i < iterations; i++) {
      // swapout: allocate + add to cache (1), one pte reference (1), leave the cache (1)
      const e = design.allocSwap(cpu, 0, folio, [])
      if (e === NO_ENTRY) throw new Error('bench device full')
      design.dup(cpu, e)
      design.cacheDelete(cpu, e, 1, folio++)
      live.push(e)
      ops += 3
      if (live.length > 4096) {
        // swapin of an old entry: lookup (1), add to cache (1), drop the pte reference (1), leave the cache and free (1)
        const old = live.shift()!
        design.cacheLookup(cpu, old)
        if (design.swapinAdd(cpu, old, 1, folio) !== 'ok') throw new Error('swapin add failed')
        design.put(cpu, old)
        design.cacheDelete(cpu, old, 1, folio++)
        ops += 4
      }
      // keep the clock moving so lock history is pruned as in a run
      clock.low = cpu.now
    }
  })
  return { opsPerSec: ops / (ms / 1000), ops }
}

// ---- run -----------------------------------------------------------------------------------

const results: Record<string, unknown> = {}
const started = performance.now()
console.log(
  `Swap Lab bench (${quick ? 'quick' : `median of ${REPS}`}), node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}`
)

// 1. Device ceiling
const raw = rawDevice(256 * 1024, quick ? 20_000 : 100_000)
const sizeMiB = quick ? 32 : 96
const deviceRows: (string | number)[][] = []
const device: Record<string, unknown> = {}
// Warm up the JIT on every design once, unmeasured, so the first design is not charged for it.
for (const v of variants) runEngine(usememConfig(v, 'file', sizeMiB))
for (const v of variants) {
  const { wallMs, s } = repeat(REPS, () => runEngine(usememConfig(v, 'file', sizeMiB)))
  const w = s.device.pagesWritten
  const r = s.device.pagesRead
  const rawMs = (w / raw.writePagesPerSec + r / raw.readPagesPerSec) * 1000
  const rate = (w + r) / (wallMs / 1000)
  const ratio = rawMs / wallMs
  const replay = replayBaseline(usememConfig(v, 'file', sizeMiB))
  const replayRatio = wallMs / replay.replayMs
  device[v.label] = {
    pagesWritten: w,
    pagesRead: r,
    wallMs,
    pagesPerSec: rate,
    writeCalls: s.device.writeCalls,
    readCalls: s.device.readCalls,
    ratio,
    replayMs: replay.replayMs,
    replayCalls: replay.calls,
    replayRatio
  }
  deviceRows.push([
    v.label,
    fmt(w),
    fmt(r),
    fmt(s.device.writeCalls),
    fmt(wallMs),
    fmt(rate),
    fmt(ratio, 2),
    fmt(replay.replayMs, 1),
    fmt(replayRatio, 2)
  ])
}
table(
  `1. Device ceiling: raw 4 KiB random write ${fmt(raw.writePagesPerSec)} pages/s, random read ${fmt(raw.readPagesPerSec)} pages/s, 64 KiB writes ${fmt(raw.batchedWritePagesPerSec)} pages/s`,
  ['usemem on a file device', 'written', 'read', 'write calls', 'wall ms', 'pages/s', 'engine/raw', 'replay ms', 'replay x'],
  deviceRows
)
console.log(
  '  engine/raw = time the same page writes and reads take as raw random 4 KiB I/O / engine wall time (1.0 = engine costs nothing beyond raw I/O)'
)
console.log(
  '  replay x = engine wall time / raw replay of exactly the calls the engine issued (same offsets, sizes, order); 1.0 = the engine costs nothing beyond its own I/O'
)
results.device = { raw, designs: device }

// 2. Metadata paths
const metaRows: (string | number)[][] = []
const meta: Record<string, unknown> = {}
for (const v of variants) {
  const iters = quick ? 30_000 : 200_000
  const opsRate = median(Array.from({ length: REPS }, () => designOps(v, iters).opsPerSec))
  const { wallMs, s } = repeat(REPS, () => runEngine(usememConfig(v, 'metadata-only', sizeMiB)))
  const pages = s.counters.pswpout + s.counters.pswpin
  meta[v.label] = { designOpsPerSec: opsRate, usememPagesPerSec: pages / (wallMs / 1000), usememWallMs: wallMs }
  metaRows.push([v.label, fmt(opsRate), fmt(pages), fmt(wallMs), fmt(pages / (wallMs / 1000))])
}
table('2. Metadata paths (metadata-only)', ['design', 'design ops/s', 'usemem pages', 'wall ms', 'engine pages/s'], metaRows)
console.log('  design ops: allocate+cache add, dup, cache delete per swapout; lookup, cache add, put, delete+free per swapin')
results.metadata = meta

// 3. Scale: device size and CPUs
const scaleRows: (string | number)[][] = []
const scale: Record<string, unknown> = {}
const fillPages = quick ? 32_768 : 131_072
for (const gib of [1, 4, 16, 64]) {
  const total = (gib * GiB) / 4096
  const cfg = resolveEngineConfig({
    design: 'swap-table',
    designOptions: { phase: 4 },
    workload: { name: 'fill', params: { targetPercent: (100 * fillPages) / total } },
    memoryLimitBytes: 16 * MiB,
    devices: [{ sizeBytes: gib * GiB }],
    storage: 'metadata-only',
    cpus: 1
  })
  global.gc?.()
  const heap0 = process.memoryUsage().heapUsed
  const { wallMs, s } = repeat(REPS, () => runEngine(cfg))
  const mem = process.memoryUsage()
  const perOp = (wallMs * 1e6) / Math.max(1, s.counters.pswpout)
  scale[`${gib}GiB`] = {
    wallMs,
    pagesSwapped: s.counters.pswpout,
    nsPerPage: perOp,
    rssBytes: mem.rss,
    heapBytes: mem.heapUsed,
    heapDeltaPerSlot: (mem.heapUsed - heap0) / total
  }
  scaleRows.push([
    `${gib} GiB, 1 CPU`,
    fmt(s.counters.pswpout),
    fmt(wallMs),
    fmt(perOp),
    fmt(mem.rss / MiB),
    fmt(mem.heapUsed / MiB),
    fmt(mem.rss / total, 2)
  ])
}
for (const cpus of quick ? [1, 8, 64] : [1, 2, 4, 8, 16, 32, 64]) {
  const cfg = resolveEngineConfig({
    design: 'swap-table',
    designOptions: { phase: 4 },
    workload: { name: 'usemem', params: { tasks: cpus, sizeBytes: Math.floor((sizeMiB * 2 * MiB) / cpus / 4096) * 4096, passes: 2 } },
    memoryLimitBytes: sizeMiB * MiB,
    devices: [{ sizeBytes: 1 * GiB }],
    storage: 'metadata-only',
    cpus
  })
  const { wallMs, s } = repeat(REPS, () => runEngine(cfg))
  const pages = s.counters.pswpout + s.counters.pswpin
  const perOp = (wallMs * 1e6) / pages
  scale[`${cpus}cpus`] = { wallMs, pages, nsPerPage: perOp, lockContended: s.counters.lockContended }
  scaleRows.push([`1 GiB, ${cpus} CPU${cpus > 1 ? 's' : ''}`, fmt(pages), fmt(wallMs), fmt(perOp), '', '', ''])
}
table(
  '3. Scale (swap-table P4, metadata-only): time per page should stay flat as the device grows',
  ['case', 'pages', 'wall ms', 'ns/page', 'RSS MiB', 'heap MiB', 'RSS B/slot'],
  scaleRows
)
results.scale = scale

// 4. Store
{
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'store-'))
  const store = RunStore.open(path.join(dir, 'bench.db'))
  const exp = store.createExperiment({ name: 'bench', config: {} })
  const nRuns = 10
  const perRun = quick ? 10_000 : 100_000
  const runIds = store.createRuns(
    exp,
    Array.from({ length: nRuns }, (_, i) => ({
      design: 'swap-table' as const,
      variantLabel: 'swap-table',
      workload: 'usemem' as const,
      point: {},
      trial: i,
      seed: i,
      storage: 'metadata-only' as const,
      config: {},
      engineVersion: 'bench',
      appVersion: 'bench',
      platform: 'bench'
    }))
  )
  const batch: Sample[] = Array.from({ length: 1000 }, (_, i) => ({
    tSimNs: i * 1e7,
    tWallMs: i * 0.37,
    ops: i * 100,
    values: Object.fromEntries(SAMPLE_FIELDS.map((f, j) => [f, i * (j + 1) * 1.5])) as Sample['values']
  }))
  const ingestMs = timeIt(() => {
    for (const id of runIds) for (let k = 0; k < perRun; k += batch.length) store.appendSamples(id, batch)
  })
  const loadMs = median(
    Array.from({ length: REPS }, () =>
      timeIt(() => {
        for (const id of runIds) store.getSamples(id)
      })
    )
  )
  // What Compare asks for since the rollups: three fields in chart-sized buckets. Finishing a run rolls it up once.
  const rollupMs = timeIt(() => {
    for (const id of runIds) store.finishRun(id, { status: 'done' })
  })
  const seriesMs = median(
    Array.from({ length: REPS }, () =>
      timeIt(() => {
        for (const id of runIds) store.getSeries(id, ['throughputMBps', 'metadataBytes', 'swapUsedSlots'], 300)
      })
    )
  )
  store.close()
  fs.rmSync(dir, { recursive: true, force: true })
  const perSec = (nRuns * perRun) / (ingestMs / 1000)
  results.store = {
    samplesIngested: nRuns * perRun,
    ingestSamplesPerSec: perSec,
    loadTenRunsMs: loadMs,
    rollUpTenRunsMs: rollupMs,
    seriesTenRunsMs: seriesMs,
    samplesPerRun: perRun
  }
  table(
    '4. Store (better-sqlite3, WAL)',
    ['case', 'samples', 'ms', 'samples/s'],
    [
      ['ingest, batches of 1000', fmt(nRuns * perRun), fmt(ingestMs), fmt(perSec)],
      [`load ${nRuns} runs, every sample (getSamples)`, fmt(nRuns * perRun), fmt(loadMs), fmt((nRuns * perRun) / (loadMs / 1000))],
      [`roll ${nRuns} runs up at finish (once per run)`, fmt(nRuns * perRun), fmt(rollupMs), fmt((nRuns * perRun) / (rollupMs / 1000))],
      [`load ${nRuns} runs for Compare (getSeries, 3 fields, 300 buckets)`, fmt(nRuns * perRun), fmt(seriesMs), '-']
    ]
  )
}

// 5. Compare with 100 runs: what the lab and the renderer do before the charts draw, the old
// way (every run's samples thinned to 2000, LTTB per line in the renderer) against the new
// (rolled-up series in buckets, one mean and band per group). The browser's own draw time is
// recorded by e2e/compare.e2e.test.ts (artifacts/compare-100-runs.json).
{
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'compare-'))
  const store = RunStore.open(path.join(dir, 'bench.db'))
  const exp = store.createExperiment({ name: 'bench', config: {} })
  const nRuns = 100
  const perRun = quick ? 1000 : 5000
  const runIds = store.createRuns(
    exp,
    Array.from({ length: nRuns }, (_, i) => ({
      design: i % 2 ? ('swap-table' as const) : ('legacy' as const),
      variantLabel: i % 2 ? 'swap-table P4' : 'legacy',
      workload: 'usemem' as const,
      point: {},
      trial: i >> 1,
      seed: i,
      storage: 'metadata-only' as const,
      config: {},
      engineVersion: 'bench',
      appVersion: 'bench',
      platform: 'bench'
    }))
  )
  for (const id of runIds) {
    const batch: Sample[] = Array.from({ length: perRun }, (_, i) => ({
      tSimNs: i * 1e4,
      tWallMs: i * 0.01,
      ops: i * 10,
      values: Object.fromEntries(SAMPLE_FIELDS.map((f, j) => [f, (i * (j + 1) + id) * 1.5])) as Sample['values']
    }))
    store.appendSamples(id, batch)
    store.finishRun(id, { status: 'done' })
  }
  const fields = ['throughputMBps', 'metadataBytes', 'swapUsedSlots'] as const
  const runs = store.listRuns({ ids: runIds })
  const oldMs = median(
    Array.from({ length: REPS }, () =>
      timeIt(() => {
        const series = runIds.map((id) => store.getSamples(id, 2000))
        // The renderer then built one LTTB-thinned line of 800 points per run and field.
        for (const f of fields)
          for (const s of series)
            lttb(
              s.samples.map((x) => ({ x: x.tSimNs / 1e6, y: x.values[f] })),
              800
            )
        JSON.stringify(series)
      })
    )
  )
  const newMs = median(
    Array.from({ length: REPS }, () =>
      timeIt(() => {
        const series = runIds.map((id) => store.getSeries(id, [...fields], 120))
        const data = buildCompare(runs, { metricsByRun: new Map(), configsByRun: new Map() })
        const colors = variantColors(data.groups)
        for (const f of fields) seriesLines(JSON.parse(JSON.stringify(series)), data.groups, f, 'sim', colors)
      })
    )
  )
  store.close()
  fs.rmSync(dir, { recursive: true, force: true })
  results.compare = { runs: nRuns, samplesPerRun: perRun, beforeMs: oldMs, afterMs: newMs, ratio: oldMs / newMs }
  table(
    '5. Compare, 100 runs: lab answer and chart data before drawing',
    ['case', 'runs x samples', 'ms', 'ratio'],
    [
      ['before: samples thinned to 2000 per run, LTTB per line', `${nRuns} x ${fmt(perRun)}`, fmt(oldMs), '1.00'],
      ['after: rolled-up buckets, one mean and band per group', `${nRuns} x ${fmt(perRun)}`, fmt(newMs), fmt(oldMs / newMs, 1)]
    ]
  )
}

// 6. Kernel: the same workload on the host kernel against the simulated run's wall time
interface KernelBench {
  release: string
  design: string
  workload: string
  simWallMs: number
  kernelWallMs: number
  /** sim wall / kernel wall: how much faster (< 1) the simulation gets the answer than the kernel itself. */
  ratio: number
  kernelSystemMs: number
  simSystemMs: number
  kernelPswpout: number
  simPswpout: number
}

/** One line saying why the host kernel cannot be measured here, or null when it can be tried. */
function hostKernelUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (swapon and memory cgroups need root)'
  if (!fs.existsSync('/proc/swaps')) return 'the kernel has no swap (/proc/swaps missing)'
  return null
}

async function kernelSection(): Promise<void> {
  const why = hostKernelUnavailable()
  if (why) {
    console.log(`\n6. Kernel: skipped (${why})`)
    results.kernel = { skipped: why }
    return
  }
  const release = os.release()
  const paired = pairedDesign(release)
  if (!paired) {
    console.log(`\n6. Kernel: skipped (no simulated design models kernel ${release})`)
    results.kernel = { skipped: `no simulated design models kernel ${release}` }
    return
  }
  const cases = quick
    ? [{ tasks: 1, random: false }]
    : [
        { tasks: 1, random: false },
        { tasks: 2, random: false },
        { tasks: 2, random: true }
      ]
  const kMiB = quick ? 16 : 64
  const rows: (string | number)[][] = []
  const out: KernelBench[] = []
  for (const c of cases) {
    const input = {
      workload: { name: 'usemem' as const, params: { tasks: c.tasks, sizeBytes: (kMiB * MiB) / c.tasks, passes: 2, random: c.random } },
      memoryLimitBytes: (kMiB / 2) * MiB,
      devices: [{ sizeBytes: 4 * kMiB * MiB, preset: 'nvme' as const }],
      cpus: os.availableParallelism()
    }
    let k: RunSummary
    try {
      k = await runKernel(resolveEngineConfig({ ...input, design: 'kernel', designOptions: { image: 'host' } }), {})
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]
      console.log(`\n6. Kernel: skipped (the host kernel run failed: ${msg})`)
      results.kernel = { skipped: `the host kernel run failed: ${msg}` }
      return
    }
    const simCfg = resolveEngineConfig({ ...input, design: paired.design as never, designOptions: paired.options, deviceDir: tmpRoot })
    const { wallMs, s } = repeat(REPS, () => runEngine(simCfg))
    const label = `usemem ${c.random ? 'random' : 'seq'} ${c.tasks} x ${kMiB / c.tasks} MiB, limit ${kMiB / 2} MiB`
    const b: KernelBench = {
      release,
      design: `${paired.design}${paired.options.phase ? ` P${paired.options.phase}` : ''}`,
      workload: label,
      simWallMs: wallMs,
      kernelWallMs: k.wallTimeMs,
      ratio: wallMs / k.wallTimeMs,
      kernelSystemMs: k.systemTimeNs / 1e6,
      simSystemMs: s.systemTimeNs / 1e6,
      kernelPswpout: k.counters.pswpout,
      simPswpout: s.counters.pswpout
    }
    out.push(b)
    rows.push([
      label,
      fmt(b.simWallMs),
      fmt(b.kernelWallMs),
      fmt(b.ratio, 3),
      fmt(b.kernelSystemMs),
      fmt(b.simSystemMs, 1),
      fmt(b.kernelPswpout),
      fmt(b.simPswpout)
    ])
  }
  table(
    `6. Kernel: the simulated run (${out[0].design}, default profile) against the same workload on the host kernel ${release} (one kernel run each)`,
    ['workload', 'sim wall ms', 'kernel wall ms', 'sim/kernel', 'kernel sys ms', 'sim sys ms', 'kernel pswpout', 'sim pswpout'],
    rows
  )
  console.log(
    '  sim/kernel = engine wall time of the simulated run / wall time of the same workload on the host kernel (below 1: the simulation answers faster)'
  )
  results.kernel = { release, runs: out, ratio: median(out.map((b) => b.ratio)) }
}

void kernelSection()
  .catch((e: unknown) => {
    console.log(`\n6. Kernel: skipped (${(e as Error).message.split('\n')[0]})`)
    results.kernel = { skipped: (e as Error).message.split('\n')[0] }
  })
  .then(finish)

function finish(): void {
  fs.rmSync(tmpRoot, { recursive: true, force: true })
  const st = device['swap-table P4'] as { ratio: number; replayRatio: number }
  const headline = {
    deviceRatio: st.ratio,
    replayRatio: st.replayRatio,
    /** Median sim wall / host kernel wall of section 6; null when the host kernel could not be run. */
    kernelRatio: (results.kernel as { ratio?: number } | undefined)?.ratio ?? null,
    metadataOpsPerSec: (meta['swap-table P4'] as { designOpsPerSec: number }).designOpsPerSec,
    generatedAt: new Date().toISOString(),
    quick,
    repetitions: REPS,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg()[0],
    totalSeconds: (performance.now() - started) / 1000,
    ...results
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true })
  fs.writeFileSync(outFile, JSON.stringify(headline, null, 2))
  console.log(
    `\nheadline: deviceRatio ${headline.deviceRatio.toFixed(2)} (swap-table P4 raw random I/O / engine), replayRatio ${headline.replayRatio.toFixed(2)} (swap-table P4 engine / raw replay of its own I/O), metadataOpsPerSec ${fmt(headline.metadataOpsPerSec)} (swap-table P4, metadata-only)`
  )
  const kb = results.kernel as { ratio?: number; release?: string } | undefined
  if (kb?.ratio !== undefined) console.log(`kernel: sim wall / kernel wall ${kb.ratio.toFixed(3)} (median, host kernel ${kb.release})`)
  console.log(`wrote ${path.relative(process.cwd(), outFile)} in ${headline.totalSeconds.toFixed(1)} s`)
}
