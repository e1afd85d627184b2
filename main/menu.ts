// The app menu as data (no Electron import, so it is tested under Node): the usual items plus
// commands that ask the renderer to show a view.
import type { MenuItemConstructorOptions } from 'electron'
import type { MenuCommand } from './channels'

/** `devTools`: only in development (the electron-vite dev server); a production menu has no DevTools item. */
export function menuTemplate(
  platform: NodeJS.Platform,
  send: (command: MenuCommand) => void,
  about: () => void,
  options: { devTools?: boolean } = {}
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin'
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: 'Swap Lab',
          submenu: [
            { role: 'about' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { type: 'separator' },
            { role: 'quit' }
          ]
        }
      ]
    : []
  return [
    ...appMenu,
    {
      label: 'File',
      submenu: [
        { label: 'New Experiment', accelerator: 'CmdOrCtrl+N', click: () => send('new-experiment') },
        // The New experiment view's Open file… and Save to file… (the `swaplab run --config` format).
        { label: 'Open Experiment Config…', accelerator: 'CmdOrCtrl+O', click: () => send('open-config') },
        { label: 'Save Experiment Config…', accelerator: 'CmdOrCtrl+S', click: () => send('save-config') },
        { type: 'separator' },
        { label: 'Export Selected Runs as CSV…', accelerator: 'CmdOrCtrl+E', click: () => send('export-csv') },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' }
      ]
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Running', accelerator: 'CmdOrCtrl+1', click: () => send('running') },
        { label: 'Runs', accelerator: 'CmdOrCtrl+2', click: () => send('runs') },
        { label: 'Compare', accelerator: 'CmdOrCtrl+3', click: () => send('compare') },
        { type: 'separator' },
        { role: 'reload' },
        ...(options.devTools ? [{ role: 'toggleDevTools' } as const] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' }
      ]
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'About Swap Lab', click: about }] }
  ]
}
