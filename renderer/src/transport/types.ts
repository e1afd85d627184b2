// What the renderer talks to: the lab API contract plus the few things that differ between
// the desktop app and the browser (saving files, the app menu).
import type { LabApi, ValidationResult } from '../../../experiments/api'

export interface SaveOutcome {
  saved: boolean
  /** One line for the status bar, e.g. "Saved 2 files to ~/runs" or "Downloaded 2 files". */
  message: string
}

/** A trace the lab holds in its own folder: `ref` goes into workload.params.source (never a path). */
export interface PickedTrace {
  ref: string
  /** The file's name as the user knows it, for display. */
  name: string
}

/** An experiment config file the user opened: its name and what the lab's checks made of it. */
export interface OpenedConfig {
  fileName: string
  result: ValidationResult
}

/** Exposed by the Electron preload as window.swaplab (main picks every path). */
export interface DesktopBridge extends LabApi {
  saveCsv(runIds: number[]): Promise<SaveOutcome>
  savePng(suggestedName: string, pngDataUrl: string): Promise<SaveOutcome>
  saveSvg(suggestedName: string, svg: string): Promise<SaveOutcome>
  /** Main's open dialog; the file is copied into the lab's trace folder. Null when cancelled. */
  pickTrace(): Promise<PickedTrace | null>
  /** Main's save dialog; the config is checked and written in the `swaplab run --config` format. */
  saveConfig(config: unknown): Promise<SaveOutcome>
  /** Main's open dialog; null when cancelled. */
  openConfig(): Promise<OpenedConfig | null>
  onMenu(listener: (command: string) => void): () => void
}

export interface LabClient extends LabApi {
  readonly transport: 'ipc' | 'http' | 'fake'
  saveCsv(runIds: number[]): Promise<SaveOutcome>
  savePng(suggestedName: string, pngDataUrl: string): Promise<SaveOutcome>
  /** An SVG document (a chart drawn by charts/svgExport.ts). */
  saveSvg(suggestedName: string, svg: string): Promise<SaveOutcome>
  /** Choose a trace file: a dialog in main (desktop) or an upload into the lab's folder (browser). */
  pickTrace?(): Promise<PickedTrace | null>
  /** Save the config to a file (the `swaplab run --config` format): main's dialog (desktop) or a download (browser). */
  saveConfig(config: unknown): Promise<SaveOutcome>
  /** Open a config file: main's dialog (desktop) or an upload (browser); null when cancelled. Nothing starts. */
  openConfig(): Promise<OpenedConfig | null>
  onMenu(listener: (command: string) => void): () => void
}
