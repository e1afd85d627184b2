// Experiment config files in the desktop app: main shows the dialogs, writes and reads the
// file (the `swaplab run --config` format), and the renderer never names a path.
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

vi.mock('electron', () => import('./testing/electronMock'))

import * as electron from './testing/electronMock'
import { FORBIDDEN, registerIpc } from './ipc'
import { OPEN_CONFIG_CHANNEL, SAVE_CONFIG_CHANNEL } from './channels'
import { recordingApi } from './testing/fakeApi'
import { validateExperiment } from '../experiments/schema'
import { parseConfigText } from '../experiments/configFile'

const APP_URL = 'file:///app/out/renderer/index.html'
const MiB = 2 ** 20
const config = {
  name: 'Swap table vs vswap',
  designs: [{ design: 'swap-table', options: { phase: 4 } }, { design: 'vswap' }],
  workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 1 } },
  memoryLimitBytes: 8 * MiB
}

const made: string[] = []
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))

function setup() {
  electron.ipcHandlers.clear()
  const api = recordingApi()
  // The schema and the file parser are the real ones; the store is not needed here.
  api.validate = async (c) => validateExperiment(c)
  api.parseConfig = async (text) => {
    const p = parseConfigText(text)
    return p.ok ? validateExperiment(p.value) : p
  }
  const win = new electron.BrowserWindow({})
  const dir = mkdtempSync(join(tmpdir(), 'swaplab-ipc-config-'))
  made.push(dir)
  registerIpc(api, { window: () => win as never, isAppUrl: (u) => u.startsWith(APP_URL), defaultDir: () => dir })
  const fromApp = { sender: win.webContents, senderFrame: { url: `${APP_URL}#/new`, parent: null } }
  const call = (channel: string, event: unknown, ...args: unknown[]) => electron.ipcHandlers.get(channel)!(event, ...args)
  return { api, win, dir, fromApp, call }
}

describe('IPC: experiment config files', () => {
  beforeEach(() => vi.clearAllMocks())

  it('saves a valid config where the user chose, with its defaults written out, named after the experiment', async () => {
    const { call, fromApp, dir } = setup()
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(dir, 'mine.json') })
    const r = await call(SAVE_CONFIG_CHANNEL, fromApp, config)
    expect(r).toEqual({
      ok: true,
      value: { saved: true, message: `Saved ${join(dir, 'mine.json')} (run it with swaplab run --config FILE)` }
    })
    const opts = electron.dialog.showSaveDialog.mock.calls[0][1] as { defaultPath: string }
    expect(opts.defaultPath).toBe(join(dir, 'swap-table-vs-vswap.swaplab.json'))
    const saved = JSON.parse(readFileSync(join(dir, 'mine.json'), 'utf8'))
    expect(saved).toEqual((validateExperiment(config) as { config: unknown }).config)
    expect(saved.devices).toEqual([{ sizeBytes: 2 ** 30, preset: 'nvme', priority: 0, discard: false }])
  })

  it('refuses to save a config with a bad field, naming it, before any dialog', async () => {
    const { call, fromApp } = setup()
    const r = await call(SAVE_CONFIG_CHANNEL, fromApp, { ...config, cpus: 0 })
    expect(r).toEqual({ ok: false, error: 'fix the form before saving it:\ncpus: must be a whole number from 1 to 256; got 0' })
    expect(electron.dialog.showSaveDialog).not.toHaveBeenCalled()
  })

  it('opens a file from main’s dialog through the lab’s checks; a bad one gets its field named; cancel is null', async () => {
    const { call, fromApp, dir } = setup()
    writeFileSync(join(dir, 'good.json'), JSON.stringify(config))
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...config, workload: { name: 'usemem', params: { tasks: 0 } } }))
    writeFileSync(join(dir, 'broken.json'), '{ "designs": ')
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [join(dir, 'good.json')] })
    const good = await call(OPEN_CONFIG_CHANNEL, fromApp)
    expect(good.value).toMatchObject({ fileName: 'good.json', result: { ok: true, config: { name: 'Swap table vs vswap' } } })
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [join(dir, 'bad.json')] })
    expect((await call(OPEN_CONFIG_CHANNEL, fromApp)).value).toEqual({
      fileName: 'bad.json',
      result: { ok: false, errors: [{ field: 'workload.params.tasks', message: 'must be a whole number from 1 to 256; got 0' }] }
    })
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [join(dir, 'broken.json')] })
    expect((await call(OPEN_CONFIG_CHANNEL, fromApp)).value).toMatchObject({
      result: { ok: false, errors: [{ field: '(file)', message: expect.stringMatching(/^is not valid JSON/) }] }
    })
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] })
    expect(await call(OPEN_CONFIG_CHANNEL, fromApp)).toEqual({ ok: true, value: null })
    // The renderer cannot hand main a path.
    expect(await call(OPEN_CONFIG_CHANNEL, fromApp, '/etc/passwd')).toEqual({ ok: false, error: 'takes no arguments' })
  })

  it('answers only the app window', async () => {
    const { call, fromApp } = setup()
    const other = new electron.BrowserWindow({})
    expect(await call(OPEN_CONFIG_CHANNEL, { sender: other.webContents, senderFrame: fromApp.senderFrame })).toEqual({
      ok: false,
      error: FORBIDDEN
    })
    expect(electron.dialog.showOpenDialog).not.toHaveBeenCalled()
  })
})
