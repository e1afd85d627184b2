// Issue 12 at the service and bridge level: prototype-polluting paths, silently accepted
// nonsense on the bridge, and a refused (corrupt) database left exactly as it was.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { validateExperiment } from '../../experiments/schema'
import { experimentFromArgs, parseRunArgs } from '../cli/experimentFlags'
import { startWebBridge, type WebBridge } from '../web'
import { LabService } from './service'
import { RunStore, StoreError } from './store'
import { InputError, NotFoundError } from './errors'
import { newRun, tempDir } from './testing/fixtures'

const MiB = 2 ** 20
const FAKE = path.join(__dirname, 'testing', 'fakeEngine.ts')
const config = {
  name: 'one design',
  designs: [{ design: 'legacy' }],
  workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 1 } },
  memoryLimitBytes: 4 * MiB,
  devices: [{ sizeBytes: 64 * MiB }]
}

let dir: string
let lab: LabService | undefined
let bridge: WebBridge | undefined
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
  await bridge?.close()
  await lab?.close()
  bridge = lab = undefined
  fs.rmSync(dir, { recursive: true, force: true })
  delete (Object.prototype as Record<string, unknown>).polluted
})

const polluted = (): unknown => ({}) as Record<string, unknown> & { polluted?: unknown }

describe('issue 12 item 6: __proto__, constructor and prototype are refused wherever a path or key is set', () => {
  it('refuses them in --set, --sweep, --param and design options without touching Object.prototype', () => {
    const cases = [
      ['--set', '__proto__.polluted=1'],
      ['--set', 'constructor.prototype.polluted=1'],
      ['--set', 'workload={"__proto__":{"polluted":1}}'],
      ['--sweep', '__proto__.polluted=1,2'],
      ['--param', '__proto__=1'],
      ['--design', 'legacy:__proto__=1']
    ]
    for (const argv of cases) {
      const args = parseRunArgs(['--design', 'legacy', '--workload', 'usemem', ...argv])
      expect(() => experimentFromArgs(args), argv.join(' ')).toThrow(/(__proto__|constructor).* is not allowed/)
      expect((polluted() as { polluted?: unknown }).polluted).toBeUndefined()
    }
  })

  it('refuses them in a config file', () => {
    const file = path.join(dir, 'exp.json')
    fs.writeFileSync(file, '{"designs":[{"design":"legacy"}],"workload":{"name":"usemem","params":{"__proto__":{"polluted":1}}}}')
    const args = parseRunArgs(['--config', file])
    expect(() => experimentFromArgs(args)).toThrow(/workload\.params\.__proto__ is not allowed/)
  })

  it('refuses them in configs from a front end (sweep paths and keys), naming the field', () => {
    const viaSweep = validateExperiment({ ...config, sweep: { axes: [{ path: '__proto__.polluted', values: [1, 2] }] } })
    expect(viaSweep.ok).toBe(false)
    expect(!viaSweep.ok && viaSweep.errors[0]).toEqual({
      field: 'sweep.axes.0.path',
      message: '__proto__.polluted: the path segment "__proto__" is not allowed'
    })
    const viaKey = validateExperiment(
      JSON.parse('{"designs":[{"design":"legacy","options":{"constructor":{"prototype":{"polluted":1}}}}]}')
    )
    expect(!viaKey.ok && viaKey.errors[0].field).toBe('designs.0.options.constructor')
    expect((polluted() as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('refuses them in an imported JSON export', async () => {
    lab = open()
    const { runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    const exported = JSON.parse(await lab.exportJson(runIds))
    const text = JSON.stringify(exported).replace('"name":"one design"', '"name":"one design","__proto__":{"polluted":1}')
    await expect(lab.importJson(text)).rejects.toThrow(/__proto__.* is not allowed/)
    expect((await lab.listRuns()).length).toBe(1)
  })
})

describe('issue 12 item 7: the service and the bridge name bad values instead of doing nothing', () => {
  it('cancel of a run that does not exist (a finished one is left alone), compare and delete of no runs', async () => {
    lab = open()
    await expect(lab.cancel(424242)).rejects.toThrow(NotFoundError)
    await expect(lab.cancel(424242)).rejects.toThrow(/run 424242 does not exist/)
    const { runIds } = await lab.start(config)
    await lab.waitForRuns(runIds)
    // A cancel that arrives after the run ended changes nothing and is no error.
    await expect(lab.cancel(runIds[0])).resolves.toBeUndefined()
    expect((await lab.getRun(runIds[0])).status).toBe('done')
    await expect(lab.compare([])).rejects.toThrow(InputError)
    await expect(lab.deleteRuns([])).rejects.toThrow(/at least one run/)
    await expect(lab.deleteRuns([runIds[0], 424242])).rejects.toThrow(/run 424242 does not exist; nothing was deleted/)
    expect((await lab.listRuns()).length).toBe(1)
  })

  it('answers 400 naming the value on the web bridge: cancel(424242), compare([[]])', async () => {
    lab = open()
    const renderer = path.join(dir, 'renderer')
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true })
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>')
    bridge = await startWebBridge(lab, { rendererDir: renderer })
    const call = async (method: string, args: unknown[]): Promise<{ status: number; body: { ok: boolean; error?: string } }> => {
      const res = await fetch(`${bridge!.origin}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-swaplab-token': bridge!.token },
        body: JSON.stringify({ args })
      })
      return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string } }
    }
    const cancel = await call('cancel', [424242])
    expect(cancel.status).toBe(400)
    expect(cancel.body.error).toMatch(/424242/)
    const cmp = await call('compare', [[]])
    expect(cmp.status).toBe(400)
    expect(cmp.body.error).toMatch(/at least one run/)
  })
})

describe('issue 12 item 8: a refused database is left exactly as it was', () => {
  it('leaves no -wal or -shm file beside a corrupt database', () => {
    const file = path.join(dir, 'lab.db')
    const s = RunStore.open(file)
    const exp = s.createExperiment({ name: 'x', config: {} })
    s.createRuns(
      exp,
      Array.from({ length: 50 }, () => newRun({ status: 'done' }))
    )
    s.close()
    const bytes = fs.readFileSync(file)
    // Damage every page after the first (the header still says: a WAL-mode SQLite database).
    for (let i = 4096; i < bytes.length; i += 7) bytes[i] = 0xa5
    fs.writeFileSync(file, bytes)
    expect(fs.readdirSync(dir)).toEqual(['lab.db'])
    expect(() => RunStore.open(file)).toThrow(StoreError)
    expect(() => RunStore.open(file)).toThrow(/damaged/)
    expect(fs.readdirSync(dir)).toEqual(['lab.db'])
    expect(fs.readFileSync(file).equals(bytes)).toBe(true)
  })
})
