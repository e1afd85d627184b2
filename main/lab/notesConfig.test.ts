// Issue 11 in the lab service: experiment notes and tags (stored, listed with every run,
// exported in CSV and JSON, imported from old and new exports), config files in the
// `swaplab run --config` format, and a run's config as a new experiment.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabService } from './service'
import { NotFoundError } from './errors'
import { tempDir } from './testing/fixtures'
import { configFileText } from '../../experiments/configFile'
import { experimentFromArgs } from '../cli/experimentFlags'
import { validateExperiment } from '../../experiments/schema'
import type { ExperimentConfig } from '../../experiments/api'

const MiB = 2 ** 20
const FAKE = path.join(__dirname, 'testing', 'fakeEngine.ts')
const config = {
  name: 'two designs',
  designs: [{ design: 'legacy' }, { design: 'swap-table', options: { phase: 4 } }],
  workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 1 } },
  memoryLimitBytes: 8 * MiB,
  devices: [{ sizeBytes: 64 * MiB }],
  trials: 2,
  sweep: { mode: 'grid' as const, axes: [{ path: 'cpus', values: [1, 4] }] }
}

let dir: string
let lab: LabService
const open = (): LabService =>
  new LabService({
    dbPath: path.join(dir, 'runs.db'),
    deviceDir: path.join(dir, 'devices'),
    appVersion: '9.9.9',
    engine: { module: FAKE, options: { steps: 3, stepMs: 1 } }
  })

beforeEach(() => {
  dir = tempDir()
})
afterEach(async () => {
  await lab?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('experiment notes and tags', () => {
  it('are stored, listed with every run of the experiment, and refused for an experiment that does not exist', async () => {
    lab = open()
    const { experimentId, runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    await lab.setExperimentNote(experimentId, 'cpus sweep for the LSF slides')
    await lab.setExperimentTags(experimentId, [' lsf ', 'sweep', 'lsf', ''])
    const runs = await lab.listRuns()
    expect(runs).toHaveLength(8)
    for (const r of runs) expect(r).toMatchObject({ experimentNote: 'cpus sweep for the LSF slides', experimentTags: ['lsf', 'sweep'] })
    expect((await lab.getRun(runIds[0])).experimentTags).toEqual(['lsf', 'sweep'])
    await expect(lab.setExperimentNote(999, 'x')).rejects.toThrow(NotFoundError)
    await expect(lab.setExperimentTags(999, ['x'])).rejects.toThrow(/experiment 999 does not exist/)
    // Deleting the runs deletes the experiment and its tags with it.
    await lab.deleteRuns(runIds)
    expect(lab.store.getExperiment(experimentId)).toBeUndefined()
  })

  it('go into both CSV files and the JSON export (version 3), and come back on import; version 2 files still import', async () => {
    lab = open()
    const { experimentId, runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    await lab.setExperimentNote(experimentId, 'from box A')
    await lab.setExperimentTags(experimentId, ['lsf'])
    await lab.setTags(runIds[0], ['odd', 'slow disk'])
    await lab.setNote(runIds[0], 'fan was loud')

    const perTrial = parse(await lab.exportSummaryCsv(runIds, true), { columns: true }) as Record<string, string>[]
    const first = perTrial.find((r) => Number(r.run_id) === runIds[0])!
    expect(first).toMatchObject({ experiment_tags: 'lsf', experiment_note: 'from box A', tags: 'odd, slow disk', notes: 'fan was loud' })
    const groups = parse((await lab.exportCsv(runIds)).summaryCsv, { columns: true }) as Record<string, string>[]
    const group = groups.find((g) => g.run_ids.split(' ').map(Number).includes(runIds[0]))!
    expect(group).toMatchObject({ experiment_tags: 'lsf', tags: 'odd, slow disk', notes: `#${runIds[0]}: fan was loud` })

    const json = await lab.exportJson(runIds)
    const data = JSON.parse(json)
    expect(data.schemaVersion).toBe(3)
    expect(data.runs[0].experiment).toMatchObject({ note: 'from box A', tags: ['lsf'] })
    await lab.close()

    fs.rmSync(dir, { recursive: true, force: true })
    dir = tempDir()
    lab = open()
    const { runIds: imported } = await lab.importJson(json)
    const back = await lab.getRun(imported[0])
    expect(back).toMatchObject({ experimentNote: 'from box A', experimentTags: ['lsf'], tags: ['odd', 'slow disk'], note: 'fan was loud' })

    // A version 2 export (before experiment notes): read as it is, with no experiment note or tags.
    const v2 = {
      ...data,
      schemaVersion: 2,
      runs: data.runs.map((r: { experiment: object }) => ({ ...r, experiment: { name: 'old', config } }))
    }
    const { runIds: old } = await lab.importJson(JSON.stringify(v2))
    expect(await lab.getRun(old[0])).toMatchObject({ experimentName: 'old', experimentNote: '', experimentTags: [] })
  })
})

describe('config files', () => {
  it('a saved config reads back as the same experiment, in the app and with swaplab run --config', async () => {
    lab = open()
    const v = validateExperiment(config)
    if (!v.ok) throw new Error('fixture config invalid')
    const text = configFileText(v.config)
    expect(await lab.parseConfig(text)).toEqual({ ok: true, config: v.config })
    const file = path.join(dir, 'exp.swaplab.json')
    fs.writeFileSync(file, text)
    const fromCli = experimentFromArgs({ command: 'run', positional: [], options: new Map([['config', [file]]]) } as never)
    expect(validateExperiment(fromCli)).toEqual({ ok: true, config: v.config })
  })

  it('a file that is not JSON, or has a bad field, gets a message naming the field; nothing is recorded', async () => {
    lab = open()
    expect(await lab.parseConfig('{"designs": [')).toEqual({
      ok: false,
      errors: [{ field: '(file)', message: expect.stringMatching(/^is not valid JSON: /) }]
    })
    expect(await lab.parseConfig('[1, 2]')).toMatchObject({ ok: false, errors: [{ field: '(file)' }] })
    const bad = await lab.parseConfig(JSON.stringify({ ...config, cpus: 0 }))
    expect(bad).toEqual({ ok: false, errors: [{ field: 'cpus', message: 'must be a whole number from 1 to 256; got 0' }] })
    // Paths are for the CLI: the app's checks apply to files too.
    expect(await lab.parseConfig(JSON.stringify({ ...config, deviceDir: '/etc' }))).toMatchObject({
      ok: false,
      errors: [{ field: 'deviceDir' }]
    })
    expect(await lab.listRuns()).toEqual([])
  })
})

describe('open a run as a new experiment', () => {
  it('gives its variant at its sweep point with its seed and one trial, which starts as it is', async () => {
    lab = open()
    const { runIds } = await lab.start(config)
    const runs = await lab.waitForRuns(runIds)
    const run = runs.find((r) => r.variantLabel === 'swap-table P4' && r.point.cpus === 4 && r.trial === 1)!
    const c: ExperimentConfig = await lab.runConfig(run.id)
    expect(c).toMatchObject({
      name: `two designs (from run ${run.id})`,
      designs: [{ design: 'swap-table', options: { phase: 4 } }],
      cpus: 4,
      seed: run.seed,
      trials: 1,
      sweep: null
    })
    expect(validateExperiment(c).ok).toBe(true)
    expect(await lab.listRuns()).toHaveLength(8)
    await expect(lab.runConfig(999)).rejects.toThrow(/run 999/)
  })
})
