// The lab's cache of Debian kernels: <labCacheDir()>/kernels/<debian version>/ holds
// `vmlinuz`, `config`, `modules/` (only the modules the guest needs, decompressed) and
// `image.json`. fetch() downloads a version's packages with apt (`apt-get download`),
// extracts them (`dpkg-deb -x`) in a temp folder and keeps only those files; listCached,
// remove and pickVersion work on what is there.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { labCacheDir } from './build'
import { GUEST_MODULE_ROOTS, checkModulesMatch, loadOrder, openModulesFolder, readModule, type ModuleEntry } from './modules'
import { FLAVOUR, NO_APT, compareDebianVersions, labAptOptions, lastLines, listAvailable, run } from './debianApt'

export function kernelsDir(): string {
  return path.join(labCacheDir(), 'kernels')
}

export interface CachedKernel {
  version: string
  release: string
  upstream: string
  dir: string
  vmlinuz: string
  config: string | null
  /** Modules to load in the guest, in order, as files in `dir/modules` (decompressed). */
  modules: ModuleEntry[]
  sizeBytes: number
  fetchedAt: string
  packages: string[]
  /** Packages that were missing at fetch time: the image boots but cannot run workloads. */
  missing: string[]
}

interface ImageJson {
  version: string
  release: string
  upstream: string
  packages: string[]
  modules: string[]
  config: boolean
  sizeBytes: number
  fetchedAt: string
  /** Packages apt could not see when this was fetched (a probe-only image). */
  missing?: string[]
}

function readCached(dir: string): CachedKernel | null {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'image.json'), 'utf8')) as ImageJson
    const vmlinuz = path.join(dir, 'vmlinuz')
    if (!fs.existsSync(vmlinuz)) return null
    return {
      version: j.version,
      release: j.release,
      upstream: j.upstream,
      dir,
      vmlinuz,
      config: j.config ? path.join(dir, 'config') : null,
      modules: j.modules.map((name) => ({ name, file: path.join(dir, 'modules', `${name}.ko`) })),
      sizeBytes: j.sizeBytes,
      fetchedAt: j.fetchedAt,
      packages: j.packages,
      missing: j.missing ?? []
    }
  } catch {
    return null
  }
}

function safeDirName(version: string): string {
  if (!/^[0-9A-Za-z.+~:-]+$/.test(version)) throw new Error(`not a Debian version: ${JSON.stringify(version)}`)
  return version.replace(/:/g, '_')
}

/** The kernels in the lab's cache, oldest first. */
export function listCached(): CachedKernel[] {
  const d = kernelsDir()
  if (!fs.existsSync(d)) return []
  return fs
    .readdirSync(d)
    .filter((n) => !n.startsWith('.'))
    .map((n) => readCached(path.join(d, n)))
    .filter((k): k is CachedKernel => k !== null)
    .sort((a, b) => compareDebianVersions(a.version, b.version))
}

function dirSize(p: string): number {
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.size
  return fs.readdirSync(p).reduce((s, n) => s + dirSize(path.join(p, n)), 0)
}

function findFirst(root: string, candidates: string[]): string | null {
  for (const c of candidates) if (fs.existsSync(path.join(root, c))) return path.join(root, c)
  return null
}

/**
 * Downloads a Debian cloud kernel (`apt-get download`, `dpkg-deb -x`) into the cache and keeps
 * only the image, its config and the modules the guest needs. `version` is a Debian version
 * (6.12.117-1~deb12u1), an upstream version or prefix (6.12.117, 6.12), or a release (6.1.0-47-cloud-amd64).
 */
