// Opens the lab service for a front end (the Electron app or `swaplab serve`): one place that
// knows how the service is constructed, so both front ends open it the same way.
import type { LabApi } from '../experiments/api'
import { LabService } from './lab/service'
import { defaultDbPath } from './lab/paths'
import type { TraceStore } from './lab/traces'
import pkg from '../package.json'

export const APP_VERSION: string = pkg.version

export interface AppLabOptions {
  /** The run database; default: SWAPLAB_DB or swaplab.db in the user's data folder (shared with the CLI). */
  dbPath?: string
  /** better-sqlite3 built for the running ABI (Electron); Node uses the installed build. */
  nativeBinding?: string
  appVersion?: string
}

export interface AppLab {
  api: LabApi
  dbPath: string
  /** Runs marked interrupted at open (the previous process died mid-run). */
  recoveredRunIds: number[]
  /** The lab's trace folder (traces picked in the app or uploaded from a browser). */
  traces: TraceStore
  close(): Promise<void>
}

export async function openLabForApp(options: AppLabOptions = {}): Promise<AppLab> {
  const dbPath = options.dbPath ?? defaultDbPath()
  // No trustConfigPaths: configs from a window or a web page may not choose where device files go.
  // keepWorker: the engine worker is up before the first run, so live charts start at once.
  const service = new LabService({
    dbPath,
    appVersion: options.appVersion ?? APP_VERSION,
    nativeBinding: options.nativeBinding,
    keepWorker: true
  })
  return { api: service, dbPath, recoveredRunIds: service.recoveredRunIds, traces: service.traces, close: () => service.close() }
}
