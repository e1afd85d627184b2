// Is the process that owns a run still the one that started it? A pid alone is not enough:
// after a crash the pid may be reused, so on Linux the process start time is compared too.

import * as fs from 'node:fs'
import { processAlive } from '../../engine/device/tempDir'

/** Clock ticks per second of /proc times (USER_HZ, 100 on every mainstream Linux build). */
const USER_HZ = 100
/** Start times read from /proc agree exactly; the uptime-based fallback to well under this. */
const START_TOLERANCE_MS = 2000

let bootMs: number | null | undefined
function bootTimeMs(): number | null {
  if (bootMs === undefined) {
    try {
      const m = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))
      bootMs = m ? Number(m[1]) * 1000 : null
    } catch {
      bootMs = null
    }
  }
  return bootMs
}

/** Start time of a process in ms since the epoch (Linux), or null where /proc cannot tell. */
export function processStartMs(pid: number): number | null {
  const boot = bootTimeMs()
  if (boot === null) return null
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) start at field 3; starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return boot + (Number(fields[19]) / USER_HZ) * 1000
  } catch {
    return null
  }
}

/** When this process started, in ms since the epoch: from /proc like other processes' where it can. */
export const OWN_START_MS = processStartMs(process.pid) ?? Math.round(Date.now() - process.uptime() * 1000)

/** True while the process that started at `startedMs` with this pid is still running. */
export function ownerAlive(pid: number, startedMs: number | null): boolean {
  if (!processAlive(pid)) return false
  if (startedMs === null) return true
  const actual = processStartMs(pid)
  return actual === null || Math.abs(actual - startedMs) < START_TOLERANCE_MS
}
