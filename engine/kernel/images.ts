// Kernel images for VM runs: Debian cloud kernels fetched with apt into the lab's cache, or a
// user's bzImage (with an optional modules folder).
//
// Cache layout: <labCacheDir()>/kernels/<debian version>/ holds `vmlinuz`, `config`,
// `modules/` (only the modules the guest needs, decompressed) and `image.json`. apt's own
// view of the machine's sources sees bookworm's 6.1 and 6.12; `updateLists()` adds a
// lab-owned view (sources file and lists folder under <cache>/apt, never the system's apt
// config) with trixie, trixie-backports, sid and experimental on the machine's own Debian
// mirror, where 6.16 to 7.x live. From 7.x Debian splits a kernel into linux-binary- (the
// image), linux-modules- and linux-base- packages that linux-image- depends on.
//
// The pieces: debianApt.ts (versions, apt views, what apt can see), kernelCache.ts (the cache,
// download and extraction), and here a spec resolved to files, bzImage headers and configs.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { GUEST_MODULE_ROOTS, checkModulesMatch, loadOrder, openModulesFolder, type ModuleEntry } from './modules'
import { fetch, kernelsDir, listCached, pickVersion } from './kernelCache'

export {
  FLAVOUR,
  compareDebianVersions,
  debianMirror,
  listAvailable,
  systemDebianSources,
  updateLists,
  upstreamOf,
  type AvailableKernel
} from './debianApt'
export { fetch, kernelsDir, listCached, pickVersion, remove, type CachedKernel } from './kernelCache'

/**
 * The release of a bzImage from its setup header (the kernel_version string the boot
 * protocol points at, Documentation/arch/x86/boot.rst), without decompressing it.
 */
export function bzImageRelease(file: string): string {
  return bzImageVersion(file).split(' ')[0]
}

/** The whole kernel_version string of a bzImage ("6.1.0-47-cloud-amd64 (debian-kernel@...) #1 SMP ... Debian 6.1.170-3 ..."). */
export function bzImageVersion(file: string): string {
  const fd = fs.openSync(file, 'r')
  try {
    const head = Buffer.alloc(0x8000)
    const n = fs.readSync(fd, head, 0, head.length, 0)
    if (n < 0x210 || head.toString('latin1', 0x202, 0x206) !== 'HdrS')
      throw new Error(`${file} is not a bootable x86 kernel image (bzImage): no "HdrS" setup header`)
    const ptr = head.readUInt16LE(0x20e)
    if (!ptr) throw new Error(`${file}: the setup header holds no kernel version`)
    const at = ptr + 0x200
    const end = head.indexOf(0, at)
    if (at >= n || end < 0) throw new Error(`${file}: kernel version string out of range`)
    return head.toString('latin1', at, end)
  } finally {
    fs.closeSync(fd)
  }
}

export interface ResolvedImage {
  /** As the run records it: 'debian-<version>' or the path given. */
  image: string
  vmlinuz: string
  release: string
  /** Upstream version (x.y.z) where known. */
  upstream: string | null
  config: string | null
  modules: ModuleEntry[]
}

/** Kernel config (CONFIG_X=y/m) of an image, when we have it. */
export function readConfig(file: string | null): Map<string, string> | null {
  if (!file || !fs.existsSync(file)) return null
  const m = new Map<string, string>()
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    const x = /^(CONFIG_\w+)=(.*)$/.exec(l)
    if (x) m.set(x[1], x[2])
  }
  return m
}

/** Refuses, before booting, an image whose config lacks what a swap run needs. */
export function checkConfig(config: Map<string, string> | null, what: string): void {
  if (!config) return
  const need: [string, string][] = [
    ['CONFIG_SWAP', 'swap'],
    ['CONFIG_MEMCG', 'memory cgroups'],
    ['CONFIG_BLK_DEV_INITRD', 'an initramfs'],
    ['CONFIG_DEVTMPFS', 'devtmpfs']
  ]
  const missing = need.filter(([k]) => config.get(k) !== 'y').map(([k, d]) => `${d} (${k})`)
  if (config.get('CONFIG_VIRTIO_BLK') !== 'y' && config.get('CONFIG_VIRTIO_BLK') !== 'm') missing.push('virtio disks (CONFIG_VIRTIO_BLK)')
  if (missing.length) throw new Error(`${what} cannot run the lab's workloads: it has no ${missing.join(', ')}`)
}

/**
 * Resolves an image spec to files: 'debian-6.12' (the newest cached 6.12.x, else the newest
 * apt can see, fetched now), 'debian-6.12.117-1~deb12u1' (exact), or a bzImage path with an
 * optional modules folder, which must hold the modules of the image's own release.
 */
export async function resolveImage(
  spec: string,
  modulesDir?: string,
  opts: { fetch?: boolean; log?: (line: string) => void; allowIncomplete?: boolean } = {}
): Promise<ResolvedImage> {
  if (spec.startsWith('debian-')) {
    const v = spec.slice('debian-'.length)
    if (modulesDir) throw new Error(`kernel:image=${spec}: a Debian kernel brings its own modules; modules= is only for a bzImage path`)
    let k = pickVersion(listCached(), v)
    if (!k) {
      if (opts.fetch === false)
        throw new Error(`Debian kernel ${v} is not in the lab's cache (${kernelsDir()}): fetch it with \`swaplab kernels fetch ${v}\``)
      k = await fetch(v, opts.log)
    }
    if (k.missing.length && !opts.allowIncomplete)
      throw new Error(
        `Debian kernel ${k.version} was cached without ${k.missing.join(', ')} (apt could not see them), so it cannot run workloads: remove it (\`swaplab kernels remove ${k.version}\`) and pick a complete version from \`swaplab kernels list\``
      )
    checkConfig(readConfig(k.config), `Debian kernel ${k.version}`)
    return {
      image: `debian-${k.version}`,
      vmlinuz: k.vmlinuz,
      release: k.release,
      upstream: k.upstream,
      config: k.config,
      modules: k.modules
    }
  }
  const file = path.resolve(spec)
  if (!fs.existsSync(file)) throw new Error(`kernel image ${spec} does not exist (give 'host', 'debian-<version>' or a bzImage path)`)
  if (!fs.statSync(file).isFile()) throw new Error(`kernel image ${spec} is not a file`)
  const full = bzImageVersion(file)
  const release = full.split(' ')[0]
  let modules: ModuleEntry[] = []
  if (modulesDir) {
    const dir = path.resolve(modulesDir)
    const folder = openModulesFolder(dir)
    modules = loadOrder(folder, GUEST_MODULE_ROOTS)
    if (!modules.length && path.basename(dir) !== release && folder.files.size)
      throw new Error(`modules folder ${modulesDir} is for kernel ${path.basename(dir)}, but ${spec} is ${release}`)
    checkModulesMatch(modules, release, `modules folder ${modulesDir}`)
  }
  // A distribution kernel's release may be an ABI name (6.1.0-47-...): its build string names the version.
  const upstream = /Debian (\d+\.\d+(?:\.\d+)?)/.exec(full)?.[1] ?? /^(\d+\.\d+(?:\.\d+)?)/.exec(release)?.[1] ?? null
  return { image: file, vmlinuz: file, release, upstream, config: null, modules }
}
