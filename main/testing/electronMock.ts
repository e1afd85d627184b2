// The one stand-in for the `electron` module in tests (the real one downloads a binary on
// require). Tests load it with: vi.mock('electron', () => import('./testing/electronMock')).
import * as os from 'node:os'
import * as path from 'node:path'
import { vi } from 'vitest'

/** Where the mock's app.getPath() and getAppPath() point: per test process, removed by the tests that create files there. */
export const MOCK_ROOT = path.join(os.tmpdir(), `swaplab-electron-mock-${process.pid}`)

type Handler = (...args: any[]) => any

export const ipcHandlers = new Map<string, Handler>()
export const ipcMain = {
  handle: vi.fn((channel: string, fn: Handler) => {
    if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    ipcHandlers.set(channel, fn)
  }),
  removeHandler: vi.fn((channel: string) => ipcHandlers.delete(channel))
}

export const dialog = {
  showSaveDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePath: '' as string | undefined })),
  showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePaths: [] as string[] })),
  showErrorBox: vi.fn(),
  showMessageBox: vi.fn(async () => ({ response: 0 }))
}

export class FakeWebContents {
  static next = 1
  id = FakeWebContents.next++
  sent: [string, unknown][] = []
  listeners = new Map<string, Handler[]>()
  windowOpenHandler: Handler | null = null
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload])
  }
  on(name: string, fn: Handler): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn])
    return this
  }
  setWindowOpenHandler(fn: Handler): void {
    this.windowOpenHandler = fn
  }
  /** Emits an event with a preventable first argument; returns whether it was prevented. */
  emitPreventable(name: string, ...args: unknown[]): boolean {
    let prevented = false
    const event = { preventDefault: () => (prevented = true) }
    for (const fn of this.listeners.get(name) ?? []) fn(event, ...args)
    return prevented
  }
}

export class BrowserWindow {
  static created: BrowserWindow[] = []
  webContents = new FakeWebContents()
  destroyed = false
  loaded: string | null = null
  constructor(public options: Record<string, any>) {
    BrowserWindow.created.push(this)
  }
  once(): this {
    return this
  }
  on(): this {
    return this
  }
  show(): void {}
  isDestroyed(): boolean {
    return this.destroyed
  }
  loadFile(file: string): Promise<void> {
    this.loaded = file
    return Promise.resolve()
  }
  loadURL(url: string): Promise<void> {
    this.loaded = url
    return Promise.resolve()
  }
}

const appListeners = new Map<string, Handler[]>()
export const app = {
  listeners: appListeners,
  on: vi.fn((name: string, fn: Handler) => {
    appListeners.set(name, [...(appListeners.get(name) ?? []), fn])
    return app
  }),
  whenReady: vi.fn(() => Promise.resolve()),
  getPath: vi.fn((name: string) => path.join(MOCK_ROOT, name)),
  getAppPath: vi.fn(() => path.join(MOCK_ROOT, 'app')),
  getVersion: vi.fn(() => '0.1.0'),
  enableSandbox: vi.fn(),
  exit: vi.fn(),
  quit: vi.fn()
}

export const Menu = {
  buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
  setApplicationMenu: vi.fn()
}

export const session = {
  defaultSession: {
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    webRequest: { onHeadersReceived: vi.fn() }
  }
}

export const exposed: Record<string, any> = {}
export const contextBridge = {
  exposeInMainWorld: vi.fn((key: string, api: unknown) => {
    exposed[key] = api
  })
}

const rendererListeners = new Map<string, Handler[]>()
export const ipcRenderer = {
  listeners: rendererListeners,
  invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, value: null })),
  on: vi.fn((channel: string, fn: Handler) => {
    rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), fn])
  }),
  removeListener: vi.fn((channel: string, fn: Handler) => {
    rendererListeners.set(
      channel,
      (rendererListeners.get(channel) ?? []).filter((f) => f !== fn)
    )
  }),
  /** Test helper: main sends a message to the renderer. */
  emit(channel: string, payload: unknown): void {
    for (const fn of rendererListeners.get(channel) ?? []) fn({ sender: 'raw-ipc-event' }, payload)
  }
}

export default { ipcMain, dialog, BrowserWindow, app, Menu, session, contextBridge, ipcRenderer }
