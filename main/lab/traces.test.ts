// Issue 12 item 4: a window or a browser page cannot make the lab read a file of its
// choosing. Configs from the bridge and IPC carry no paths (every path-valued field is
// refused in one place); traces come through main's file dialog or an upload into the lab's
// own folder, and configs name them `lab:<name>`.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', () => import('../testing/electronMock'))

import * as electron from '../testing/electronMock'
import { configPathErrors, PATH_FIELDS } from '../../experiments/pathFields'
import { PICK_TRACE_CHANNEL } from '../channels'
import { registerIpc } from '../ipc'
import { startWebBridge, type WebBridge } from '../web'
import { LabService } from './service'
import { tempDir } from './testing/fixtures'

const FAKE = path.join(__dirname, 'testing', 'fakeEngine.ts')
const traceConfig = (source: string): object => ({
  name: 'trace',
  designs: [{ design: 'legacy' }],
  workload: { name: 'trace', params: { source } },
  memoryLimitBytes: 256 * 1024,
  devices: [{ sizeBytes: 64 * 2 ** 20 }],
  storage: 'metadata-only'
})

let dir: string
let lab: LabService
let bridge: WebBridge | undefined
beforeEach(async () => {
  dir = tempDir()
  // As the app and `swaplab serve` open it: configs may not name paths.
  lab = new LabService({
    dbPath: path.join(dir, 'runs.db'),
    deviceDir: path.join(dir, 'devices'),
    traceDir: path.join(dir, 'traces'),
    appVersion: '9',
    engine: { module: FAKE, options: { steps: 3, stepMs: 1 } }
  })
  const renderer = path.join(dir, 'renderer')
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>')
  bridge = await startWebBridge(lab, { rendererDir: renderer, traces: lab.traces })
})
afterEach(async () => {
  await bridge?.close()
  await lab.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function post(
  method: string,
  body: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: { ok: boolean; value?: unknown; error?: string } }> {
  const res = await fetch(`${bridge!.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-swaplab-token': bridge!.token, ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)
  })
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: unknown; error?: string } }
}

describe('issue 12 item 4: no server-side file as a trace from the app', () => {
  it('refuses a trace path on the bridge, the same way whether the file exists or not, and starts nothing', async () => {
    const a = await post('start', { args: [traceConfig('/etc/passwd')] })
    const b = await post('start', { args: [traceConfig('/no/such/file')] })
    for (const r of [a, b]) {
      expect(r.status).toBe(400)
      expect(r.body.error).toMatch(/^workload\.params\.source: cannot be set from this front end; file paths are for the CLI only/)
    }
    expect(a.body.error).toBe(b.body.error!.replace('/no/such/file', '/etc/passwd'))
    const v = await post('validate', { args: [traceConfig('../../etc/passwd')] })
    expect(v.body.value).toMatchObject({ ok: false, errors: [{ field: 'workload.params.source' }] })
    expect(await lab.listRuns()).toEqual([])
  })

  it('takes a trace uploaded into the lab folder, and runs it from there', async () => {
    const csv = '0,100,1\n0,101,0\n1,100,1\n'
    const up = await post('uploadTrace', csv, {
      'content-type': 'application/octet-stream',
      'x-swaplab-filename': encodeURIComponent('../my trace.csv')
    })
    expect(up.status).toBe(200)
    const { ref, name } = up.body.value as { ref: string; name: string }
    expect(ref).toMatch(/^lab:[\w.-]+-my_trace\.csv$/)
    expect(name).toBe('my_trace.csv')
    expect(fs.readdirSync(path.join(dir, 'traces'))).toHaveLength(1)
    const started = await post('start', { args: [traceConfig(ref)] })
    expect(started.status, started.body.error).toBe(200)
    const [run] = await lab.waitForRuns((started.body.value as { runIds: number[] }).runIds)
    const detail = await lab.getRun(run.id)
    // The engine got the file in the lab's folder; the experiment keeps the lab: name.
    expect((detail.config as { workload: { params: { source: string } } }).workload.params.source).toBe(
      path.join(dir, 'traces', ref.slice('lab:'.length))
    )
    // A lab: name that the folder does not hold (or that tries to leave it) is refused.
    for (const bad of ['lab:../runs.db', 'lab:nothing-here.csv']) {
      const r = await post('start', { args: [traceConfig(bad)] })
      expect(r.status).toBe(400)
      expect(r.body.error).toMatch(/no trace lab:.* in the lab's trace folder/)
    }
  })

  it("copies a trace picked in main's open dialog into the lab folder (Electron)", async () => {
    electron.ipcHandlers.clear()
    const win = new electron.BrowserWindow({})
    const unbind = registerIpc(lab, { window: () => win as never, isAppUrl: () => true, defaultDir: () => dir, traces: lab.traces })
    const picked = path.join(dir, 'picked.lackey')
    fs.writeFileSync(picked, ' L 04222cf0,8\n')
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [picked] })
    const fromApp = { sender: win.webContents, senderFrame: { url: 'file:///x', parent: null } }
    const r = (await electron.ipcHandlers.get(PICK_TRACE_CHANNEL)!(fromApp)) as { ok: boolean; value: { ref: string; name: string } }
    expect(r.ok).toBe(true)
    expect(r.value.name).toBe('picked.lackey')
    expect(lab.traces.resolve(r.value.ref)).toMatch(new RegExp(`^${path.join(dir, 'traces')}`))
    expect((await lab.validate(traceConfig(r.value.ref))).ok).toBe(true)
    unbind()
  })

  it('checks every path-valued field in one list, so a new one joins with one line', () => {
    expect(configPathErrors({ deviceDir: '/tmp' })).toEqual([
      { field: 'deviceDir', message: 'cannot be set from this front end; the lab chooses the device folder' }
    ])
    // The kernel design's image joined the list with one entry: a path is refused, a name is not.
    expect(PATH_FIELDS.map((f) => f.pattern)).toContain('designs.*.options.image')
    const config = {
      designs: [{ design: 'kernel', options: { image: '/boot/vmlinuz' } }],
      sweep: { axes: [{ path: 'options.image', values: ['/x', 'host', 'debian-6.12'] }] }
    }
    expect(configPathErrors(config).map((e) => e.field)).toEqual(['designs.0.options.image', 'sweep.axes.0.values.0'])
  })
})
