// Lab-owned zram devices for host runs on a synchronous device (a config whose device preset
// is `zram`). A device is created with /sys/class/zram-control/hot_add (the kernel picks a
// free id and returns it), sized through its `disksize`, given the lab's swap header, and
// removed afterwards with `reset` and hot_remove. The lab only ever touches a device it created
// itself: the ids this process got from hot_add, or (after a crash) the one a dead lab
// process's state file names and that still carries the lab's swap label. Any other zram
// device (the machine's own zram0, another program's) is refused by every function here.
//
// Documentation/admin-guide/blockdev/zram.rst: hot_add / hot_remove, comp_algorithm before
// disksize, reset before re-use.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { PAGE_SIZE } from '../types'
import { buildSwapHeader, parseSwapHeader } from '../device/swapHeader'

export interface ZramRoots {
  /** sysfs mount ('/sys'); tests point it at a fake tree. */
  sys: string
  /** devtmpfs ('/dev'). */
  dev: string
}

export const SYSTEM_ROOTS: ZramRoots = { sys: '/sys', dev: '/dev' }

export interface ZramDevice {
  id: number
  /** Block device node, e.g. /dev/zram1. */
  dev: string
  sizeBytes: number
  /** Compression algorithm in use (the device's default unless one was asked for). */
  algorithm: string
}

/** Ids created by this process through hotAddZram (and not removed yet), per sysfs root. */
const owned = new Map<string, Set<number>>()
const ownedIn = (roots: ZramRoots): Set<number> => {
  let s = owned.get(roots.sys)
  if (!s) owned.set(roots.sys, (s = new Set()))
  return s
}

const control = (roots: ZramRoots, f: 'hot_add' | 'hot_remove'): string => path.join(roots.sys, 'class', 'zram-control', f)
const attr = (roots: ZramRoots, id: number, f: string): string => path.join(roots.sys, 'block', `zram${id}`, f)

/** Why a lab-owned zram device cannot be had here, or null when it can. */
export function zramUnavailable(roots: ZramRoots = SYSTEM_ROOTS): string | null {
  if (!fs.existsSync(control(roots, 'hot_add')))
    return 'no zram hot_add (/sys/class/zram-control missing: load the zram module, `modprobe zram`, or CONFIG_ZRAM is off)'
  if (typeof process.getuid === 'function' && process.getuid() !== 0 && roots === SYSTEM_ROOTS) return 'zram devices need root'
  return null
}

/** The compression algorithm in brackets of comp_algorithm ("[lzo-rle] lzo lz4" -> "lzo-rle"). */
export function activeAlgorithm(text: string): string {
  return /\[([^\]]+)\]/.exec(text)?.[1] ?? text.trim().split(/\s+/)[0] ?? ''
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Creates a zram device of `sizeBytes` (rounded down to whole pages) with the lab's swap
 * header, ready for swapon. `onCreated` is called with the id as soon as the kernel has made
 * the device, before anything else is done to it (the host run records it in its state file
 * there). If any later step fails the device is removed again and the error names the step.
 */
export function hotAddZram(
  sizeBytes: number,
  opts: { roots?: ZramRoots; algorithm?: string; label?: string; onCreated?: (id: number) => void } = {}
): ZramDevice {
  const roots = opts.roots ?? SYSTEM_ROOTS
  const why = zramUnavailable(roots)
  if (why) throw new Error(why)
  const pages = Math.floor(sizeBytes / PAGE_SIZE)
  if (pages < 10) throw new Error(`a zram swap device needs at least 10 pages; got ${sizeBytes} bytes`)
  let text: string
  try {
    text = fs.readFileSync(control(roots, 'hot_add'), 'utf8')
  } catch (e) {
    throw new Error(`zram hot_add failed: ${(e as Error).message}`, { cause: e })
  }
  const id = Number(text.trim())
  if (!Number.isInteger(id) || id < 0) throw new Error(`zram hot_add returned "${text.trim()}", not a device id`)
  ownedIn(roots).add(id)
  const dev = path.join(roots.dev, `zram${id}`)
  try {
    opts.onCreated?.(id)
    if (opts.algorithm) fs.writeFileSync(attr(roots, id, 'comp_algorithm'), opts.algorithm)
    const algorithm = activeAlgorithm(fs.readFileSync(attr(roots, id, 'comp_algorithm'), 'utf8'))
    fs.writeFileSync(attr(roots, id, 'disksize'), String(pages * PAGE_SIZE))
    // devtmpfs makes the node; give it a moment to appear
    for (let i = 0; i < 50 && !fs.existsSync(dev); i++) sleepSync(20)
    const fd = fs.openSync(dev, 'r+')
    try {
      fs.writeSync(fd, buildSwapHeader(pages, new Uint8Array(randomBytes(16)), opts.label ?? 'swaplab'), 0, PAGE_SIZE, 0)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    return { id, dev, sizeBytes: pages * PAGE_SIZE, algorithm }
  } catch (e) {
    const left = removeZram(id, { roots })
    throw new Error(`setting up zram${id} failed: ${(e as Error).message}${left ? ` (and ${left})` : ' (the device was removed)'}`, {
      cause: e
    })
  }
}

/** Whether `id` is a device this process created and has not removed. */
export function ownsZram(id: number, roots: ZramRoots = SYSTEM_ROOTS): boolean {
  return ownedIn(roots).has(id)
}

/**
 * Resets and removes a zram device this process created (it must no longer be swapped on).
 * Returns null when it is gone, or what could not be done. Throws, changing nothing, for a
 * device the lab did not create.
 */
export function removeZram(id: number, opts: { roots?: ZramRoots } = {}): string | null {
  const roots = opts.roots ?? SYSTEM_ROOTS
  if (!ownedIn(roots).has(id)) throw new Error(`zram${id} was not created by this lab process: refusing to touch it`)
  if (!fs.existsSync(path.join(roots.sys, 'block', `zram${id}`))) {
    ownedIn(roots).delete(id)
    return null
  }
  let why = ''
  // hot_remove answers EBUSY while the device is still open (swapoff's last close may lag)
  for (let i = 0; i < 25; i++) {
    let resetError = ''
    try {
      fs.writeFileSync(attr(roots, id, 'reset'), '1')
    } catch (e) {
      resetError = `reset: ${(e as Error).message}; `
    }
    try {
      fs.writeFileSync(control(roots, 'hot_remove'), String(id))
      ownedIn(roots).delete(id)
      return null
    } catch (e) {
      why = `${resetError}hot_remove: ${(e as Error).message}`
    }
    sleepSync(40)
  }
  return `cannot remove zram${id} (${why})`
}

/**
 * After a crash: takes over the device a dead lab process's state file names, if it still
 * exists and still carries the lab's swap label (a device re-created since by someone else
 * under the same id has another header, or none, and is left alone). Returns whether it did.
 */
export function adoptZram(id: number, opts: { roots?: ZramRoots; label?: string } = {}): boolean {
  const roots = opts.roots ?? SYSTEM_ROOTS
  if (!Number.isInteger(id) || id < 0 || !fs.existsSync(path.join(roots.sys, 'block', `zram${id}`))) return false
  try {
    const fd = fs.openSync(path.join(roots.dev, `zram${id}`), 'r')
    try {
      const page = Buffer.alloc(PAGE_SIZE)
      fs.readSync(fd, page, 0, PAGE_SIZE, 0)
      if (parseSwapHeader(page).label !== (opts.label ?? 'swaplab')) return false
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return false
  }
  ownedIn(roots).add(id)
  return true
}
