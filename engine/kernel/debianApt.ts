// Debian kernels as apt sees them: Debian version order (dpkg --compare-versions), the
// machine's sources and mirror, the lab's own apt view (<cache>/apt: the system's sources
// plus trixie, trixie-backports, sid and experimental on the machine's mirror; the system's
// apt configuration is never touched), and the cloud kernels visible there, with the
// packages each needs (from 7.x: linux-binary-, linux-modules-, linux-base-).

import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { labCacheDir } from './build'

export const FLAVOUR = 'cloud-amd64'
const EXTRA_SUITES = ['trixie', 'trixie-backports', 'sid', 'experimental']

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

export function run(cmd: string, args: string[], cwd?: string): Promise<Exec> {
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

export const NO_APT =
  'Debian kernels are fetched with apt (apt-get, apt-cache, dpkg-deb): this machine has none; give a bzImage path instead (kernel:image=/path/to/bzImage)'

/** apt options of the lab's own view (system sources + extra suites), once `updateLists()` made it. */
export function labAptOptions(): string[] | null {
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

export function lastLines(s: string, n = 3): string {
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
