// Binds the lab API to ipcMain: one handler per channel of ./channels, each checking that
// the call comes from the app's own window and page and that its payload is well formed.
// Saving exports is done here, in main: the renderer never names a path.

import { ipcMain, dialog, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { MAX_CONFIG_FILE_BYTES, type LabApi } from '../experiments/api'
import { configFileName, configFileText } from '../experiments/configFile'
import { formatFieldErrors } from '../experiments/schema'
import type { TraceStore } from './lab/traces'
import {
  BadPayload,
  EVENT_CHANNEL,
  LAB_CHANNELS,
  LAB_METHODS,
  OPEN_CONFIG_CHANNEL,
  PICK_TRACE_CHANNEL,
  SAVE_CONFIG_CHANNEL,
  SAVE_CSV_CHANNEL,
  SAVE_PNG_CHANNEL,
  SAVE_SVG_CHANNEL,
  callChecked,
  checkArgs,
  checkPngDataUrl,
  checkSvg,
  errorMessage,
  safeFileName,
  type Envelope
} from './channels'

export interface IpcOptions {
  /** The one window whose page may call the lab. */
  window(): BrowserWindow | null
  /** True for URLs of the app's own renderer (the built index.html, or the dev server). */
  isAppUrl(url: string): boolean
  /** Where save dialogs open first (e.g. the user's Documents folder). */
  defaultDir(): string
  /** The lab's trace folder: a trace the user picks is copied there and named `lab:<name>` in the config. */
  traces?: TraceStore
}

export const FORBIDDEN = 'forbidden: the request did not come from the Swap Lab window'

/** The sender must be the main frame of our window, showing our page. */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  win: BrowserWindow | null,
  isAppUrl: (url: string) => boolean
): boolean {
  if (!win || win.isDestroyed()) return false
  if (event.sender !== win.webContents) return false
  const frame = event.senderFrame
  if (!frame || frame.parent) return false
  return isAppUrl(frame.url)
}

export const IPC_CHANNELS = [
  ...LAB_METHODS.map((m) => LAB_CHANNELS[m].channel),
  SAVE_CSV_CHANNEL,
  SAVE_PNG_CHANNEL,
  SAVE_SVG_CHANNEL,
  PICK_TRACE_CHANNEL,
  SAVE_CONFIG_CHANNEL,
  OPEN_CONFIG_CHANNEL
]

