// What a host run changed and how it is undone: the state file written before each change
// (device folder, swap files, loop devices, cgroup, memory delegation, knobs), the
// machine-wide host lock (one host run at a time: swap device choice is global), restore()
// at the end of a run, and recoverHost() at service start for runs whose process died.
// Touches nothing a state file does not name.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { RunCancelled } from '../errors'
import { processAlive, readDeviceDirMarker, removeDeviceDir } from '../device/tempDir'
import { parseSwapHeader } from '../device/swapHeader'
import { PAGE_SIZE } from '../types'
import { labCacheDir } from './build'
import { cgroupOwnerPid, disableV2Memory, labCgroupAt, removeCgroup, type LabCgroup } from './cgroup'
import { knobValue, readDir, readText, sleep } from './hostSys'
import { adoptZram, ownsZram, removeZram } from './zram'
import { DEVICE_LABEL, detachLoop, loopBackingFile, loopsBackedIn, readSwaps, swapOff } from './hostSwap'

/** What a host run changed, written before each change so that a crash can be undone. */
export interface HostState {
  version: 1
  pid: number
  started: string
  /** The private device folder (with the lab's marker naming its owner). */
  deviceDir: string | null
  /** Device files the run has swapped on or is about to (directly, or through a loop device). */
  swapFiles: string[]
  /** Loop devices attached to those files (also found after a crash from their backing file). */
  loops: string[]
  cgroup: { version: 1 | 2; path: string } | null
  /** v2: the parent whose subtree_control the run set to +memory (undone afterwards). */
  v2DelegatedAt: string | null
  /** Knob files: the value before the run and the value the run wrote. */
  knobs: { path: string; old: string; set: string }[]
  /** Lab-owned zram device ids (device preset zram: swapped on instead of the file; zram.ts). */
  zram?: number[]
}

export function hostStateDir(): string {
  return path.join(labCacheDir(), 'host')
}

