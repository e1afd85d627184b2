// The workload's memory cgroup on the host: cgroup v2 (`memory.max`) where the memory
// controller is on the unified hierarchy, else v1 (`memory.limit_in_bytes`,
// `memory.swappiness`). The lab names its cgroups `swaplab-<pid>-<random>` (no collision with
// anyone's) and records each in its host state file before creating it (host.ts), so it only
// ever removes its own.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { parseKeyValues, type Stats } from './procfs'

export const CGROUP_PREFIX = 'swaplab-'
const NAME_RE = /^swaplab-(\d+)-[0-9a-f]{8}$/

/** Where the lab can make a memory cgroup on this machine. */
export interface MemoryHierarchy {
  version: 1 | 2
  /** The folder new cgroups are made in (v1: our own memory cgroup; v2: the hierarchy's root). */
  parent: string
}

export interface LabCgroup {
  version: 1 | 2
  /** Absolute folder of the cgroup. */
  path: string
  name: string
  /** Write a pid here to move that process in. */
  procsFile: string
}

/** `/proc/self/cgroup` -> controller list ('' for v2) -> path. */
export function parseProcCgroup(text: string): { v2: string | null; v1: Record<string, string> } {
  let v2: string | null = null
  const v1: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim())
    if (!m) continue
    if (m[1] === '0' && m[2] === '') v2 = m[3]
    else for (const c of m[2].split(',')) if (c) v1[c] = m[3]
  }
  return { v2, v1 }
}

interface Mount {
  root: string
  point: string
  fstype: string
  superOptions: string[]
}

/** `/proc/self/mountinfo` -> the cgroup and cgroup2 mounts. */
export function parseCgroupMounts(mountinfo: string): Mount[] {
  const out: Mount[] = []
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0) continue
    const left = line.slice(0, sep).split(' ')
    const right = line.slice(sep + 3).split(' ')
    if (right[0] !== 'cgroup' && right[0] !== 'cgroup2') continue
    const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
    out.push({ root: unescape(left[3]), point: unescape(left[4]), fstype: right[0], superOptions: (right[2] ?? '').split(',') })
  }
  return out
}

/** Joins a mount point and a cgroup path relative to the mount's root. */
function inMount(m: Mount, cgPath: string): string {
  let rel = cgPath
  if (m.root !== '/' && (rel === m.root || rel.startsWith(m.root + '/'))) rel = rel.slice(m.root.length)
  return path.join(m.point, rel)
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/**
 * Finds where a memory cgroup can be made: v2 when the unified hierarchy offers the memory
 * controller (cgroups are then made under its root, which is exempt from the no-internal-
 * processes rule; root is needed anyway), else v1's memory hierarchy (under our own cgroup).
 * Throws a message saying what is missing.
 */
export function findMemoryHierarchy(procSelfCgroup?: string, mountinfo?: string): MemoryHierarchy {
  const own = parseProcCgroup(procSelfCgroup ?? readText('/proc/self/cgroup') ?? '')
  const mounts = parseCgroupMounts(mountinfo ?? readText('/proc/self/mountinfo') ?? '')
  const v2 = mounts.find((m) => m.fstype === 'cgroup2')
  if (v2) {
    const controllers = (readText(path.join(v2.point, 'cgroup.controllers')) ?? '').split(/\s+/)
    if (controllers.includes('memory')) return { version: 2, parent: v2.point }
  }
  const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes('memory'))
  if (v1) return { version: 1, parent: inMount(v1, own.v1.memory ?? '/') }
  throw new Error(
    'no memory cgroup: neither a cgroup v2 hierarchy with the memory controller nor a cgroup v1 memory hierarchy is mounted ' +
      '(mount one, e.g. `mount -t cgroup2 none /sys/fs/cgroup`, on a kernel with CONFIG_MEMCG)'
  )
}

/** A fresh, collision-free name for a lab cgroup of this process. */
export function newCgroupName(pid = process.pid): string {
  return `${CGROUP_PREFIX}${pid}-${randomBytes(4).toString('hex')}`
}

/** The pid a lab cgroup name was made by, or null when the name is not a lab cgroup's. */
export function cgroupOwnerPid(name: string): number | null {
  const m = NAME_RE.exec(name)
  return m ? Number(m[1]) : null
}

function write(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value)
  } catch (e) {
    throw new Error(`cannot write ${JSON.stringify(value)} to ${file}: ${(e as Error).message}`, { cause: e })
  }
}

/** The cgroup a (recorded) path and version describe. */
export function labCgroupAt(version: 1 | 2, dir: string): LabCgroup {
  return { version, path: dir, name: path.basename(dir), procsFile: path.join(dir, 'cgroup.procs') }
}

/**
 * Makes the cgroup `name` under `h.parent` with the memory limit, swap allowed. v1 also gets
 * the system's vm.swappiness (a v1 child inherits its parent's otherwise; v2 has no
 * per-cgroup swappiness). On v2 the parent's subtree_control must delegate memory; the lab
 * only writes `+memory` there when the caller allows it (it is then recorded and undone).
 */