/** Registers every channel; returns a function that removes them and stops forwarding events. */
export function registerIpc(api: LabApi, options: IpcOptions): () => void {
  const guard =
    <A extends unknown[]>(fn: (event: IpcMainInvokeEvent, ...args: A) => Promise<Envelope<unknown>>) =>
    (event: IpcMainInvokeEvent, ...args: A): Promise<Envelope<unknown>> =>
      isTrustedSender(event, options.window(), (u) => options.isAppUrl(u))
        ? fn(event, ...args)
        : Promise.resolve({ ok: false, error: FORBIDDEN })

  for (const method of LAB_METHODS)
    ipcMain.handle(
      LAB_CHANNELS[method].channel,
      guard((_e, ...args: unknown[]) => callChecked(api, method, args))
    )

  ipcMain.handle(
    SAVE_CSV_CHANNEL,
    guard(async (_e, ...args: unknown[]) => {
      try {
        const [ids] = checkArgs('exportCsv', args) as [number[]]
        if (!ids.length) throw new BadPayload('select at least one run to export')
        const files = await api.exportCsv(ids)
        const win = options.window()
        const choice = await dialog.showSaveDialog(win!, {
          title: 'Export runs as CSV',
          defaultPath: join(options.defaultDir(), 'swaplab-runs.csv'),
          buttonLabel: 'Export',
          filters: [{ name: 'CSV', extensions: ['csv'] }]
        })
        if (choice.canceled || !choice.filePath) return { ok: true, value: { saved: false, message: 'Export cancelled' } }
        const summaryPath = choice.filePath.toLowerCase().endsWith('.csv') ? choice.filePath : `${choice.filePath}.csv`
        // The same pair of files as `swaplab export csv --out FILE`: FILE and FILE-samples.csv.
        const samplesPath = summaryPath.replace(/\.csv$/i, '-samples.csv')
        await writeFile(summaryPath, files.summaryCsv, 'utf8')
        await writeFile(samplesPath, files.samplesCsv, 'utf8')
        return { ok: true, value: { saved: true, message: `Saved ${summaryPath} and ${samplesPath}` } }
      } catch (e) {
        return { ok: false, error: errorMessage(e) }
      }
    })
  )

  ipcMain.handle(
    SAVE_PNG_CHANNEL,
    guard(async (_e, name: unknown, dataUrl: unknown) => {
      try {
        const png = checkPngDataUrl(dataUrl)
        const choice = await dialog.showSaveDialog(options.window()!, {
          title: 'Save chart as PNG',
          defaultPath: join(options.defaultDir(), safeFileName(name, 'swaplab-chart', '.png')),
          filters: [{ name: 'PNG image', extensions: ['png'] }]
        })
        if (choice.canceled || !choice.filePath) return { ok: true, value: { saved: false, message: 'Save cancelled' } }
        await writeFile(choice.filePath, png)
        return { ok: true, value: { saved: true, message: `Saved ${choice.filePath}` } }
      } catch (e) {
        return { ok: false, error: errorMessage(e) }
      }
    })
  )

  ipcMain.handle(
    SAVE_SVG_CHANNEL,
    guard(async (_e, name: unknown, svg: unknown) => {
      try {
        const text = checkSvg(svg)
        const choice = await dialog.showSaveDialog(options.window()!, {
          title: 'Save chart as SVG',
          defaultPath: join(options.defaultDir(), safeFileName(name, 'swaplab-chart', '.svg')),
          filters: [{ name: 'SVG image', extensions: ['svg'] }]
        })
        if (choice.canceled || !choice.filePath) return { ok: true, value: { saved: false, message: 'Save cancelled' } }
        await writeFile(choice.filePath, text, 'utf8')
        return { ok: true, value: { saved: true, message: `Saved ${choice.filePath}` } }
      } catch (e) {
        return { ok: false, error: errorMessage(e) }
      }
    })
  )

  // The renderer never names a trace file: main shows the dialog and copies the file into the
  // lab's trace folder; the config gets its `lab:` name (configs with paths are refused).
  ipcMain.handle(
    PICK_TRACE_CHANNEL,
    guard(async (_e, ...args: unknown[]) => {
      try {
        if (args.length) throw new BadPayload('takes no arguments')
        if (!options.traces) throw new Error('this window cannot choose trace files')
        const choice = await dialog.showOpenDialog(options.window()!, {
          title: 'Choose a trace (valgrind lackey output or CSV, optionally .gz)',
          defaultPath: options.defaultDir(),
          properties: ['openFile'],
          filters: [
            { name: 'Traces', extensions: ['lackey', 'csv', 'gz', 'txt', 'out', 'log'] },
            { name: 'All files', extensions: ['*'] }
          ]
        })
        if (choice.canceled || !choice.filePaths[0]) return { ok: true, value: null }
        return { ok: true, value: options.traces.addFile(choice.filePaths[0]) }
      } catch (e) {
        return { ok: false, error: errorMessage(e) }
      }
    })
  )

  // Experiment config files, in the format of `swaplab run --config`: saved only once valid (the
  // schema's defaults written out, so the file runs as it is), opened through the lab's checks.
  ipcMain.handle(
    SAVE_CONFIG_CHANNEL,
    guard(async (_e, ...args: unknown[]) => {
      try {
        const [config] = checkArgs('validate', args.slice(0, 1))
        const r = await api.validate(config)
        if (!r.ok) throw new BadPayload(`fix the form before saving it:\n${formatFieldErrors(r.errors)}`)
        const choice = await dialog.showSaveDialog(options.window()!, {
          title: 'Save experiment config',
          defaultPath: join(options.defaultDir(), configFileName(r.config)),
          buttonLabel: 'Save',
          filters: [{ name: 'Swap Lab experiment (JSON)', extensions: ['json'] }]
        })
        if (choice.canceled || !choice.filePath) return { ok: true, value: { saved: false, message: 'Save cancelled' } }
        await writeFile(choice.filePath, configFileText(r.config), 'utf8')
        return { ok: true, value: { saved: true, message: `Saved ${choice.filePath} (run it with swaplab run --config FILE)` } }
      } catch (e) {
        return { ok: false, error: errorMessage(e) }
      }
    })
  )

  ipcMain.handle(
    OPEN_CONFIG_CHANNEL,
    guard(async (_e, ...args: unknown[]) => {
      try {
        if (args.length) throw new BadPayload('takes no arguments')
        const choice = await dialog.showOpenDialog(options.window()!, {
          title: 'Open experiment config',
          defaultPath: options.defaultDir(),
          properties: ['openFile'],
          filters: [
            { name: 'Swap Lab experiment (JSON)', extensions: ['json'] },
            { name: 'All files', extensions: ['*'] }
          ]
        })
        const file = choice.filePaths[0]
        if (choice.canceled || !file) return { ok: true, value: null }
        const info = await stat(file)
        if (!info.isFile()) throw new BadPayload(`${basename(file)} is not a file`)
        if (info.size > MAX_CONFIG_FILE_BYTES)
          throw new BadPayload(`${basename(file)} is ${info.size} bytes; a config file has at most ${MAX_CONFIG_FILE_BYTES}`)
        const result = await api.parseConfig(await readFile(file, 'utf8'))
        return { ok: true, value: { fileName: basename(file), result } }
      } catch (e) {
        return { ok: false, error: errorMessage(e) }
      }
    })
  )

  const unsubscribe = api.subscribe((event) => {
    const win = options.window()
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event)
  })

  return () => {
    for (const c of IPC_CHANNELS) ipcMain.removeHandler(c)
    unsubscribe()
  }
}
