// Where the lab keeps its files, and how this machine is described in run records.

import * as os from 'node:os'
import * as path from 'node:path'

/** The user's data folder for Swap Lab (XDG on Linux, Application Support on macOS, %APPDATA% on Windows). */
export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'swaplab')
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'swaplab')
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'swaplab')
}

/** The run database: SWAPLAB_DB if set, else swaplab.db in the data folder. */
export function defaultDbPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home = os.homedir()
): string {
  return env.SWAPLAB_DB || path.join(dataDir(env, platform, home), 'swaplab.db')
}

/** Folder for swap device files: SWAPLAB_DEVICE_DIR if set, else the OS temp folder. */
export function defaultDeviceDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWAPLAB_DEVICE_DIR || os.tmpdir()
}

/** "linux 6.8.0 x64; AMD EPYC 7B13 x2; node 20.20.0": enough to tell machines apart in a comparison. */
export function platformDescription(): string {
  const cpus = os.cpus()
  return `${os.platform()} ${os.release()} ${os.arch()}; ${cpus[0]?.model.trim() ?? 'unknown cpu'} x${cpus.length}; node ${process.versions.node}`
}