export function createCgroup(h: MemoryHierarchy, name: string, limitBytes: number): LabCgroup {
  if (!NAME_RE.test(name)) throw new Error(`not a lab cgroup name: ${name}`)
  const dir = path.join(h.parent, name)
  try {
    fs.mkdirSync(dir)
  } catch (e) {
    throw new Error(`cannot create the memory cgroup ${dir}: ${(e as Error).message}`, { cause: e })
  }
  const cg = labCgroupAt(h.version, dir)
  const limit = String(Math.floor(limitBytes / 4096) * 4096)
  if (h.version === 2) {
    write(path.join(dir, 'memory.max'), limit)
    if (fs.existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), 'max')
  } else {
    write(path.join(dir, 'memory.limit_in_bytes'), limit)
    const swappiness = (readText('/proc/sys/vm/swappiness') ?? '60').trim()
    if (fs.existsSync(path.join(dir, 'memory.swappiness'))) write(path.join(dir, 'memory.swappiness'), swappiness)
  }
  return cg
}

/** Whether v2's parent delegates the memory controller to its children. */
export function v2MemoryDelegated(h: MemoryHierarchy): boolean {
  if (h.version !== 2) return true
  return (readText(path.join(h.parent, 'cgroup.subtree_control')) ?? '').split(/\s+/).includes('memory')
}

export function enableV2Memory(h: MemoryHierarchy): void {
  write(path.join(h.parent, 'cgroup.subtree_control'), '+memory')
}

export function disableV2Memory(parent: string): void {
  write(path.join(parent, 'cgroup.subtree_control'), '-memory')
}

/** Pids in the cgroup (empty when it is gone). */
export function cgroupPids(cg: LabCgroup): number[] {
  return (readText(cg.procsFile) ?? '')
    .split('\n')
    .filter((s) => s.trim())
    .map(Number)
}

/** Anonymous memory charged to the cgroup, bytes (v2 memory.stat anon; v1 rss). */
export function cgroupAnonBytes(cg: LabCgroup): number {
  const s = parseKeyValues(readText(path.join(cg.path, 'memory.stat')) ?? '')
  return (cg.version === 2 ? s.anon : s.rss) ?? 0
}

/**
 * The cgroup's own statistics: memory.stat, plus for v2 memory.events as `events_<name>` and
 * memory.peak, for v1 `oom_kill` from memory.oom_control, `failcnt` and `max_usage_in_bytes`.
 */
export function cgroupStats(cg: LabCgroup): Stats {
  const out: Stats = parseKeyValues(readText(path.join(cg.path, 'memory.stat')) ?? '')
  if (cg.version === 2) {
    for (const [k, v] of Object.entries(parseKeyValues(readText(path.join(cg.path, 'memory.events')) ?? ''))) out[`events_${k}`] = v
    const peak = Number((readText(path.join(cg.path, 'memory.peak')) ?? '').trim())
    if (Number.isFinite(peak) && peak > 0) out.peak_bytes = peak
  } else {
    const oom = parseKeyValues(readText(path.join(cg.path, 'memory.oom_control')) ?? '')
    if ('oom_kill' in oom) out.oom_kill = oom.oom_kill
    const failcnt = Number((readText(path.join(cg.path, 'memory.failcnt')) ?? '').trim())
    if (Number.isFinite(failcnt)) out.failcnt = failcnt
    const peak = Number((readText(path.join(cg.path, 'memory.max_usage_in_bytes')) ?? '').trim())
    if (Number.isFinite(peak)) out.peak_bytes = peak
  }
  return out
}

/** OOM kills inside the cgroup so far. */
export function cgroupOomKills(cg: LabCgroup): number {
  const s = cgroupStats(cg)
  return (cg.version === 2 ? s.events_oom_kill : s.oom_kill) ?? 0
}

/** Kills every process in the cgroup (cgroup.kill where v2 has it, else SIGKILL to each pid). */
export function killCgroup(cg: LabCgroup): void {
  if (cg.version === 2 && fs.existsSync(path.join(cg.path, 'cgroup.kill'))) {
    try {
      fs.writeFileSync(path.join(cg.path, 'cgroup.kill'), '1')
      return
    } catch {
      // fall through to killing pid by pid
    }
  }
  for (const pid of cgroupPids(cg)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Kills what is left in the cgroup and removes it, retrying while its processes exit.
 * Returns false if it still exists after `timeoutMs` (the caller reports it). A cgroup that
 * does not exist counts as removed.
 */
export async function removeCgroup(cg: LabCgroup, timeoutMs = 10_000): Promise<boolean> {
  if (!NAME_RE.test(cg.name)) throw new Error(`refusing to remove ${cg.path}: not a lab cgroup`)
  const until = Date.now() + timeoutMs
  for (;;) {
    if (!fs.existsSync(cg.path)) return true
    killCgroup(cg)
    try {
      fs.rmdirSync(cg.path)
      return true
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return true
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY' && code !== 'EAGAIN') throw e
    }
    if (Date.now() > until) return false
    await sleep(50)
  }
}
