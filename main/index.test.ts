import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

vi.mock('electron', () => import('./testing/electronMock'))
const openLab = vi.fn()
vi.mock('./appLab', () => ({ openLabForApp: (...a: unknown[]) => openLab(...a) }))

import * as electron from './testing/electronMock'
import { recordingApi } from './testing/fakeApi'
import { IPC_CHANNELS } from './ipc'
import { MENU_CHANNEL } from './channels'
import { isAppUrl, nativeBindingPath, start } from './index'

const APP = join(electron.MOCK_ROOT, 'app')
afterAll(() => rmSync(electron.MOCK_ROOT, { recursive: true, force: true }))

function withBinding(present: boolean): void {
  rmSync(join(APP, 'native'), { recursive: true, force: true })
  if (present) {
    const file = nativeBindingPath(APP, process.versions.electron ?? '')
    mkdirSync(join(file, '..'), { recursive: true })
    writeFileSync(file, 'not really a binary')
  }
}

describe('Electron main', () => {
  beforeEach(() => {
    vi.clearAllMocks()
    electron.ipcHandlers.clear()
    electron.BrowserWindow.created = []
    electron.app.listeners.clear()
    openLab.mockResolvedValue({ api: recordingApi(), dbPath: '/tmp/x.db', close: async () => {} })
  })

  it('opens a hardened window, the menu and every IPC channel', async () => {
    withBinding(true)
    await start()
    expect(electron.app.enableSandbox).toHaveBeenCalled()
    expect(openLab).toHaveBeenCalledWith(
      expect.objectContaining({ nativeBinding: nativeBindingPath(APP, process.versions.electron ?? '') })
    )
    const [win] = electron.BrowserWindow.created
    expect(win.options.show).toBe(false)
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      webviewTag: false
    })
    expect(win.options.webPreferences.preload).toMatch(/preload[\\/]preload\.js$/)
    expect(win.loaded).toMatch(/renderer[\\/]index\.html$/)
    expect([...electron.ipcHandlers.keys()].sort()).toEqual([...IPC_CHANNELS].sort())
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalled()
  })

  it('has no DevTools in production: no "Toggle DevTools" menu item and devTools off in the window (issue 12 item 8)', async () => {
    withBinding(true)
    await start()
    const template = electron.Menu.buildFromTemplate.mock.calls.at(-1)![0] as { role?: string; submenu?: unknown }[]
    const roles = (items: { role?: string; submenu?: unknown }[]): string[] =>
      items.flatMap((i) => [i.role ?? '', ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])])
    expect(roles(template)).toContain('reload')
    expect(roles(template)).not.toContain('toggleDevTools')
    expect(electron.BrowserWindow.created[0].options.webPreferences.devTools).toBe(false)
  })

  it('sends File > Open and Save Experiment Config to the window as menu commands', async () => {
    withBinding(true)
    await start()
    type Item = { label?: string; accelerator?: string; click?: () => void; submenu?: unknown }
    const template = electron.Menu.buildFromTemplate.mock.calls.at(-1)![0] as Item[]
    const all = (items: Item[]): Item[] => items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? all(i.submenu) : [])])
    const [win] = electron.BrowserWindow.created
    for (const label of ['Open Experiment Config…', 'Save Experiment Config…']) all(template).find((i) => i.label === label)!.click!()
    expect(win.webContents.sent).toEqual([
      [MENU_CHANNEL, 'open-config'],
      [MENU_CHANNEL, 'save-config']
    ])
  })

  it('denies navigation, new windows, webviews and permissions, and sets a CSP header', async () => {
    withBinding(true)
    await start()
    const contents = new electron.FakeWebContents()
    for (const fn of electron.app.listeners.get('web-contents-created') ?? []) fn({}, contents)
    expect(contents.emitPreventable('will-navigate', 'https://example.com/')).toBe(true)
    expect(contents.emitPreventable('will-attach-webview')).toBe(true)
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' })
    const permission = electron.session.defaultSession.setPermissionRequestHandler.mock.calls[0][0] as (
      wc: unknown,
      p: string,
      cb: (ok: boolean) => void
    ) => void
    const answer = vi.fn()
    permission({}, 'media', answer)
    expect(answer).toHaveBeenCalledWith(false)
    const headers = electron.session.defaultSession.webRequest.onHeadersReceived.mock.calls[0][0] as (
      d: unknown,
      cb: (r: { responseHeaders: Record<string, string[]> }) => void
    ) => void
    const cb = vi.fn()
    headers({ responseHeaders: {} }, cb)
    expect(cb.mock.calls[0][0].responseHeaders['Content-Security-Policy'][0]).toMatch(/default-src 'none'; script-src 'self'/)
  })

  it('closes the lab before quitting', async () => {
    withBinding(true)
    const close = vi.fn(async () => {})
    openLab.mockResolvedValue({ api: recordingApi(), dbPath: '/tmp/x.db', close })
    await start()
    const [beforeQuit] = electron.app.listeners.get('before-quit') ?? []
    const event = { preventDefault: vi.fn() }
    beforeQuit(event)
    expect(event.preventDefault).toHaveBeenCalled()
    expect(close).toHaveBeenCalledTimes(1)
    await new Promise((r) => setTimeout(r, 0))
    expect(electron.app.quit).toHaveBeenCalled()
    expect(electron.ipcHandlers.size).toBe(0)
  })

  it('explains a missing Electron build of better-sqlite3 and quits without opening the lab', async () => {
    withBinding(false)
    await start()
    expect(electron.dialog.showErrorBox).toHaveBeenCalledWith(expect.any(String), expect.stringContaining('npm run electron:sqlite'))
    expect(electron.app.exit).toHaveBeenCalledWith(1)
    expect(openLab).not.toHaveBeenCalled()
    expect(electron.BrowserWindow.created).toHaveLength(0)
  })

  it('trusts only its own page', () => {
    expect(isAppUrl('https://example.com/')).toBe(false)
    expect(isAppUrl('file:///etc/passwd')).toBe(false)
    expect(isAppUrl('not a url')).toBe(false)
  })
})
