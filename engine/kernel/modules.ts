// Kernel modules for the lab's initramfs: which modules a guest needs to see its virtio disk,
// in the order they must be loaded, read from a modules folder (lib/modules/<release>).
// Dependencies come from the folder's modules.dep where depmod made one, else from each
// module's own `.modinfo` section (`depends=`), which is what depmod itself reads: Debian's
// packages ship no modules.dep (depmod runs at install).

import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'

/** What the guest needs: the virtio PCI transport and the virtio block driver (plus their dependencies). */
export const GUEST_MODULE_ROOTS = ['virtio_pci', 'virtio_blk'] as const

const MODULE_RE = /\.ko(\.xz|\.zst|\.gz)?$/

/** Module names compare with '-' and '_' alike, as the kernel does. */
export function moduleName(file: string): string {
  return path.basename(file).replace(MODULE_RE, '').replace(/-/g, '_')
}

/** The bytes of a module file, decompressed (.ko.xz with `xz`, .ko.zst with `zstd`, .ko.gz with zlib). */
export function readModule(file: string): Buffer {
  if (file.endsWith('.ko')) return fs.readFileSync(file)
  if (file.endsWith('.gz')) return gunzipSync(fs.readFileSync(file))
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : null
  if (!tool) throw new Error(`${file}: not a kernel module (.ko, .ko.xz, .ko.zst or .ko.gz)`)
  try {
    return execFileSync(tool, ['-dc', file], { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer }
    if (err.code === 'ENOENT')
      throw new Error(
        `decompressing ${path.basename(file)} needs \`${tool}\`: install it (apt-get install ${tool === 'xz' ? 'xz-utils' : 'zstd'})`,
        { cause: e }
      )
    throw new Error(`decompressing ${file} failed: ${err.stderr?.toString().trim() || err.message}`, { cause: e })
  }
}

/** The key=value strings of an ELF module's `.modinfo` section (a repeated key keeps every value). */
export function parseModinfo(elf: Buffer): Map<string, string[]> {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file')
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error('not a little-endian 64-bit ELF file')
  const shoff = Number(elf.readBigUInt64LE(0x28))
  const shentsize = elf.readUInt16LE(0x3a)
  const shnum = elf.readUInt16LE(0x3c)
  const shstrndx = elf.readUInt16LE(0x3e)
  if (shoff + shnum * shentsize > elf.length || shstrndx >= shnum) throw new Error('truncated ELF section table')
  const sec = (i: number) => {
    const o = shoff + i * shentsize
    return { name: elf.readUInt32LE(o), offset: Number(elf.readBigUInt64LE(o + 0x18)), size: Number(elf.readBigUInt64LE(o + 0x20)) }
  }
  const strtab = sec(shstrndx)
  const info = new Map<string, string[]>()
  for (let i = 0; i < shnum; i++) {
    const s = sec(i)
    const nameStart = strtab.offset + s.name
    const name = elf.toString('latin1', nameStart, elf.indexOf(0, nameStart))
    if (name !== '.modinfo') continue
    for (const entry of elf.toString('latin1', s.offset, s.offset + s.size).split('\0')) {
      const eq = entry.indexOf('=')
      if (eq <= 0) continue
      const k = entry.slice(0, eq)
      info.set(k, [...(info.get(k) ?? []), entry.slice(eq + 1)])
    }
    return info
  }
  throw new Error('no .modinfo section: not a kernel module')
}

export interface ModuleEntry {
  name: string
  /** Absolute path of the (possibly compressed) module file. */
  file: string
}

export interface ModulesFolder {
  dir: string
  /** Every module file in the folder, by name. */
  files: Map<string, string>
  /** Names of the modules built into the kernel (modules.builtin), empty when the folder has none. */
  builtin: Set<string>
  /** Where the dependencies came from. */
  depSource: 'modules.dep' | 'modinfo'
  depends(name: string): string[]
}

function walk(dir: string, out: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (MODULE_RE.test(e.name)) out.push(p)
  }
}

/** Parses modules.dep text: `kernel/a/b.ko.xz: kernel/c.ko.xz kernel/d.ko.xz` into name -> dependency names. */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const deps1 = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(moduleName)
    deps.set(moduleName(line.slice(0, colon)), deps1)
  }
  return deps
}

/** Opens a modules folder (lib/modules/<release>): its module files, built-ins and dependencies. */
export function openModulesFolder(dir: string): ModulesFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`modules folder ${dir} does not exist`)
  const list: string[] = []
  walk(dir, list)
  const files = new Map(list.map((f) => [moduleName(f), f]))
  const builtin = new Set<string>()
  const builtinFile = path.join(dir, 'modules.builtin')
  if (fs.existsSync(builtinFile))
    for (const l of fs.readFileSync(builtinFile, 'utf8').split('\n')) if (l.trim()) builtin.add(moduleName(l.trim()))
  const depFile = path.join(dir, 'modules.dep')
  const fromDep = fs.existsSync(depFile) ? parseModulesDep(fs.readFileSync(depFile, 'utf8')) : null
  const cache = new Map<string, string[]>()
  return {
    dir,
    files,
    builtin,
    depSource: fromDep ? 'modules.dep' : 'modinfo',
    depends(name) {
      if (fromDep) return fromDep.get(name) ?? []
      let d = cache.get(name)
      if (!d) {
        const file = files.get(name)
        if (!file) return []
        const v = parseModinfo(readModule(file)).get('depends')?.[0] ?? ''
        d = v.split(',').filter(Boolean).map(moduleName)
        cache.set(name, d)
      }
      return d
    }
  }
}

/**
 * The modules to load for `roots`, dependencies first (each once). A root that is neither a
 * module file nor listed as built-in is taken as built in (a user's kernel may have it =y and
 * no modules.builtin); a missing dependency of a module that is present is an error.
 */
export function loadOrder(folder: ModulesFolder, roots: readonly string[]): ModuleEntry[] {
  const order: ModuleEntry[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (name: string, from: string | null) => {
    const s = state.get(name)
    if (s === 'done') return
    if (s === 'visiting') throw new Error(`modules in ${folder.dir}: dependency cycle through ${name}`)
    const file = folder.files.get(name)
    if (!file) {
      if (from && !folder.builtin.has(name))
        throw new Error(`modules in ${folder.dir}: ${from} needs ${name}, which is neither a module there nor built in`)
      state.set(name, 'done')
      return
    }
    state.set(name, 'visiting')
    for (const d of folder.depends(name)) visit(d, name)
    state.set(name, 'done')
    order.push({ name, file })
  }
  for (const r of roots) if (!folder.builtin.has(r)) visit(r, null)
  return order
}

/** The release a module was built for: the first word of its vermagic. */
export function moduleRelease(file: string): string | null {
  const v = parseModinfo(readModule(file)).get('vermagic')?.[0]
  return v ? v.split(' ')[0] : null
}

/**
 * Checks that the modules to load were built for `release` (the image's): a module of another
 * release would fail to load in the guest with a less clear message.
 */
export function checkModulesMatch(entries: ModuleEntry[], release: string, what: string): void {
  for (const m of entries) {
    const r = moduleRelease(m.file)
    if (r !== release)
      throw new Error(
        `${what}: module ${m.name} (${m.file}) was built for kernel ${r ?? 'unknown'}, but the image is ${release}: give the modules folder of this image (lib/modules/${release})`
      )
  }
}
