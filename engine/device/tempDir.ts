// Private folders for device files. Each run gets `swaplab-<pid>-XXXX` with an owner
// file; folders whose owner process is gone (a crash) are removed at the next start.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const PREFIX = 'swaplab-'
const OWNER = 'owner.json'

export function makeDeviceDir(base = os.tmpdir()): string {
  fs.mkdirSync(base, { recursive: true })
  const dir = fs.mkdtempSync(path.join(base, `${PREFIX}${process.pid}-`))
  fs.writeFileSync(path.join(dir, OWNER), JSON.stringify({ pid: process.pid, started: new Date().toISOString() }))
  return dir
}

export function removeDeviceDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true })
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

/** Removes device folders left by processes that no longer exist. Returns the folders removed. */
export function cleanStaleDeviceDirs(base = os.tmpdir()): string[] {
  const removed: string[] = []
  let names: string[]
  try {
    names = fs.readdirSync(base)
  } catch {
    return removed
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue
    const dir = path.join(base, name)
    let pid = Number.NaN
    try {
      pid = JSON.parse(fs.readFileSync(path.join(dir, OWNER), 'utf8')).pid
    } catch {
      const m = /^swaplab-(\d+)-/.exec(name)
      if (m) pid = Number(m[1])
    }
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      removeDeviceDir(dir)
      removed.push(dir)
    }
  }
  return removed
}

export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir)
  return Number(s.bavail) * Number(s.bsize)
}
