// What the renderer talks to: the lab API contract plus the few things that differ between
// the desktop app and the browser (saving files, the app menu).
import type { LabApi } from '../../../experiments/api'

export interface SaveOutcome {
  saved: boolean
  /** One line for the status bar, e.g. "Saved 2 files to ~/runs" or "Downloaded 2 files". */
  message: string
}

/** Exposed by the Electron preload as window.swaplab (main picks every path). */
export interface DesktopBridge extends LabApi {
  saveCsv(runIds: number[]): Promise<SaveOutcome>
  savePng(suggestedName: string, pngDataUrl: string): Promise<SaveOutcome>
  onMenu(listener: (command: string) => void): () => void
}

export interface LabClient extends LabApi {
  readonly transport: 'ipc' | 'http' | 'fake'
  saveCsv(runIds: number[]): Promise<SaveOutcome>
  savePng(suggestedName: string, pngDataUrl: string): Promise<SaveOutcome>
  onMenu(listener: (command: string) => void): () => void
}
