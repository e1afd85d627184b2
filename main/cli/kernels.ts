// `swaplab kernels list|fetch|remove`: the Debian kernels a VM run can boot (the lab's cache
// and what apt can fetch), over engine/kernel/images.

import { listAvailable, listCached, fetch, remove, updateLists, kernelsDir } from '../../engine/kernel/images'
import { hostProblem, realPreflightDeps, vmProblem } from '../lab/preflight'
import { last, UsageError, type ParsedArgs } from './args'
import { table } from './format'
import type { CliIo } from './commands'

export const KERNELS_USAGE = `Usage: swaplab kernels <list|fetch|remove> [options]

Kernels for kernel runs (--design kernel:image=...). 'host' is this machine's kernel (needs
root); Debian cloud kernels boot in QEMU (qemu-system-x86_64) and live in the lab's cache.

  list [--update] [--json]   the host, the cached kernels and those apt can fetch
                             --update: add trixie, trixie-backports, sid and experimental
                             (a lab-owned apt view on the machine's own mirror: 6.16 to 7.x)
  fetch VERSION              download a Debian cloud kernel into the cache (apt-get download),
                             e.g. 6.12, 6.12.57, 6.1.0-47-cloud-amd64; a run names it debian-VERSION
  remove VERSION             delete a cached kernel

Runs fetch a kernel they need on first use; fetch ahead of time to keep runs quick.
`

const mib = (n: number | null): string => (n === null ? '' : `${(n / 2 ** 20).toFixed(1)} MiB`)

export async function kernelsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const [sub, ...rest] = args.positional
  if (args.options.has('help') || sub === undefined || sub === 'help') {
    io.stdout(KERNELS_USAGE)
    return 0
  }
  if (sub === 'list') {
    if (rest.length) throw new UsageError(`kernels list takes no arguments; got "${rest[0]}"`)
    if (last(args, 'update') === 'true') {
      try {
        const r = await updateLists()
        io.stderr(`apt lists updated for ${r.suites.join(', ')} on ${r.mirror}\n`)
      } catch (e) {
        io.stderr(`swaplab kernels list --update: ${(e as Error).message}\n`)
        return 1
      }
    }
    const cached = listCached()
    let available: Awaited<ReturnType<typeof listAvailable>> = []
    let aptProblem: string | null = null
    try {
      available = await listAvailable()
    } catch (e) {
      aptProblem = (e as Error).message
    }
    const have = new Set(cached.map((k) => k.version))
    const host = hostProblem(realPreflightDeps)
    const vm = vmProblem(realPreflightDeps)
    if (last(args, 'json') === 'true') {
      io.stdout(
        `${JSON.stringify({ cacheDir: kernelsDir(), host: { problem: host }, vm: { problem: vm }, cached, available, aptProblem }, null, 2)}\n`
      )
      return 0
    }
    const rows = [
      ['host', 'host', '(this machine)', '', host ?? 'ready'],
      ...cached.map((k) => [`debian-${k.version}`, 'cached', k.release, mib(k.sizeBytes), vm ?? 'ready']),
      ...available
        .filter((k) => !have.has(k.version))
        .map((k) => [`debian-${k.version}`, 'fetchable', k.release, '', vm ?? 'fetched on first use'])
    ]
    io.stdout(`${table(['image', 'state', 'release', 'size', 'status'], rows, (c) => c === 3)}\n`)
    io.stdout(`cache: ${kernelsDir()}\n`)
    if (aptProblem) io.stdout(`apt: ${aptProblem}\n`)
    return 0
  }
  if (sub === 'fetch') {
    if (rest.length !== 1) throw new UsageError('kernels fetch takes one version, e.g. swaplab kernels fetch 6.12')
    try {
      const k = await fetch(rest[0], (line) => io.stderr(`${line}\n`))
      io.stdout(`debian-${k.version}  ${k.release}  ${k.dir}\n`)
      return 0
    } catch (e) {
      // apt said no, or the download failed: one line, no stack trace.
      io.stderr(`swaplab kernels fetch: ${(e as Error).message}\n`)
      return 1
    }
  }
  if (sub === 'remove') {
    if (rest.length !== 1) throw new UsageError('kernels remove takes one version, e.g. swaplab kernels remove 6.12.57-1')
    if (!remove(rest[0])) throw new UsageError(`no cached kernel matches "${rest[0]}"; see swaplab kernels list`)
    io.stdout(`removed ${rest[0]}\n`)
    return 0
  }
  throw new UsageError(`unknown kernels command "${sub}"; expected list, fetch or remove`)
}
