// Private folders for device files. Each folder the lab makes carries a marker file written
// by the lab (DEVICE_DIR_MARKER, with a fixed first line and the owner's pid); a folder is
// removed only when it has that marker, so a user's folder that merely looks like one
// ("swaplab-2024-results") is never touched. Folders whose owner process is gone (a crash)
// are removed at the next start.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const PREFIX = 'swaplab-'
/** The marker file in every folder the lab makes for device files. */
export const DEVICE_DIR_MARKER = '.swaplab-device-folder'
const MARKER_MAGIC = 'Swap Lab device folder: removed by Swap Lab when its owner process is gone'

export interface DeviceDirOwner {
  pid: number
  /** When the owner process started (ms since the epoch), where known. */
  startedMs?: number | null
}

/** Writes the marker that makes `dir` the lab's to remove. */
export function markDeviceDir(dir: string, owner: DeviceDirOwner = { pid: process.pid }): void {
  const body = `${MARKER_MAGIC}\n${JSON.stringify({ pid: owner.pid, startedMs: owner.startedMs ?? null, host: os.hostname(), created: new Date().toISOString() })}\n`
  fs.writeFileSync(path.join(dir, DEVICE_DIR_MARKER), body, { flag: 'wx' })
}

/** The owner recorded in the lab's marker in `dir`, or null when `dir` is not a folder the lab marked. */
export function readDeviceDirMarker(dir: string): (DeviceDirOwner & { host: string }) | null {
  try {
    const file = path.join(dir, DEVICE_DIR_MARKER)
    if (!fs.lstatSync(dir).isDirectory() || !fs.lstatSync(file).isFile()) return null
    const [magic, json] = fs.readFileSync(file, 'utf8').split('\n')
    if (magic !== MARKER_MAGIC) return null
    const o = JSON.parse(json) as { pid?: unknown; startedMs?: unknown; host?: unknown }
    if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || typeof o.host !== 'string') return null
    return { pid: o.pid, startedMs: typeof o.startedMs === 'number' ? o.startedMs : null, host: o.host }
  } catch {
    return null
  }
}

/** A new marked folder `<base>/<prefix>XXXXXX` (prefix default: swaplab-<pid>-). */
export function makeDeviceDir(base = os.tmpdir(), prefix = `${PREFIX}${process.pid}-`, owner?: DeviceDirOwner): string {
  fs.mkdirSync(base, { recursive: true })
  const dir = fs.mkdtempSync(path.join(base, prefix))
  try {
    markDeviceDir(dir, owner)
  } catch (e) {
    fs.rmdirSync(dir)
    throw e
  }
  return dir
}

/** Removes a folder the lab made; a folder without the lab's marker is left alone. Returns whether it was removed. */
export function removeDeviceDir(dir: string): boolean {
  if (!readDeviceDirMarker(dir)) return false
  fs.rmSync(dir, { recursive: true, force: true })
  return true
}

/** Whether a process with this pid exists (signal 0; EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes the lab's device folders in `base` whose owner process on this machine no longer exists. Returns the folders removed. */
export function cleanStaleDeviceDirs(base = os.tmpdir()): string[] {
  const removed: string[] = []
  let names: string[]
  try {
    names = fs.readdirSync(base)
  } catch {
    return removed
  }
  const host = os.hostname()
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue
    const dir = path.join(base, name)
    const owner = readDeviceDirMarker(dir)
    if (!owner || owner.host !== host || owner.pid === process.pid || processAlive(owner.pid)) continue
    try {
      if (removeDeviceDir(dir)) removed.push(dir)
    } catch {
      // Still in use (e.g. a swap file a killed kernel run left on: the host recovery turns it off first).
    }
  }
  return removed
}

export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir)
  return Number(s.bavail) * Number(s.bsize)
}
