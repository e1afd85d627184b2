// Opens the lab service for a front end (the Electron app or `swaplab serve`): one place that
// knows how the service is constructed, so both front ends open it the same way.
import type { LabApi } from '../experiments/api'

export interface AppLabOptions {
  /** The run database; default: the lab's default path (SWAPLAB_DB or the user data folder). */
  dbPath?: string
  /** Electron: its userData folder, where the app keeps its own database. */
  dataDir?: string
  /** better-sqlite3 built for the running ABI (Electron); Node uses the installed build. */
  nativeBinding?: string
  appVersion?: string
}

export interface AppLab {
  api: LabApi
  dbPath: string
  close(): Promise<void>
}

export async function openLabForApp(_options: AppLabOptions): Promise<AppLab> {
  throw new Error('the lab service (main/lab/service.ts) is not available yet')
}
