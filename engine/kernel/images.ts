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

import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { labCacheDir } from './build'
import { GUEST_MODULE_ROOTS, checkModulesMatch, loadOrder, openModulesFolder, readModule, type ModuleEntry } from './modules'

export const FLAVOUR = 'cloud-amd64'
const EXTRA_SUITES = ['trixie', 'trixie-backports', 'sid', 'experimental']

export function kernelsDir(): string {
  return path.join(labCacheDir(), 'kernels')
}
function aptDir(): string {
  return path.join(labCacheDir(), 'apt')
}

// ---- Debian versions ----

function cmpPart(a: string, b: string): number {
  const order = (c: string | undefined) =>
    c === undefined ? 0 : c === '~' ? -1 : /[a-zA-Z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i])) || (j < b.length && !/\d/.test(b[j]))) {
      const ca = i < a.length && !/\d/.test(a[i]) ? a[i] : undefined
      const cb = j < b.length && !/\d/.test(b[j]) ? b[j] : undefined
      const d = order(ca) - order(cb)
      if (d) return d
      if (ca !== undefined) i++
      if (cb !== undefined) j++
    }
    let na = ''
    let nb = ''
    while (i < a.length && /\d/.test(a[i])) na += a[i++]
    while (j < b.length && /\d/.test(b[j])) nb += b[j++]
    const d = Number(na || 0) - Number(nb || 0)
    if (d) return d
  }
  return 0
}

/** Debian version order (dpkg --compare-versions): epoch, upstream, revision; '~' sorts before anything. */
export function compareDebianVersions(a: string, b: string): number {
  const split = (v: string) => {
    const c = v.indexOf(':')
    const epoch = c >= 0 ? Number(v.slice(0, c)) : 0
    const rest = c >= 0 ? v.slice(c + 1) : v
    const h = rest.lastIndexOf('-')
    return { epoch, up: h >= 0 ? rest.slice(0, h) : rest, rev: h >= 0 ? rest.slice(h + 1) : '0' }
  }
  const x = split(a)
  const y = split(b)
  return x.epoch - y.epoch || cmpPart(x.up, y.up) || cmpPart(x.rev, y.rev)
}

// ---- apt ----

interface Exec {
  code: number | null
  stdout: string
  stderr: string
  missing: boolean
}

function run(cmd: string, args: string[], cwd?: string): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { code?: number | string }) | null
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        missing: err?.code === 'ENOENT'
      })
    })
  })
}

const NO_APT =
  'Debian kernels are fetched with apt (apt-get, apt-cache, dpkg-deb): this machine has none; give a bzImage path instead (kernel:image=/path/to/bzImage)'

/** apt options of the lab's own view (system sources + extra suites), once `updateLists()` made it. */
function labAptOptions(): string[] | null {
  const d = aptDir()
  if (!fs.existsSync(path.join(d, 'lists', 'updated'))) return null
  return [
    '-o',
    `Dir::Etc::SourceParts=${path.join(d, 'sources.list.d')}`,
    '-o',
    'Dir::Etc::SourceList=/dev/null',
    '-o',
    `Dir::State::Lists=${path.join(d, 'lists')}`,
    '-o',
    'Dir::Cache::pkgcache=',
    '-o',
    'Dir::Cache::srcpkgcache='
  ]
}

interface AptSource {
  uris: string[]
  suites: string[]
  components: string[]
  signedBy?: string
}

