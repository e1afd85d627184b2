// The host's swap device: the lab's device file (fully allocated, the mkswap header, mode
// 0600), the loop device over it (so the kernel sees a block device: SWP_BLKDEV in
// mm/swapfile.c), swapon above every other device's priority and swapoff, and finding the
// loop devices backed by a folder (recovery). /proc/swaps says what is on.

import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { buildSwapHeader } from '../device/swapHeader'
import { PAGE_SIZE, type EngineConfig } from '../types'
import { parseProcSwaps } from './procfs'
import { exec, readDir, readText } from './hostSys'

export const DEVICE_LABEL = 'swaplab'
const MAX_SWAP_PRIO = 32767

/** The active swap devices (/proc/swaps). */
export function readSwaps(): ReturnType<typeof parseProcSwaps> {
  return parseProcSwaps(readText('/proc/swaps') ?? '')
}

/** Makes a swap file with no holes (fallocate, else zeros), the mkswap header, mode 0600. */
export async function makeSwapFile(file: string, sizeBytes: number): Promise<void> {
  const pages = Math.floor(sizeBytes / PAGE_SIZE)
  fs.writeFileSync(file, '', { mode: 0o600 })
  fs.chmodSync(file, 0o600)
  // btrfs holds a swap file only without copy-on-write; the attribute must be set while empty.
  if (Number(fs.statfsSync(path.dirname(file)).type) === 0x9123683e) await exec('chattr', ['+C', file])
  const fa = await exec('fallocate', ['-l', String(pages * PAGE_SIZE), file])
  if (!fa.ok) {
    const fd = fs.openSync(file, 'w')
    try {
      const zero = Buffer.alloc(1 << 20)
      for (let off = 0; off < pages * PAGE_SIZE; off += zero.length)
        fs.writeSync(fd, zero, 0, Math.min(zero.length, pages * PAGE_SIZE - off), off)
    } finally {
      fs.closeSync(fd)
    }
  }
  const fd = fs.openSync(file, 'r+')
  try {
    fs.writeSync(fd, buildSwapHeader(pages, new Uint8Array(randomBytes(16)), DEVICE_LABEL), 0, PAGE_SIZE, 0)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

export function swapPriorities(config: EngineConfig): number[] {
  const others = readSwaps().map((a) => a.priority)
  const base = Math.max(0, ...others.map((p) => p + 1))
  const distinct = [...new Set(config.devices.map((d) => d.priority))].sort((a, b) => a - b)
  const prios = config.devices.map((d) => base + distinct.indexOf(d.priority))
  if (Math.max(...prios) > MAX_SWAP_PRIO)
    throw new Error(`another swap device already has priority ${Math.max(...others)}: no higher priority is left for the lab's device`)
  return prios
}

export async function swapOn(dev: string, prio: number, dir: string): Promise<void> {
  const r = await exec('swapon', ['-p', String(prio), dev])
  if (r.ok && readSwaps().some((a) => a.filename === dev)) return
  const fsType = Number(fs.statfsSync(dir).type)
  const why =
    fsType === 0x01021994 ? ` (${dir} is on tmpfs, which cannot hold a swap file: set deviceDir to a folder on a disk file system)` : ''
  throw new Error(`swapon ${dev} failed: ${r.out || 'not listed in /proc/swaps'}${why}`)
}

export async function swapOff(dev: string): Promise<string | null> {
  if (!readSwaps().some((a) => a.filename === dev)) return null
  const r = await exec('swapoff', [dev])
  if (!readSwaps().some((a) => a.filename === dev)) return null
  return `swapoff ${dev} failed: ${r.out || 'still listed in /proc/swaps'}`
}

/**
 * Attaches the device file to a free loop device (direct I/O), so the kernel sees a block
 * device: it allocates whole mTHP swap slot runs only on block devices (SWP_BLKDEV in
 * mm/swapfile.c); on a file it splits every large folio. The VM sees the same file as a
 * virtio disk, the selftest a zram disk. Returns null when no loop device can be had.
 */
export async function attachLoop(file: string): Promise<{ dev: string | null; why: string }> {
  if (!fs.existsSync('/dev/loop-control')) return { dev: null, why: 'no /dev/loop-control (loop driver not loaded)' }
  const r = await exec('losetup', ['--find', '--show', '--direct-io=on', file])
  if (r.missing) return { dev: null, why: 'losetup is not installed' }
  const dev = r.out.split('\n').pop()?.trim() ?? ''
  if (!r.ok || !dev.startsWith('/dev/loop')) return { dev: null, why: `losetup failed: ${r.out}` }
  return { dev, why: '' }
}

export async function detachLoop(dev: string): Promise<string | null> {
  if (!fs.existsSync(dev)) return null
  const r = await exec('losetup', ['-d', dev])
  return r.ok || !loopBackingFile(dev) ? null : `losetup -d ${dev} failed: ${r.out}`
}

/** The file a loop device is attached to, or null. */
export function loopBackingFile(dev: string): string | null {
  const t = readText(`/sys/block/${path.basename(dev)}/loop/backing_file`)
  return t ? t.trim().replace(/ \(deleted\)$/, '') : null
}

/** Loop devices whose backing file lies in `dir`. */
export function loopsBackedIn(dir: string): string[] {
  return readDir('/sys/block')
    .filter((n) => /^loop\d+$/.test(n))
    .map((n) => `/dev/${n}`)
    .filter((d) => path.dirname(loopBackingFile(d) ?? '') === dir)
}

/** The queue/rotational file of the block device a swap target lives on (a loop device, or a swap file's disk). */
function rotationalFile(target: string): string | null {
  if (target.startsWith('/dev/')) return `/sys/block/${path.basename(target)}/queue/rotational`
  try {
    const dev = fs.statSync(target).dev
    const sys = `/sys/dev/block/${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`
    // a partition has its queue on the whole disk, one level up
    for (const q of [`${sys}/queue/rotational`, `${sys}/../queue/rotational`]) if (fs.existsSync(q)) return q
  } catch {
    // no such file: unknown
  }
  return null
}

/** Whether the kernel sees the swap target's device as rotational; null when it cannot be read. */
export function readRotational(target: string): boolean | null {
  const f = rotationalFile(target)
  const t = f ? readText(f)?.trim() : undefined
  return t === '1' ? true : t === '0' ? false : null
}

/**
 * Tells the kernel whether the lab's own loop device is rotational, as the device preset says
 * (only 'hdd' is), before swapon: swapon sets SWP_SOLIDSTATE from it, which decides the
 * allocator path. A loop device takes rotational from its backing disk (1 on many VMs' disks).
 * Returns a problem, or null.
 */
export function setLoopRotational(dev: string, rotational: boolean): string | null {
  if (!/^\/dev\/loop\d+$/.test(dev)) return `${dev} is not a loop device of the lab's`
  const f = rotationalFile(dev)!
  try {
    fs.writeFileSync(f, rotational ? '1' : '0')
  } catch (e) {
    return `cannot write ${f}: ${(e as Error).message}`
  }
  return readRotational(dev) === rotational ? null : `${f} still says ${readText(f)?.trim()}`
}