export async function fetch(
  version: string,
  log: (line: string) => void = () => {},
  opts: { allowIncomplete?: boolean } = {}
): Promise<CachedKernel> {
  const available = await listAvailable({ includeIncomplete: opts.allowIncomplete })
  const k = pickVersion(available, version)
  if (!k) {
    const near = available
      .filter((a) => a.upstream.split('.').slice(0, 2).join('.') === version.split(/[.-]/).slice(0, 2).join('.'))
      .map((a) => a.version)
    throw new Error(
      `no Debian ${FLAVOUR} kernel ${version} is visible to apt` +
        (near.length
          ? ` (there are: ${near.join(', ')})`
          : labAptOptions()
            ? ''
            : '; `swaplab kernels list --update` adds trixie, backports, sid and experimental')
    )
  }
  const cached = listCached().find((c) => c.version === k.version)
  if (cached) return cached
  const base = kernelsDir()
  fs.mkdirSync(base, { recursive: true })
  const tmp = fs.mkdtempSync(path.join(base, `.fetch-${process.pid}-`))
  try {
    log(`downloading ${k.packages.join(' ')}`)
    const dl = await run('apt-get', [...(labAptOptions() ?? []), '-q', 'download', ...k.packages], tmp)
    if (dl.missing) throw new Error(NO_APT)
    if (dl.code !== 0) throw new Error(`apt-get download ${k.packages.join(' ')} failed: ${lastLines(dl.stderr)}`)
    const root = path.join(tmp, 'root')
    fs.mkdirSync(root)
    for (const deb of fs.readdirSync(tmp).filter((f) => f.endsWith('.deb'))) {
      const x = await run('dpkg-deb', ['-x', path.join(tmp, deb), root])
      if (x.missing) throw new Error(NO_APT)
      if (x.code !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${lastLines(x.stderr)}`)
    }
    const rel = k.release
    const vmlinuz = findFirst(root, [`boot/vmlinuz-${rel}`, `usr/lib/modules/${rel}/vmlinuz`, `lib/modules/${rel}/vmlinuz`])
    if (!vmlinuz) throw new Error(`the packages of ${k.version} hold no kernel image for ${rel}`)
    const config = findFirst(root, [`boot/config-${rel}`, `usr/lib/modules/${rel}/config`, `lib/modules/${rel}/config`])
    const modDir = findFirst(root, [`lib/modules/${rel}`, `usr/lib/modules/${rel}`])
    const out = path.join(tmp, 'image')
    fs.mkdirSync(path.join(out, 'modules'), { recursive: true })
    fs.copyFileSync(vmlinuz, path.join(out, 'vmlinuz'))
    if (config) fs.copyFileSync(config, path.join(out, 'config'))
    let modules: ModuleEntry[] = []
    if (modDir) {
      modules = loadOrder(openModulesFolder(modDir), GUEST_MODULE_ROOTS)
      checkModulesMatch(modules, rel, `Debian kernel ${k.version}`)
      for (const m of modules) fs.writeFileSync(path.join(out, 'modules', `${m.name}.ko`), readModule(m.file))
    }
    const meta: ImageJson = {
      version: k.version,
      release: rel,
      upstream: k.upstream,
      packages: k.packages,
      modules: modules.map((m) => m.name),
      config: Boolean(config),
      sizeBytes: 0,
      fetchedAt: new Date().toISOString(),
      ...(k.missing ? { missing: k.missing } : {})
    }
    meta.sizeBytes = dirSize(out)
    fs.writeFileSync(path.join(out, 'image.json'), JSON.stringify(meta, null, 2))
    const final = path.join(base, safeDirName(k.version))
    fs.rmSync(final, { recursive: true, force: true })
    fs.renameSync(out, final)
    log(`cached ${k.version} (${rel}) in ${final}: ${(meta.sizeBytes / 1048576).toFixed(1)} MiB`)
    return readCached(final)!
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

/** Removes a cached kernel; returns whether there was one. */
export function remove(version: string): boolean {
  const k = pickVersion(listCached(), version)
  if (!k) return false
  fs.rmSync(k.dir, { recursive: true, force: true })
  return true
}

/** The newest entry matching `spec`: exact Debian version, exact release, or an upstream version/prefix. */
export function pickVersion<T extends { version: string; release: string; upstream: string }>(list: T[], spec: string): T | null {
  const exact = list.filter((k) => k.version === spec || k.release === spec || k.release === `${spec}-${FLAVOUR}`)
  const pool = exact.length ? exact : list.filter((k) => k.upstream === spec || k.upstream.startsWith(`${spec}.`))
  if (!pool.length) return null
  return [...pool].sort((a, b) => compareDebianVersions(a.version, b.version)).at(-1)!
}
