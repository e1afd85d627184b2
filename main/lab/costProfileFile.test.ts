// Cost profiles through the lab service: files only from trusted front ends, read once and
// carried in each run's config, bad files named; the run's summary says which profile it used.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabService } from './service'
import { InputError } from './errors'
import { tempDir } from './testing/fixtures'

const MiB = 2 ** 20
const config = {
  designs: [{ design: 'cluster' }],
  workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 4 * MiB, passes: 2 } },
  memoryLimitBytes: 3 * MiB,
  devices: [{ sizeBytes: 64 * MiB }]
}

let dir: string
let lab: LabService
const open = (trustConfigPaths: boolean): LabService =>
  new LabService({ dbPath: path.join(dir, 'runs.db'), deviceDir: path.join(dir, 'devices'), appVersion: '0.0.0-test', trustConfigPaths })

beforeEach(() => {
  dir = tempDir()
})
afterEach(async () => {
  await lab?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('cost profiles in the lab service', () => {
  it('refuses a profile file from a front end that may not name files, before recording anything', async () => {
    lab = open(false)
    const file = path.join(dir, 'p.json')
    fs.writeFileSync(file, JSON.stringify({ cost: { faultBase: 500 } }))
    expect(await lab.validate({ ...config, costProfile: file })).toEqual({
      ok: false,
      errors: [
        {
          field: 'costProfile',
          message: 'must be default or host here; a profile file can only be named on the command line (swaplab --cost-profile FILE)'
        }
      ]
    })
    await expect(lab.start({ ...config, costProfile: file })).rejects.toThrow(InputError)
    expect((await lab.validate({ ...config, costProfile: 'default' })).ok).toBe(true)
    expect(await lab.listRuns()).toEqual([])
  })

  it('names what is wrong with a bad or missing file', async () => {
    lab = open(true)
    const bad = path.join(dir, 'bad.json')
    fs.writeFileSync(bad, JSON.stringify({ cost: { faultBase: -3, nope: 1 } }))
    const r = await lab.validate({ ...config, costProfile: bad })
    expect(r.ok).toBe(false)
    const message = !r.ok ? r.errors[0].message : ''
    expect(message).toContain(`cost profile ${bad}: `)
    expect(message).toContain('cost.faultBase must be positive; got -3')
    expect(message).toContain('unknown constant cost.nope')
    const missing = await lab.validate({ ...config, costProfile: path.join(dir, 'none.json') })
    expect(!missing.ok && missing.errors[0].message).toMatch(/^cannot read cost profile .*none\.json: ENOENT/)
    fs.writeFileSync(bad, '{ cost: ')
    const notJson = await lab.validate({ ...config, costProfile: bad })
    expect(!notJson.ok && notJson.errors[0].message).toMatch(/is not valid JSON/)
    expect(await lab.listRuns()).toEqual([])
  })

  it('runs with the file read once at start, records it in config and summary, and leaves the next run on the defaults', async () => {
    lab = open(true)
    const file = path.join(dir, 'slow.json')
    fs.writeFileSync(
      file,
      JSON.stringify({ format: 'swaplab-cost-profile/1', cost: { faultBase: 2000 }, devices: { nvme: { writeLatencyNs: 90_000 } } })
    )
    const { runIds } = await lab.start({ ...config, costProfile: file })
    // Changing the file now cannot change the queued run.
    fs.writeFileSync(file, JSON.stringify({ cost: { faultBase: 1 } }))
    const plain = await lab.start(config)
    const runs = await lab.waitForRuns([...runIds, ...plain.runIds])
    expect(runs.map((x) => x.status)).toEqual(['done', 'done'])
    const profiled = await lab.getRun(runIds[0])
    expect(profiled.config).toMatchObject({ costProfile: { name: file, cost: { faultBase: 2000 } } })
    expect(profiled.summary!.costProfile).toMatchObject({
      name: file,
      changed: { cost: { faultBase: 2000 }, devices: { nvme: { writeLatencyNs: 90_000 } } }
    })
    const def = await lab.getRun(plain.runIds[0])
    expect(def.summary!.costProfile).toMatchObject({ name: 'default', changed: { cost: {}, devices: {} } })
    expect(profiled.summary!.systemTimeNs).toBeGreaterThan(def.summary!.systemTimeNs)
  }, 60_000)
})
