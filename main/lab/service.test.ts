import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LabEvent } from '../../experiments/api'
import { LabService } from './service'
import { InputError, NotFoundError } from './errors'
import type { FakeEngineOptions } from './testing/fakeEngine'
import { tempDir } from './testing/fixtures'

const MiB = 2 ** 20
const FAKE = path.join(__dirname, 'testing', 'fakeEngine.ts')
const config = {
  name: 'two designs',
  designs: [{ design: 'legacy' }, { design: 'swap-table', options: { phase: 4 } }],
  workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 1 } },
  memoryLimitBytes: 8 * MiB,
  devices: [{ sizeBytes: 64 * MiB }],
  trials: 3
}

let dir: string
let lab: LabService
const open = (
  fake: FakeEngineOptions = { steps: 5, stepMs: 1 },
  extra: Partial<ConstructorParameters<typeof LabService>[0]> = {}
): LabService =>
  new LabService({
    dbPath: path.join(dir, 'runs.db'),
    deviceDir: path.join(dir, 'devices'),
    appVersion: '9.9.9',
    engine: { module: FAKE, options: fake },
    ...extra
  })

beforeEach(() => {
  dir = tempDir()
})
afterEach(async () => {
  await lab?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('lab service', () => {
  it('validates, records runs as queued, runs them and emits the event sequence', async () => {
    lab = open()
    const events: LabEvent[] = []
    lab.subscribe((e) => events.push(e))
    const { experimentId, runIds } = await lab.start(config)
    expect(runIds).toHaveLength(6)
    const runs = await lab.waitForRuns(runIds)
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill('done'))
    expect(runs.map((r) => [r.variantLabel, r.trial, r.seed])).toEqual([
      ['legacy', 0, 1],
      ['swap-table P4', 0, 1],
      ['legacy', 1, 2],
      ['swap-table P4', 1, 2],
      ['legacy', 2, 3],
      ['swap-table P4', 2, 3]
    ])
    expect(runs[0]).toMatchObject({ experimentId, appVersion: '9.9.9', experimentName: 'two designs' })
    expect(runs[0].platform).toMatch(/node 20/)
    expect(events.filter((e) => e.type === 'run-queued')).toHaveLength(6)
    expect(events.filter((e) => e.type === 'run-finished')).toHaveLength(6)
    const detail = await lab.getRun(runIds[1])
    expect(detail.config).toMatchObject({ design: 'swap-table', designOptions: { phase: 4 }, seed: 1 })
  })

  it('refuses bad input with field errors before recording anything', async () => {
    lab = open()
    await expect(lab.start({ ...config, designs: [{ design: 'swap-table', options: { phase: 7 } }] })).rejects.toThrow(InputError)
    await expect(lab.start({ ...config, designs: [{ design: 'nope' }] })).rejects.toThrow(/^designs\.0\.design: unknown design "nope"/)
    expect(await lab.listRuns()).toEqual([])
  })

  it('only lets trusted front ends choose the device folder', async () => {
    lab = open()
    const r = await lab.validate({ ...config, deviceDir: '/etc' })
    expect(r).toEqual({
      ok: false,
      errors: [{ field: 'deviceDir', message: 'cannot be set from this front end; the lab chooses the device folder' }]
    })
    await lab.close()
    lab = open(undefined, { trustConfigPaths: true })
    expect((await lab.validate({ ...config, deviceDir: dir })).ok).toBe(true)
  })

  it('previews the number of runs, also past the cap, with an estimate', async () => {
    lab = open()
    expect(await lab.preview(config)).toMatchObject({ runs: 6, maxRuns: 1000 })
    expect((await lab.preview(config)).estimatedSeconds).toBeGreaterThan(0)
    const big = { ...config, trials: 100, sweep: { axes: [{ path: 'cpus', values: [1, 2, 3, 4, 5, 6] }] } }
    expect(await lab.preview(big)).toMatchObject({ runs: 1200, maxRuns: 1000 })
    await expect(lab.preview({ ...config, cpus: -1 })).rejects.toThrow(/^cpus: /)
  })

  it('judges deltas with the sensitivity runs of the experiment, selected or not, and keeps them out of the groups', async () => {
    lab = open()
    const { runIds } = await lab.start({ ...config, sensitivity: { groups: ['device'], factors: [0.5, 2] } })
    const runs = await lab.waitForRuns(runIds)
    const main = runs.filter((r) => Object.keys(r.point).length === 0).map((r) => r.id)
    const sens = runs.filter((r) => Object.keys(r.point).length > 0).map((r) => r.id)
    expect([main.length, sens.length]).toEqual([6, 12])
    for (const ids of [main, runIds]) {
      const c = await lab.compare(ids)
      expect(c.groups.map((g) => [g.variantLabel, g.runIds.length])).toEqual([
        ['legacy', 3],
        ['swap-table P4', 3]
      ])
      expect(c.sweep).toEqual([])
      expect(c.sensitivity).toEqual({ runIds: sens, groups: ['device'], factors: [0.5, 2] })
      // The fake engine's results do not depend on the cost model: the (zero) difference holds under both scalings.
      expect(c.significance.sim_time_s[c.groups[1].key].sensitivity).toMatchObject({ verdict: 'robust', cases: 2, flips: [] })
    }
  })

  it('compares trial groups with deltas against a baseline', async () => {
    lab = open()
    const { runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    const legacyRun = runIds[0]
    const c = await lab.compare(runIds, legacyRun)
    expect(c.groups.map((g) => [g.variantLabel, g.runIds.length])).toEqual([
      ['legacy', 3],
      ['swap-table P4', 3]
    ])
    // The fake engine reports sim time 1 s + seed x 10 ms: seeds 1..3 give 1.01, 1.02, 1.03 s.
    expect(c.groups[0].metrics.sim_time_s.mean).toBeCloseTo(1.02)
    expect(c.groups[0].metrics.sim_time_s.stddev).toBeCloseTo(0.01)
    expect(c.baselineKey).toBe(c.groups[0].key)
    expect(c.deltas.sim_time_s[c.groups[1].key]).toBeCloseTo(0)
    expect(c.configs[runIds[1]]['designOptions.phase']).toBe(4)
    // Trials that differ by seed: the test has the spread it needs (1.02 vs 1.02 s: within noise).
    expect(c.significance.sim_time_s[c.groups[1].key]).toMatchObject({ verdict: 'noise', baselineKey: c.groups[0].key })
    // A design as the baseline, and one that is not among the runs.
    const byDesign = await lab.compare(runIds, { variant: 'swap-table P4' })
    expect(byDesign.baselineKeys).toEqual([c.groups[1].key])
    await expect(lab.compare(runIds, { variant: 'vswap' })).rejects.toThrow(/no compared run is of the design "vswap"/)
    // Series: one entry per run, decimated to the buckets asked for.
    const series = await lab.getSeries(runIds.slice(0, 2), ['swpout'], 4)
    expect(series.map((s) => s.runId)).toEqual(runIds.slice(0, 2))
    expect(series[0].tSimNs.length).toBeLessThanOrEqual(4)
    await expect(lab.getSeries([99_999], ['swpout'], 4)).rejects.toThrow(/run 99999 does not exist/)
    await expect(lab.getSeries(runIds, ['bogus'], 4)).rejects.toThrow(/bogus is not a sample field/)
  })

  it('cancels everything on request and keeps what was recorded', async () => {
    lab = open({ steps: 100_000, stepMs: 2 })
    const { runIds } = await lab.start(config)
    // Wait for recorded samples, not for a fixed time: a loaded machine starts the worker slowly.
    while ((await lab.getSamples(runIds[0], 1)).totalSamples === 0) await new Promise((r) => setTimeout(r, 5))
    await lab.cancel('all')
    const runs = await lab.waitForRuns(runIds)
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill('cancelled'))
    expect((await lab.getSamples(runIds[0])).totalSamples).toBeGreaterThan(0)
  })

  it('refuses to delete running runs, deletes finished ones, and keeps notes and tags', async () => {
    lab = open()
    const { runIds } = await lab.start({ ...config, trials: 1 })
    await lab.waitForRuns(runIds)
    await lab.setNote(runIds[0], 'baseline')
    await lab.setTags(runIds[0], [' a ', 'b', 'a'])
    expect(await lab.getRun(runIds[0])).toMatchObject({ note: 'baseline', tags: ['a', 'b'] })
    await expect(lab.setNote(999, 'x')).rejects.toThrow(NotFoundError)
    expect(await lab.deleteRuns([runIds[1]])).toBe(1)
    expect((await lab.listRuns()).map((r) => r.id)).toEqual([runIds[0]])
  })

  it('reruns a run with its config and seed as a new experiment', async () => {
    lab = open()
    const { runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    const again = await lab.rerun(runIds[3])
    const [run] = await lab.waitForRuns(again.runIds)
    expect(run).toMatchObject({ variantLabel: 'swap-table P4', seed: 2, trial: 0, status: 'done' })
    expect((await lab.getRun(run.id)).config).toEqual((await lab.getRun(runIds[3])).config)
  })
})

describe('export and import', () => {
  it('writes a hyperfine-style summary CSV that parses back with the metric columns in base units', async () => {
    lab = open()
    const { runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    const { summaryCsv, samplesCsv } = await lab.exportCsv(runIds)
    const rows = parse(summaryCsv, { columns: true }) as Record<string, string>[]
    expect(rows).toHaveLength(2)
    const header = Object.keys(rows[0])
    expect(header.slice(0, 13)).toEqual([
      'variant',
      'experiment',
      'design',
      'workload',
      'kernel_release',
      'kernel_where',
      'kernel_accel',
      'timings_are_kernel',
      'counters_system_wide',
      'baseline',
      'trials',
      'run_ids',
      'status'
    ])
    expect(header).toContain('parameter_design')
    expect(header).toContain('parameter_design_options_phase')
    expect(header).not.toContain('parameter_seed')
    for (const s of ['mean', 'stddev', 'median', 'min', 'max', 'ci95_low', 'ci95_high', 'vs_baseline_percent', 'vs_baseline_p'])
      expect(header).toContain(`sim_time_s_${s}`)
    // snake_case with the unit, never a doubled statistic (free_latency_s_mean_mean).
    for (const h of header) expect(h).toMatch(/^[a-z0-9_]+$/)
    expect(header.filter((h) => /_(mean|max|min|p\d+)_(mean|max|min|median|stddev)$/.test(h))).toEqual([])
    expect(rows[0].baseline).toBe('yes')
    expect(rows[1].sim_time_s_vs_baseline_percent).not.toBe('')
    expect(rows[0]).toMatchObject({
      variant: 'legacy',
      design: 'legacy',
      trials: '3',
      status: 'done',
      run_ids: `${runIds[0]} ${runIds[2]} ${runIds[4]}`
    })
    // Full precision: the mean round-trips exactly.
    const c = await lab.compare(runIds)
    expect(Number(rows[0].sim_time_s_mean)).toBeCloseTo(c.groups[0].metrics.sim_time_s.mean, 9)
    expect(Number(rows[1].metadata_bytes_mean)).toBe(20480)

    const samples = parse(samplesCsv, { columns: true }) as Record<string, string>[]
    expect(Object.keys(samples[0])).toEqual(['run_id', 't_sim_ns', 't_wall_ms', 'ops', 'metric', 'value'])
    // 5 steps x 5 samples x 17 fields per run.
    expect(samples).toHaveLength(6 * 25 * 17)
    expect(samples[0]).toMatchObject({ run_id: String(runIds[0]), metric: 'resident_pages', value: '0.5' })
    // The same names and units as the summary: throughput in bytes per second.
    expect(new Set(samples.map((r) => r.metric))).toContain('throughput_bytes_per_s')

    // Per trial: one row per run, with its own values and the delta of its group.
    const perTrial = parse(await lab.exportSummaryCsv(runIds, true), { columns: true }) as Record<string, string>[]
    expect(perTrial.map((r) => Number(r.run_id))).toEqual([runIds[0], runIds[2], runIds[4], runIds[1], runIds[3], runIds[5]])
    expect(Object.keys(perTrial[0])).toEqual(expect.arrayContaining(['trial', 'seed', 'sim_time_s', 'sim_time_s_vs_baseline_percent']))
    expect(perTrial.map((r) => r.trial)).toEqual(['1', '2', '3', '1', '2', '3'])
  })

  it('round-trips whole runs through the JSON export, keeping platform, versions, summaries and samples', async () => {
    lab = open()
    const { runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    await lab.setNote(runIds[0], 'from box A')
    const json = await lab.exportJson(runIds.slice(0, 2))
    const data = JSON.parse(json)
    expect(data).toMatchObject({ schema: 'swaplab.runs', schemaVersion: 3, exporter: 'swaplab@9.9.9' })
    expect(data.runs[0].seed).toBe(1)
    await lab.close()

    // Another machine: a fresh database (the first one's folder is removed here; afterEach removes this one).
    fs.rmSync(dir, { recursive: true, force: true })
    dir = tempDir()
    lab = open()
    const { runIds: imported } = await lab.importJson(json)
    expect(imported).toHaveLength(2)
    const [a, b] = await Promise.all(imported.map((id) => lab.getRun(id)))
    expect(a).toMatchObject({
      status: 'done',
      note: 'from box A',
      appVersion: '9.9.9',
      seed: 1,
      variantLabel: 'legacy',
      experimentName: 'two designs'
    })
    expect(a.platform).toBe(data.runs[0].platform)
    expect(a.summary).toEqual(data.runs[0].summary)
    expect(a.headline?.sim_time_s).toBeCloseTo(1.01)
    expect(b.experimentId).toBe(a.experimentId)
    const samples = await lab.getSamples(a.id)
    expect(samples.totalSamples).toBe(25)
    expect(samples.samples[7].values.swpin).toBe(7 * 6 + 0.5)
    const c = await lab.compare(imported)
    expect(c.groups).toHaveLength(2)
    // Re-exporting gives the same runs back.
    const again = JSON.parse(await lab.exportJson(imported))
    expect(again.runs.map((r: { samples: unknown; summary: unknown }) => [r.samples, r.summary])).toEqual(
      data.runs.map((r: { samples: unknown; summary: unknown }) => [r.samples, r.summary])
    )
  })

  it('refuses exports it cannot read, naming the problem', async () => {
    lab = open()
    await expect(lab.importJson('{')).rejects.toThrow(/^json: not JSON/)
    await expect(lab.importJson(JSON.stringify({ schema: 'other' }))).rejects.toThrow(/not a Swap Lab runs export/)
    await expect(lab.importJson(JSON.stringify({ schema: 'swaplab.runs', schemaVersion: 99 }))).rejects.toThrow(
      /version 99, written by a newer Swap Lab/
    )
    expect(await lab.listRuns()).toEqual([])
  })
})
