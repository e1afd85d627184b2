// `swaplab kernels list|fetch|remove`: the Debian kernels a VM run can boot (the lab's cache
// and what apt can fetch), over engine/kernel/images.

import { listAvailable, listCached, fetch, remove, updateLists, kernelsDir } from '../../engine/kernel/images'
import { hostProblem, realPreflightDeps, vmProblem } from '../lab/preflight'
import { argumentsMessage, flagOption, last, UsageError, type ParsedArgs } from './args'
import { table } from './format'
import { action, addCommand, dbOption, type CliIo, type RegisterCommand } from './program'

const KERNELS_NOTES = `
Kernels for kernel runs (--design kernel:image=...). 'host' is this machine's kernel (needs
root); Debian cloud kernels boot in QEMU (qemu-system-x86_64) and live in the lab's cache.
Runs fetch a kernel they need on first use; fetch ahead of time to keep runs quick.
`

/** `swaplab kernels` and its subcommands list, fetch and remove. */
export const registerKernels: RegisterCommand = (program, cli) => {
  const kernels = addCommand(program, 'kernels', 'the kernels kernel runs boot: list, fetch (ahead of a run) and remove')
    .summary('list|fetch|remove the kernels kernel runs boot (swaplab help kernels)')
    .usage('<list|fetch|remove> [options]')
    .addHelpText('after', KERNELS_NOTES)
  addCommand(kernels, 'list', 'the host, the cached kernels and those apt can fetch')
    .addOption(
      flagOption(
        '--update',
        "add trixie, trixie-backports, sid and experimental (a lab-owned apt view on the machine's own mirror: 6.16 to 7.x)"
      )
    )
    .addOption(flagOption('--json', 'as JSON'))
    .addOption(dbOption())
    .action(action(cli, kernelsList))
  argumentsMessage(
    addCommand(
      kernels,
      'fetch <version>',
      'download a Debian cloud kernel into the cache (apt-get download), e.g. 6.12, 6.12.57, 6.1.0-47-cloud-amd64; a run names it debian-VERSION'
    )
      .addOption(dbOption())
      .action(action(cli, kernelsFetch)),
    'kernels fetch takes one version, e.g. swaplab kernels fetch 6.12'
  )
  argumentsMessage(
    addCommand(kernels, 'remove <version>', 'delete a cached kernel').addOption(dbOption()).action(action(cli, kernelsRemove)),
    'kernels remove takes one version, e.g. swaplab kernels remove 6.12.57-1'
  )
  // `swaplab kernels` alone or `kernels help`: this help; any other word is not a subcommand.
  // (Set after the subcommands are added, which would inherit it.)
  kernels.allowExcessArguments().action(async () => {
    const [sub] = kernels.args
    if (sub !== undefined && sub !== 'help') throw new UsageError(`unknown kernels command "${sub}"; expected list, fetch or remove`)
    kernels.outputHelp()
  })
}

const mib = (n: number | null): string => (n === null ? '' : `${(n / 2 ** 20).toFixed(1)} MiB`)

async function kernelsList(args: ParsedArgs, io: CliIo): Promise<number> {
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

async function kernelsFetch(args: ParsedArgs, io: CliIo): Promise<number> {
  try {
    const k = await fetch(args.positional[0], (line) => io.stderr(`${line}\n`))
    io.stdout(`debian-${k.version}  ${k.release}  ${k.dir}\n`)
    return 0
  } catch (e) {
    // apt said no, or the download failed: one line, no stack trace.
    io.stderr(`swaplab kernels fetch: ${(e as Error).message}\n`)
    return 1
  }
}

async function kernelsRemove(args: ParsedArgs, io: CliIo): Promise<number> {
  const [version] = args.positional
  if (!remove(version)) throw new UsageError(`no cached kernel matches "${version}"; see swaplab kernels list`)
  io.stdout(`removed ${version}\n`)
  return 0
}
