// The only seam between the sandboxed renderer and main: window.swaplab, the lab API plus
// saving files and menu commands. It forwards exactly the channels of ./channels; listeners
// get payloads, never the IPC event, and every subscription can be undone.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { LabApi, LabEvent } from '../experiments/api'
import {
  EVENT_CHANNEL,
  LAB_CHANNELS,
  LAB_METHODS,
  MENU_CHANNEL,
  MENU_COMMANDS,
  OPEN_CONFIG_CHANNEL,
  PICK_TRACE_CHANNEL,
  SAVE_CONFIG_CHANNEL,
  SAVE_CSV_CHANNEL,
  SAVE_PNG_CHANNEL,
  SAVE_SVG_CHANNEL,
  type Envelope
} from './channels'

async function invoke(channel: string, args: unknown[]): Promise<unknown> {
  const envelope = (await ipcRenderer.invoke(channel, ...args)) as Envelope<unknown>
  if (!envelope.ok) throw new Error(envelope.error)
  return envelope.value
}

function listen<T>(channel: string, listener: (payload: T) => void, accept: (payload: unknown) => boolean = () => true): () => void {
  const handler = (_event: IpcRendererEvent, payload: unknown): void => {
    if (accept(payload)) listener(payload as T)
  }
  ipcRenderer.on(channel, handler)
  return () => {
    ipcRenderer.removeListener(channel, handler)
  }
}

const methods = Object.fromEntries(
  LAB_METHODS.map((m) => [m, (...args: unknown[]) => invoke(LAB_CHANNELS[m].channel, args)])
) as unknown as Omit<LabApi, 'subscribe'>

const bridge = {
  ...methods,
  subscribe: (listener: (event: LabEvent) => void) => listen<LabEvent>(EVENT_CHANNEL, listener),
  saveCsv: (runIds: number[]) => invoke(SAVE_CSV_CHANNEL, [runIds]),
  savePng: (suggestedName: string, pngDataUrl: string) => invoke(SAVE_PNG_CHANNEL, [suggestedName, pngDataUrl]),
  saveSvg: (suggestedName: string, svg: string) => invoke(SAVE_SVG_CHANNEL, [suggestedName, svg]),
  pickTrace: () => invoke(PICK_TRACE_CHANNEL, []),
  saveConfig: (config: unknown) => invoke(SAVE_CONFIG_CHANNEL, [config]),
  openConfig: () => invoke(OPEN_CONFIG_CHANNEL, []),
  onMenu: (listener: (command: string) => void) =>
    listen<string>(MENU_CHANNEL, listener, (c) => (MENU_COMMANDS as readonly unknown[]).includes(c))
}

contextBridge.exposeInMainWorld('swaplab', bridge)