/** The machine's Debian sources, from /etc/apt/sources.list (one-line) and sources.list.d (*.list, *.sources). */
export function systemDebianSources(etc = '/etc/apt'): AptSource[] {
  const out: AptSource[] = []
  const files: string[] = []
  if (fs.existsSync(path.join(etc, 'sources.list'))) files.push(path.join(etc, 'sources.list'))
  const partsDir = path.join(etc, 'sources.list.d')
  if (fs.existsSync(partsDir)) for (const f of fs.readdirSync(partsDir).sort()) files.push(path.join(partsDir, f))
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8')
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'mi').exec(stanza)?.[1].trim()
        if (!/\bdeb\b/.test(field('Types') ?? '') || /^Enabled:\s*no/im.test(stanza)) continue
        out.push({
          uris: (field('URIs') ?? '').split(/\s+/).filter(Boolean),
          suites: (field('Suites') ?? '').split(/\s+/).filter(Boolean),
          components: (field('Components') ?? '').split(/\s+/).filter(Boolean),
          signedBy: field('Signed-By')
        })
      }
    } else if (f.endsWith('.list') || f.endsWith('sources.list')) {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line)
        if (!m) continue
        const signed = /signed-by=(\S+)/.exec(m[1] ?? '')?.[1]
        out.push({ uris: [m[2]], suites: [m[3]], components: m[4].split(/\s+/).filter(Boolean), signedBy: signed })
      }
    }
  }
  return out
}

/** The machine's main Debian mirror: the URI of an entry with a plain release suite (not -security). */
export function debianMirror(sources: AptSource[]): { uri: string; signedBy?: string } | null {
  for (const s of sources)
    for (const uri of s.uris)
      if (!/security/.test(uri) && s.suites.some((x) => /^[a-z]+$/.test(x)) && s.components.includes('main'))
        return { uri, signedBy: s.signedBy }
  return null
}

/**
 * Makes (or refreshes) the lab's own apt view: a sources folder holding copies of the system's
 * sources plus trixie, trixie-backports, sid and experimental on the machine's Debian mirror,
 * and a lists folder, both under <cache>/apt. The system's apt configuration is not touched.
 */
export async function updateLists(): Promise<{ suites: string[]; mirror: string }> {
  const mirror = debianMirror(systemDebianSources())
  if (!mirror) throw new Error('no Debian mirror in /etc/apt/sources.list or /etc/apt/sources.list.d: the extra kernel suites need one')
  const d = aptDir()
  const parts = path.join(d, 'sources.list.d')
  const lists = path.join(d, 'lists')
  fs.rmSync(parts, { recursive: true, force: true })
  fs.mkdirSync(parts, { recursive: true })
  fs.mkdirSync(path.join(lists, 'partial'), { recursive: true })
  if (fs.existsSync('/etc/apt/sources.list')) fs.copyFileSync('/etc/apt/sources.list', path.join(parts, 'system.list'))
  if (fs.existsSync('/etc/apt/sources.list.d'))
    for (const f of fs.readdirSync('/etc/apt/sources.list.d'))
      if (f.endsWith('.list') || f.endsWith('.sources'))
        fs.copyFileSync(path.join('/etc/apt/sources.list.d', f), path.join(parts, `system-${f}`))
  fs.writeFileSync(
    path.join(parts, 'swaplab-kernels.sources'),
    [
      "# Swap Lab: extra suites for newer Debian kernels (used only with the lab's own lists folder)",
      'Types: deb',
      `URIs: ${mirror.uri}`,
      `Suites: ${EXTRA_SUITES.join(' ')}`,
      'Components: main',
      ...(mirror.signedBy ? [`Signed-By: ${mirror.signedBy}`] : []),
      ''
    ].join('\n')
  )
  fs.rmSync(path.join(lists, 'updated'), { force: true })
  const opts = [
    '-o',
    `Dir::Etc::SourceParts=${parts}`,
    '-o',
    'Dir::Etc::SourceList=/dev/null',
    '-o',
    `Dir::State::Lists=${lists}`,
    '-o',
    'Dir::Cache::pkgcache=',
    '-o',
    'Dir::Cache::srcpkgcache='
  ]
  const r = await run('apt-get', [...opts, '-q', 'update'])
  if (r.missing) throw new Error(NO_APT)
  if (r.code !== 0) throw new Error(`apt-get update of the lab's kernel sources failed: ${lastLines(r.stderr || r.stdout)}`)
  fs.writeFileSync(path.join(lists, 'updated'), new Date().toISOString())
  return { suites: EXTRA_SUITES, mirror: mirror.uri }
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join(' | ')
}

