import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

vi.mock('electron', () => import('./testing/electronMock'))

import * as electron from './testing/electronMock'
import { FORBIDDEN, IPC_CHANNELS, registerIpc } from './ipc'
import { EVENT_CHANNEL, LAB_CHANNELS, SAVE_CSV_CHANNEL, SAVE_PNG_CHANNEL, SAVE_SVG_CHANNEL } from './channels'
import { recordingApi } from './testing/fakeApi'

const APP_URL = 'file:///app/out/renderer/index.html'

const made: string[] = []
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))

function setup() {
  electron.ipcHandlers.clear()
  const api = recordingApi()
  const win = new electron.BrowserWindow({})
  const dir = mkdtempSync(join(tmpdir(), 'swaplab-ipc-'))
  made.push(dir)
  const unbind = registerIpc(api, { window: () => win as never, isAppUrl: (u) => u.startsWith(APP_URL), defaultDir: () => dir })
  const fromApp = { sender: win.webContents, senderFrame: { url: `${APP_URL}#/runs`, parent: null } }
  const call = (channel: string, event: unknown, ...args: unknown[]) => electron.ipcHandlers.get(channel)!(event, ...args)
  return { api, win, dir, unbind, fromApp, call }
}

describe('IPC bridge', () => {
  beforeEach(() => vi.clearAllMocks())

  it('registers exactly the listed channels and removes them again', () => {
    const { unbind } = setup()
    expect([...electron.ipcHandlers.keys()].sort()).toEqual([...IPC_CHANNELS].sort())
    expect(IPC_CHANNELS).toContain(LAB_CHANNELS.start.channel)
    unbind()
    expect(electron.ipcHandlers.size).toBe(0)
  })

  it('forwards a checked call from the app window to the lab', async () => {
    const { api, call, fromApp } = setup()
    expect(await call(LAB_CHANNELS.getSamples.channel, fromApp, 7, 500)).toEqual({
      ok: true,
      value: { runId: 1, samples: [], totalSamples: 0 }
    })
    expect(api.calls).toEqual([{ method: 'getSamples', args: [7, 500] }])
  })

  it('rejects bad payloads before they reach the lab', async () => {
    const { api, call, fromApp } = setup()
    expect(await call(LAB_CHANNELS.deleteRuns.channel, fromApp, 'all')).toEqual({ ok: false, error: 'runIds must be an array of run ids' })
    expect(await call(LAB_CHANNELS.start.channel, fromApp, 'rm -rf /')).toEqual({ ok: false, error: 'config must be an object' })
    expect(api.calls).toEqual([])
  })

  it('forwards the fidelity report and start, and refuses a kernel path or an unknown option from the window', async () => {
    const { api, call, fromApp } = setup()
    expect(IPC_CHANNELS).toEqual(expect.arrayContaining(['lab:fidelityReport', 'lab:startFidelity']))
    expect(await call(LAB_CHANNELS.fidelityReport.channel, fromApp)).toEqual({ ok: true, value: null })
    expect(await call(LAB_CHANNELS.fidelityReport.channel, fromApp, '20261128T0740Z')).toEqual({ ok: true, value: null })
    const started = await call(LAB_CHANNELS.startFidelity.channel, fromApp, { kernels: ['host', 'debian-6.12'], quick: true })
    expect(started).toMatchObject({ ok: true, value: { stamp: 's' } })
    expect(api.calls).toEqual([
      { method: 'fidelityReport', args: [] },
      { method: 'fidelityReport', args: ['20261128T0740Z'] },
      { method: 'startFidelity', args: [{ kernels: ['host', 'debian-6.12'], quick: true }] }
    ])
    api.calls.length = 0
    const path = await call(LAB_CHANNELS.startFidelity.channel, fromApp, { kernels: ['/boot/vmlinuz'] })
    expect(path).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^options\.kernels\.0: "\/boot\/vmlinuz" is not host or debian-<version>/)
    })
    expect(await call(LAB_CHANNELS.startFidelity.channel, fromApp, { kernels: ['host'], shell: 'x' })).toEqual({
      ok: false,
      error: 'options.shell is not a fidelity option'
    })
    expect(await call(LAB_CHANNELS.fidelityReport.channel, fromApp, '../etc')).toMatchObject({ ok: false })
    expect(api.calls).toEqual([])
  })

  it('rejects foreign senders: another window, a subframe, another page', async () => {
    const { api, call, fromApp, win } = setup()
    const other = new electron.BrowserWindow({})
    for (const event of [
      { sender: other.webContents, senderFrame: fromApp.senderFrame },
      { sender: win.webContents, senderFrame: { url: APP_URL, parent: {} } },
      { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: win.webContents, senderFrame: null }
    ])
      expect(await call(LAB_CHANNELS.deleteRuns.channel, event, [1])).toEqual({ ok: false, error: FORBIDDEN })
    expect(await call(SAVE_CSV_CHANNEL, { sender: other.webContents, senderFrame: fromApp.senderFrame }, [1])).toEqual({
      ok: false,
      error: FORBIDDEN
    })
    expect(api.calls).toEqual([])
    expect(electron.dialog.showSaveDialog).not.toHaveBeenCalled()
  })

  it('forwards lab events to the window, and stops after unbinding', () => {
    const { api, win, unbind } = setup()
    api.emit({ type: 'queue-empty' })
    expect(win.webContents.sent).toEqual([[EVENT_CHANNEL, { type: 'queue-empty' }]])
    unbind()
    api.emit({ type: 'queue-empty' })
    expect(win.webContents.sent).toHaveLength(1)
    expect(api.listenerCount()).toBe(0)
  })

  it('saves CSV exports where the user chose in main’s save dialog, the samples beside the summary', async () => {
    const { call, fromApp, dir } = setup()
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(dir, 'mine.csv') })
    const r = await call(SAVE_CSV_CHANNEL, fromApp, [1, 2])
    expect(r.ok).toBe(true)
    expect(readFileSync(join(dir, 'mine.csv'), 'utf8')).toBe('run_id\n1\n')
    expect(readFileSync(join(dir, 'mine-samples.csv'), 'utf8')).toBe('run_id,metric\n')
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true, filePath: undefined })
    expect(await call(SAVE_CSV_CHANNEL, fromApp, [1])).toEqual({ ok: true, value: { saved: false, message: 'Export cancelled' } })
  })

  it('saves a chart PNG only from a PNG data URL, with a sanitised suggested name', async () => {
    const { call, fromApp, dir } = setup()
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(dir, 'c.png') })
    expect((await call(SAVE_PNG_CHANNEL, fromApp, '../../x', 'data:image/png;base64,iVBORw0KGgo=')).ok).toBe(true)
    const opts = electron.dialog.showSaveDialog.mock.calls[0][1] as { defaultPath: string }
    expect(opts.defaultPath).toBe(join(dir, '_.._x.png'))
    expect(await call(SAVE_PNG_CHANNEL, fromApp, 'x', 'javascript:alert(1)')).toEqual({ ok: false, error: 'image must be a PNG data URL' })
  })

  it('saves a chart SVG only from an SVG document without scripts', async () => {
    const { call, fromApp, dir } = setup()
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><path d="M0 0L1 1"/></svg>'
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(dir, 'c.svg') })
    expect((await call(SAVE_SVG_CHANNEL, fromApp, 'chart', svg)).ok).toBe(true)
    expect(readFileSync(join(dir, 'c.svg'), 'utf8')).toBe(svg)
    expect(await call(SAVE_SVG_CHANNEL, fromApp, 'x', '<html></html>')).toEqual({ ok: false, error: 'image must be an SVG document' })
    expect(await call(SAVE_SVG_CHANNEL, fromApp, 'x', svg.replace('<path', '<script>alert(1)</script><path'))).toEqual({
      ok: false,
      error: 'image must not contain scripts'
    })
  })
})
