// Electron bootstrap only: a hardened window, the app menu, and the lab service bound to IPC.
// Everything with logic lives in modules tested under Node (./channels, ./ipc, ./menu, ./lab).

import { app, BrowserWindow, Menu, dialog, session } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { registerIpc } from './ipc'
import { menuTemplate } from './menu'
import { MENU_CHANNEL } from './channels'
import { CONTENT_SECURITY_POLICY } from './web'
import { openLabForApp, type AppLab } from './appLab'

const rendererIndex = join(__dirname, '../renderer/index.html')
const devUrl = process.env.ELECTRON_RENDERER_URL
/** Development means the electron-vite dev server; only then are DevTools available. */
const development = Boolean(devUrl)

/** better-sqlite3 built for this Electron's ABI by `npm run electron:sqlite` (scripts/electron-sqlite.mjs). */
export function nativeBindingPath(appPath: string, electronVersion: string): string {
  return join(appPath, 'native', `electron-${electronVersion}`, 'better_sqlite3.node')
}

/** Our page only: the built index.html (any hash) or, in `npm run dev`, the dev server. */
export function isAppUrl(url: string): boolean {
  const file = pathToFileURL(rendererIndex).href
  if (url === file || url.startsWith(`${file}#`) || url.startsWith(`${file}?`)) return true
  try {
    return !!devUrl && new URL(url).origin === new URL(devUrl).origin
  } catch {
    return false
  }
}

/** Options of the one window: the hardening style.md and architecture.md ask for. */
export const WEB_PREFERENCES = {
  preload: join(__dirname, '../preload/preload.js'),
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  sandbox: true,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
  devTools: development
} as const

let mainWindow: BrowserWindow | null = null
let lab: AppLab | null = null
let unbind: (() => void) | null = null

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Swap Lab',
    backgroundColor: '#f5f6f8',
    webPreferences: { ...WEB_PREFERENCES }
  })
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  if (devUrl) void win.loadURL(devUrl)
  else void win.loadFile(rendererIndex)
  return win
}

/** Every web contents: no navigation away, no new windows, no webviews, no permissions. */
export function hardenApp(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault())
    contents.on('will-redirect', (e) => e.preventDefault())
    contents.on('will-attach-webview', (e) => e.preventDefault())
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  })
}

function hardenSession(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
}

function installMenu(): void {
  const send = (command: string): void => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(MENU_CHANNEL, command)
  }
  const about = (): void => {
    void dialog.showMessageBox({
      type: 'info',
      title: 'About Swap Lab',
      message: `Swap Lab ${app.getVersion()}`,
      detail: 'A lab for Linux swap slot management designs.'
    })
  }
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, send, about, { devTools: development })))
}

export async function start(): Promise<void> {
  app.enableSandbox()
  hardenApp()
  app.on('window-all-closed', () => app.quit())
  // Quit only after the lab has cancelled its runs, removed their device files and closed
  // the database: quitting first would leave runs marked running until the next start.
  let closing = false
  app.on('before-quit', (event) => {
    if (!lab || closing) return
    event.preventDefault()
    closing = true
    unbind?.()
    void lab.close().finally(() => {
      lab = null
      app.quit()
    })
  })
  await app.whenReady()
  hardenSession()

  const binding = nativeBindingPath(app.getAppPath(), process.versions.electron ?? '')
  if (!existsSync(binding)) {
    dialog.showErrorBox(
      'Swap Lab cannot open its database',
      `The SQLite module built for Electron ${process.versions.electron} is missing:\n${binding}\n\nRun \`npm run electron:sqlite\` once (it needs internet access to fetch Electron headers), then start again.`
    )
    app.exit(1)
    return
  }
  try {
    lab = await openLabForApp({ nativeBinding: binding, appVersion: app.getVersion() })
  } catch (e) {
    dialog.showErrorBox('Swap Lab cannot open its database', e instanceof Error ? e.message : String(e))
    app.exit(1)
    return
  }
  installMenu()
  unbind = registerIpc(lab.api, { window: () => mainWindow, isAppUrl, defaultDir: () => app.getPath('documents'), traces: lab.traces })
  mainWindow = createWindow()
  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow()
  })
}

// Started by Electron; tests import the module with a mocked electron and call start() themselves.
if (!process.env.VITEST) void start()