export interface AvailableKernel {
  /** Debian package version, e.g. 6.12.117-1~deb12u1: the id `debian-<version>` names. */
  version: string
  /** The kernel release (`uname -r`), e.g. 6.12.117+deb12-cloud-amd64 or 6.1.0-47-cloud-amd64. */
  release: string
  /** Upstream Linux version, e.g. 6.12.117. */
  upstream: string
  /** The packages to download, as name=version. */
  packages: string[]
  /** Packages the version needs that apt cannot see (only with includeIncomplete): it cannot run workloads. */
  missing?: string[]
}

interface Stanza {
  Package: string
  Version: string
  Depends?: string
  /** KiB */
  InstalledSize: number
}

function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = []
  for (const block of text.split(/\n\s*\n/)) {
    const get = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(block)?.[1].trim()
    const p = get('Package')
    const v = get('Version')
    if (p && v) out.push({ Package: p, Version: v, Depends: get('Depends'), InstalledSize: Number(get('Installed-Size') ?? 0) })
  }
  return out
}

/** Upstream version of a Debian kernel package version: 6.1.170-3 -> 6.1.170, 7.0.13-1~bpo13+1 -> 7.0.13. */
export function upstreamOf(debVersion: string): string {
  return debVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '')
}

/**
 * The cloud kernels apt can see (the lab's view once `updateLists()` ran, else the system's),
 * newest last; only versions whose packages all exist (image, or binary + modules + base),
 * unless `includeIncomplete` (then `missing` names what is absent).
 */
export async function listAvailable(opts: { includeIncomplete?: boolean } = {}): Promise<AvailableKernel[]> {
  const apt = labAptOptions() ?? []
  const s = await run('apt-cache', [...apt, 'search', '--names-only', `^linux-(image|binary|modules|base)-[0-9][^ ]*-${FLAVOUR}$`])
  if (s.missing) throw new Error(NO_APT)
  if (s.code !== 0) throw new Error(`apt-cache search failed: ${lastLines(s.stderr)}`)
  const names = s.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean)
  if (!names.length) return []
  const show = await run('apt-cache', [...apt, 'show', ...names])
  if (show.code !== 0 && !show.stdout) throw new Error(`apt-cache show failed: ${lastLines(show.stderr)}`)
  const stanzas = parseStanzas(show.stdout)
  const have = new Set(stanzas.map((x) => `${x.Package}=${x.Version}`))
  const out = new Map<string, AvailableKernel>()
  for (const st of stanzas) {
    const m = new RegExp(`^linux-image-(\\d[^ ]*-${FLAVOUR})$`).exec(st.Package)
    if (!m) continue
    const release = m[1]
    // 7.x: the image package is a small metapackage depending on the split packages (= version).
    // A metapackage (linux-image-6.12-cloud-amd64) depends on a versioned image and holds no kernel: skipped.
    // From 6.19 the image is a small package depending on linux-binary-/linux-modules-/linux-base-
    // of the same version; 6.18 has the kernel in the image package and its config in linux-base-.
    const deps = [...(st.Depends ?? '').matchAll(/(linux-(?:binary|modules|base)-[^\s,(]+) \(= ([^)]+)\)/g)]
      .filter((d) => d[1].endsWith(`-${release}`))
      .map((d) => `${d[1]}=${d[2]}`)
    const hasKernel = st.InstalledSize >= 4096
    if (!hasKernel && !deps.some((p) => p.startsWith('linux-binary-'))) continue
    const packages = [
      ...(hasKernel ? [`${st.Package}=${st.Version}`] : []),
      ...deps.filter((p) => !(hasKernel && p.startsWith('linux-binary-')))
    ]
    // linux-base- holds only the config: a version without it still runs.
    const missing = packages.filter((p) => !have.has(p) && !p.startsWith('linux-base-'))
    if (missing.length && !opts.includeIncomplete) continue
    if (!out.has(st.Version))
      out.set(st.Version, {
        version: st.Version,
        release,
        upstream: upstreamOf(st.Version),
        packages: packages.filter((p) => have.has(p)),
        ...(missing.length ? { missing } : {})
      })
  }
  return [...out.values()].sort((a, b) => compareDebianVersions(a.version, b.version))
}

// ---- the cache ----

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

// ---- images given as a path ----

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
