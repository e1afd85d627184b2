// The lab's initramfs: a "newc" cpio archive (Documentation/driver-api/early-userspace/
// buffer-format.rst), gzip-compressed, holding the static /init, the workload programs, the
// modules to load and /swaplab.conf (the run plan /init executes).
//
// newc: each entry is the ASCII magic "070701", thirteen 8-digit hex fields (ino, mode, uid,
// gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize including
// the NUL, check), the name and its NUL padded to a multiple of 4 bytes, then the data padded
// to a multiple of 4. The archive ends with an entry named "TRAILER!!!".

import * as fs from 'node:fs'
import { gzipSync } from 'node:zlib'

export const S_IFDIR = 0o040000
export const S_IFREG = 0o100000
export const S_IFCHR = 0o020000
export const S_IFLNK = 0o120000

export interface CpioEntry {
  /** Path inside the archive, without a leading '/'. */
  name: string
  /** File type and permission bits (S_IFREG | 0o755, ...). */
  mode: number
  data?: Buffer
  /** Device number of a character or block node. */
  rdev?: { major: number; minor: number }
}

const TRAILER = 'TRAILER!!!'

function header(e: {
  ino: number
  mode: number
  nlink: number
  size: number
  rdevMajor: number
  rdevMinor: number
  nameSize: number
}): string {
  const hex = (n: number) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: field ${n} out of range`)
    return n.toString(16).toUpperCase().padStart(8, '0')
  }
  return '070701' + [e.ino, e.mode, 0, 0, e.nlink, 0, e.size, 0, 0, e.rdevMajor, e.rdevMinor, e.nameSize, 0].map(hex).join('')
}

const pad4 = (n: number) => (4 - (n % 4)) % 4

/**
 * Writes a newc archive. Parent directories must come before their contents (the kernel
 * creates entries in order); this is checked. uid/gid are 0 and mtime 0, so the same input
 * gives the same bytes.
 */
export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = []
  const seen = new Set<string>([''])
  let ino = 1
  const push = (name: string, mode: number, data: Buffer, rdev?: { major: number; minor: number }) => {
    const nameBuf = Buffer.from(`${name}\0`, 'utf8')
    const h = header({
      ino: name === TRAILER ? 0 : ino++,
      mode,
      nlink: (mode & 0o170000) === S_IFDIR ? 2 : 1,
      size: data.length,
      rdevMajor: rdev?.major ?? 0,
      rdevMinor: rdev?.minor ?? 0,
      nameSize: nameBuf.length
    })
    parts.push(Buffer.from(h, 'latin1'), nameBuf, Buffer.alloc(pad4(110 + nameBuf.length)), data, Buffer.alloc(pad4(data.length)))
  }
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, '')
    if (!name || name.split('/').some((p) => p === '..' || p === '.' || p === ''))
      throw new Error(`cpio: bad entry name ${JSON.stringify(e.name)}`)
    if (seen.has(name)) throw new Error(`cpio: duplicate entry ${name}`)
    const parent = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : ''
    if (!seen.has(parent)) throw new Error(`cpio: ${name} comes before its folder ${parent}`)
    const type = e.mode & 0o170000
    if (![S_IFDIR, S_IFREG, S_IFCHR, S_IFLNK].includes(type)) throw new Error(`cpio: ${name}: unsupported file type ${type.toString(8)}`)
    if (type !== S_IFREG && type !== S_IFLNK && e.data?.length) throw new Error(`cpio: ${name} is not a regular file but has data`)
    seen.add(name)
    push(name, e.mode, e.data ?? Buffer.alloc(0), e.rdev)
  }
  push(TRAILER, 0, Buffer.alloc(0))
  return Buffer.concat(parts)
}

/** Reads a newc archive back (used by the tests and to check what was built). */
export function readCpio(buf: Buffer): CpioEntry[] {
  const out: CpioEntry[] = []
  let o = 0
  for (;;) {
    if (o + 110 > buf.length) throw new Error(`cpio: truncated header at ${o}`)
    const magic = buf.toString('latin1', o, o + 6)
    if (magic !== '070701' && magic !== '070702') throw new Error(`cpio: bad magic ${JSON.stringify(magic)} at ${o}`)
    const h = o
    const f = (i: number) => parseInt(buf.toString('latin1', h + 6 + i * 8, h + 14 + i * 8), 16)
    const mode = f(1)
    const size = f(6)
    const nameSize = f(11)
    const nameStart = o + 110
    const name = buf.toString('utf8', nameStart, nameStart + nameSize - 1)
    o = nameStart + nameSize
    o += pad4(o)
    if (name === TRAILER) return out
    const data = buf.subarray(o, o + size)
    if (data.length !== size) throw new Error(`cpio: ${name}: truncated data`)
    o += size
    o += pad4(o)
    out.push({ name, mode, data: Buffer.from(data), rdev: { major: f(9), minor: f(10) } })
  }
}

export interface InitramfsSpec {
  /** The static /init binary. */
  init: string
  /** Programs to put in /bin, by name. */
  programs: Record<string, string>
  /** Modules (decompressed .ko bytes come from `read`) to put in /lib/modules, in load order. */
  modules: { name: string; file: string }[]
  /** Reads a module file as plain ELF (decompressing where needed). */
  readModule: (file: string) => Buffer
  /** Text of /swaplab.conf. */
  config: string
}

/** Builds the gzip-compressed initramfs for one run. */
export function buildInitramfs(spec: InitramfsSpec): Buffer {
  const dir = (name: string): CpioEntry => ({ name, mode: S_IFDIR | 0o755 })
  const entries: CpioEntry[] = [
    dir('dev'),
    { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
    dir('proc'),
    dir('sys'),
    dir('tmp'),
    dir('bin'),
    dir('lib'),
    dir('lib/modules'),
    { name: 'init', mode: S_IFREG | 0o755, data: fs.readFileSync(spec.init) },
    { name: 'swaplab.conf', mode: S_IFREG | 0o644, data: Buffer.from(spec.config, 'utf8') }
  ]
  for (const [name, file] of Object.entries(spec.programs))
    entries.push({ name: `bin/${name}`, mode: S_IFREG | 0o755, data: fs.readFileSync(file) })
  for (const m of spec.modules) entries.push({ name: `lib/modules/${m.name}.ko`, mode: S_IFREG | 0o644, data: spec.readModule(m.file) })
  return gzipSync(writeCpio(entries), { level: 6 })
}