export function writeState(file: string, st: HostState): void {
  const tmp = `${file}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(st, null, 2))
  fs.renameSync(tmp, file)
}

// ---------------------------------------------------------------- the host lock

/**
 * The machine-wide lock of host runs: in /run/lock (root-only runs, so it is writable), not in
 * the cache, so that labs with different caches still take turns.
 */
export function hostLockFile(): string {
  return path.join(fs.existsSync('/run/lock') ? '/run/lock' : os.tmpdir(), 'swaplab-host.lock')
}

/** One host run at a time (on this machine): waits for a live holder, takes over a dead one's lock. */
export async function acquireHostLock(signal?: AbortSignal): Promise<() => void> {
  const lock = hostLockFile()
  for (;;) {
    if (signal?.aborted) throw new RunCancelled()
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' })
      return () => {
        if (readText(lock)?.trim() === String(process.pid)) fs.rmSync(lock, { force: true })
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const holder = Number(readText(lock)?.trim())
    if (!Number.isInteger(holder) || holder <= 0 || (holder !== process.pid && !processAlive(holder))) {
      // a dead holder (or a torn write): take the lock over atomically
      const mine = `${lock}.${process.pid}`
      fs.writeFileSync(mine, String(process.pid))
      fs.renameSync(mine, lock)
      if (readText(lock)?.trim() === String(process.pid))
        return () => {
          if (readText(lock)?.trim() === String(process.pid)) fs.rmSync(lock, { force: true })
        }
    }
    await sleep(200)
  }
}

// ---------------------------------------------------------------- restore and crash recovery

/** Undoes what a state records, in reverse order; returns what could not be undone. */
export async function restore(st: HostState, cg: LabCgroup | null): Promise<string[]> {
  const problems: string[] = []
  const cgroup = cg ?? (st.cgroup ? labCgroupAt(st.cgroup.version, st.cgroup.path) : null)
  if (cgroup) {
    try {
      if (!(await removeCgroup(cgroup))) problems.push(`cgroup ${cgroup.path} still has processes`)
    } catch (e) {
      problems.push(`cgroup ${cgroup.path}: ${(e as Error).message}`)
    }
  }
  if (st.v2DelegatedAt) {
    try {
      disableV2Memory(st.v2DelegatedAt)
    } catch {
      // another cgroup uses memory there now: leaving it delegated harms nothing
    }
  }
  for (const f of [...st.loops, ...st.swapFiles].reverse()) {
    const p = await swapOff(f)
    if (p) problems.push(p)
  }
  for (const id of st.zram ?? []) {
    const p = (await swapOff(`/dev/zram${id}`)) ?? (ownsZram(id) ? removeZram(id) : null)
    if (p) problems.push(p)
  }
  const loops = new Set([...st.loops, ...(st.deviceDir ? loopsBackedIn(st.deviceDir) : [])])
  for (const l of loops) {
    const p = (await swapOff(l)) ?? (await detachLoop(l))
    if (p) problems.push(p)
  }
  for (const k of [...st.knobs].reverse()) {
    const cur = readText(k.path)
    if (cur === null || knobValue(cur) !== k.set) continue // someone changed it since: theirs now
    try {
      fs.writeFileSync(k.path, k.old)
    } catch (e) {
      problems.push(`cannot restore ${k.path} to ${k.old}: ${(e as Error).message}`)
    }
  }
  if (st.deviceDir && !st.swapFiles.some((f) => readSwaps().some((a) => a.filename === f)) && !loopsBackedIn(st.deviceDir).length) {
    try {
      removeDeviceDir(st.deviceDir)
    } catch (e) {
      problems.push(`cannot remove ${st.deviceDir}: ${(e as Error).message}`)
    }
  }
  return problems
}

export interface RecoveryReport {
  swappedOff: string[]
  loopsDetached: string[]
  cgroupsRemoved: string[]
  knobsRestored: string[]
  foldersRemoved: string[]
  /** What could not be undone (the state file is then kept). */
  problems: string[]
}

/**
 * Undoes what host runs of dead lab processes left behind (a crash, a kill): from each state
 * file whose pid is gone, swapoff its device files (only those listed there, inside its own
 * device folder, with the lab's swap label), remove its cgroup (a lab-named one), put back
 * the knobs still holding the value it wrote, remove its device folder. Touches nothing a
 * state file does not name; leaves live runs alone. Call at service start, before
 * cleanStaleDeviceDirs (an active swap file cannot be unlinked).
 */
export async function recoverHost(): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    swappedOff: [],
    loopsDetached: [],
    cgroupsRemoved: [],
    knobsRestored: [],
    foldersRemoved: [],
    problems: []
  }
  const dir = hostStateDir()
  for (const name of readDir(dir)) {
    if (!/^run-\d+-[0-9a-f]+\.json$/.test(name)) continue
    const file = path.join(dir, name)
    let st: HostState
    try {
      st = JSON.parse(fs.readFileSync(file, 'utf8')) as HostState
    } catch {
      report.problems.push(`${file}: unreadable state file (left in place)`)
      continue
    }
    if (!Number.isInteger(st.pid) || st.pid === process.pid || processAlive(st.pid)) continue
    const before = report.problems.length
    // Only files inside the run's own device folder (named swaplab-<its pid>-...) that carry the
    // lab's swap label; a file already unlinked (a loop device keeps it alive) is known by that path.
    const ownFiles = st.swapFiles.filter(
      (f) =>
        st.deviceDir &&
        path.dirname(f) === st.deviceDir &&
        path.basename(st.deviceDir).startsWith(`swaplab-${st.pid}-`) &&
        (fs.existsSync(f) ? isLabSwapFile(f, st.pid) : true)
    )
    const cgOk = st.cgroup && cgroupOwnerPid(path.basename(st.cgroup.path)) === st.pid
    const cg = cgOk ? labCgroupAt(st.cgroup!.version, st.cgroup!.path) : null
    if (cg && fs.existsSync(cg.path)) {
      try {
        if (await removeCgroup(cg)) report.cgroupsRemoved.push(cg.path)
        else report.problems.push(`cgroup ${cg.path} still has processes`)
      } catch (e) {
        report.problems.push(`cgroup ${cg.path}: ${(e as Error).message}`)
      }
    }
    // loop devices over the run's own files (found from their backing file, recorded or not)
    const ownLoops = st.deviceDir ? loopsBackedIn(st.deviceDir).filter((l) => ownFiles.includes(loopBackingFile(l) ?? '')) : []
    for (const dev of [...ownLoops, ...ownFiles]) {
      if (!readSwaps().some((a) => a.filename === dev)) continue
      const p = await swapOff(dev)
      if (p) report.problems.push(p)
      else report.swappedOff.push(dev)
    }
    for (const id of st.zram ?? []) {
      if (!adoptZram(id, { label: DEVICE_LABEL })) continue
      const p = (await swapOff(`/dev/zram${id}`)) ?? removeZram(id)
      if (p) report.problems.push(p)
      else report.swappedOff.push(`/dev/zram${id}`)
    }
    for (const l of ownLoops) {
      const p = await detachLoop(l)
      if (p) report.problems.push(p)
      else report.loopsDetached.push(l)
    }
    for (const k of [...st.knobs].reverse()) {
      const cur = readText(k.path)
      if (cur === null || knobValue(cur) !== k.set) continue
      try {
        fs.writeFileSync(k.path, k.old)
        report.knobsRestored.push(`${k.path}=${k.old}`)
      } catch (e) {
        report.problems.push(`cannot restore ${k.path}: ${(e as Error).message}`)
      }
    }
    if (st.v2DelegatedAt) {
      try {
        disableV2Memory(st.v2DelegatedAt)
      } catch {
        // still in use by other cgroups: harmless
      }
    }
    if (
      st.deviceDir &&
      fs.existsSync(st.deviceDir) &&
      ownsFolder(st.deviceDir, st.pid) &&
      !readSwaps().some((a) => a.filename.startsWith(st.deviceDir + '/')) &&
      !loopsBackedIn(st.deviceDir).length
    ) {
      removeDeviceDir(st.deviceDir)
      report.foldersRemoved.push(st.deviceDir)
    }
    if (report.problems.length === before) fs.rmSync(file, { force: true })
  }
  return report
}

/** Whether `dir` carries the lab's device-folder marker naming `pid` as its owner. */
function ownsFolder(dir: string, pid: number): boolean {
  return readDeviceDirMarker(dir)?.pid === pid
}

/** A device file of the lab's: in a folder owned by `pid`, with the lab's swap label. */
function isLabSwapFile(file: string, pid: number): boolean {
  if (readDeviceDirMarker(path.dirname(file)) && !ownsFolder(path.dirname(file), pid)) return false
  try {
    const fd = fs.openSync(file, 'r')
    try {
      const page = Buffer.alloc(PAGE_SIZE)
      fs.readSync(fd, page, 0, PAGE_SIZE, 0)
      return parseSwapHeader(page).label === DEVICE_LABEL
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return false
  }
}
