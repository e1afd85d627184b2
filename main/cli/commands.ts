// The `swaplab` commands over the lab service. Exit codes: 0 every run done, 1 a run did not
// finish as done (failed, cancelled, interrupted) or an unexpected error, 2 bad input (unknown
// command or option, invalid config, unknown run, unusable database), 130/143 stopped by
// SIGINT/SIGTERM.

import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Command } from 'commander'
import type { CompareData, RunDetail, RunFilter, RunRecord, RunStatus } from '../../experiments/api'
import { formatFieldErrors } from '../../experiments/schema'
import { presets } from '../../experiments/presets'
import { LabService } from '../lab/service'
import { InputError, NotFoundError, PathError, PreflightError } from '../lab/errors'
import { StoreError } from '../lab/store'
import { defaultDbPath } from '../lab/paths'
import { writeSamplesCsv } from '../lab/export'
import { checkOutputPath, writeFilesAtomically } from '../lab/outputFile'
import { DESIGN_NAMES, WORKLOAD_NAMES } from '../../engine/pure'
import type { EngineModuleRef } from '../lab/protocol'
import type { ServeOptions } from '../serve'
import { argumentsMessage, flagOption, last, runIdsFrom, UsageError, valueOption, type ParsedArgs } from './args'
import { addRunOptions, experimentFromArgs } from './experimentFlags'
import { fmtDuration, fmtNum, fmtPercent, table } from './format'
import { progressReporter, type ProgressReporter } from './progress'
import { mainRunIds, sensitivityNotes } from './sensitivityNotes'
import { registerCalibrate } from './calibrate'
import { registerKernels } from './kernels'
import { fidelityCommand, FIDELITY_NOTES } from './fidelity'
import { cancelOnSignals } from './signals'
import {
  action,
  addCommand,
  createProgram,
  dbOption,
  isHelpOrVersion,
  registerHelp,
  type CliContext,
  type CliIo,
  type RegisterCommand
} from './program'
import { kernelBadgeText, kernelCaveats, kernelCaveatsShort } from '../../experiments/kernelBadge'

export type { CliIo } from './program'

const EXIT_OK = 0
const EXIT_RUN_FAILED = 1
const EXIT_BAD_INPUT = 2

const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']

const registerRun: RegisterCommand = (program, cli) =>
  void addRunOptions(
    addCommand(program, 'run', 'runs an experiment: the config file or preset is the base, flags override it').summary(
      'run an experiment: a config file, a preset, or flags (swaplab help run)'
    )
  )
    .usage('[--config FILE | --preset NAME] [options]')
    .action(action(cli, run))

const registerList: RegisterCommand = (program, cli) =>
  void addCommand(program, 'list', 'list recorded runs')
    .addOption(valueOption('--experiment <id>', 'the runs of one experiment'))
    .addOption(valueOption('--status <status>', RUN_STATUSES.join(', ')))
    .addOption(valueOption('--design <design>', DESIGN_NAMES.join(', ')))
    .addOption(valueOption('--workload <workload>', WORKLOAD_NAMES.join(', ')))
    .addOption(flagOption('--json', 'the runs as JSON'))
    .addOption(dbOption())
    .action(action(cli, list))

const registerShow: RegisterCommand = (program, cli) =>
  void argumentsMessage(
    addCommand(program, 'show <id>', 'one run in detail: status, timings, versions, platform, error, headline metrics, config')
      .addOption(flagOption('--json', 'everything, the summary included, as JSON'))
      .addOption(dbOption())
      .action(action(cli, show)),
    'show takes one run id'
  )

const registerCompare: RegisterCommand = (program, cli) =>
  void addCommand(program, 'compare [ids...]', 'runs side by side (mean ± standard deviation) with deltas against a baseline')
    .addOption(valueOption('--experiment <id>', 'the runs of one experiment (default: the most recent, without ids)'))
    .addOption(valueOption('--baseline <run-id>', 'the group of this run is the baseline (default: the first group)'))
    .addOption(valueOption('--metrics <a,b>', 'these metrics (default: the headline metrics)'))
    .addOption(flagOption('--all', 'every metric'))
    .addOption(flagOption('--json', 'the comparison as JSON (every statistic)'))
    .addOption(dbOption())
    .action(action(cli, compare))

const registerExport: RegisterCommand = (program, cli) =>
  void addCommand(program, 'export [ids...]', 'runs as CSV (hyperfine-style summary and samples) or JSON (whole runs)')
    .addOption(valueOption('--experiment <id>', 'the runs of one experiment (default: the most recent, without ids)'))
    .addOption(valueOption('--format <csv|json>', 'csv: FILE gets the summary, FILE-samples.csv the samples (default csv)'))
    .addOption(valueOption('--out <file>', 'where to write (default: the summary or JSON on stdout)'))
    .addOption(flagOption('--force', 'write over an existing file (never over the database or an SQLite file)'))
    .addOption(flagOption('--per-trial', 'one summary row per run instead of per design variant and sweep point'))
    .addOption(dbOption())
    .action(action(cli, exportCommand))

const registerImport: RegisterCommand = (program, cli) =>
  void argumentsMessage(
    addCommand(program, 'import <file>', 'add the runs of a JSON export (e.g. from another machine) as new experiments')
      .addOption(dbOption())
      .action(action(cli, importCommand)),
    'import takes one file (a JSON export)'
  )

const registerDelete: RegisterCommand = (program, cli) =>
  void addCommand(program, 'delete [ids...]', 'delete runs with their samples (finished runs only): IDS... or --experiment ID')
    .addOption(valueOption('--experiment <id>', 'every run of one experiment'))
    .addOption(dbOption())
    .action(action(cli, deleteCommand))

const registerPresets: RegisterCommand = (program, cli) =>
  void addCommand(program, 'presets', 'list the shipped presets and what each shows')
    .addOption(flagOption('--json', 'the presets with their configs as JSON'))
    .addOption(dbOption())
    .action(action(cli, listPresets))

/** `serve` lives with the web bridge (main/serve.ts); loaded only when asked for. */
const registerServe: RegisterCommand = (program, cli) =>
  void addCommand(program, 'serve', 'serve the lab to a browser on this machine (127.0.0.1, with a random access token)')
    .addOption(valueOption('--port <n>', 'port to listen on (default: a free port)'))
    .addOption(dbOption())
    .action(action(cli, serve))

const registerFidelity: RegisterCommand = (program, cli) =>
  void addCommand(program, 'fidelity', 'the fidelity set on real kernels and their paired designs, and its report')
    .summary('the fidelity set on real kernels and their paired designs, and its report (swaplab help fidelity)')
    .usage(
      '[--kernels host,debian-6.12,...] [--quick | --cases LIST] [--stamp STAMP] [--json] [--markdown FILE [--force]] | --resimulate [--stamp STAMP] [--cases LIST] | --report [--stamp STAMP]'
    )
    .addOption(
      valueOption(
        '--kernels <list>',
        'kernel images: host, debian-<version> (default: the host plus the oldest cached Debian kernel of each simulated design the host does not pair with); one that cannot run here is skipped with the reason'
      )
    )
    .addOption(flagOption('--quick', 'the CI-sized set'))
    .addOption(valueOption('--cases <list>', 'only these cases (ids below)'))
    .addOption(
      valueOption('--stamp <stamp>', 'with a run: add to that recorded set; with --report: the report of that set instead of the newest')
    )
    .addOption(
      flagOption(
        '--resimulate',
        'run only the simulated designs of the newest recorded set (or --stamp), for its kernels and cases, against its kernel runs (after the simulation changed); the report uses the newest simulated runs'
      )
    )
    .addOption(flagOption('--report', 'do not run: rebuild the report of the newest set (or --stamp) from the store'))
    .addOption(flagOption('--json', 'the report as JSON on stdout'))
    .addOption(valueOption('--markdown <file>', 'also write the report as markdown (an existing file only with --force)'))
    .addOption(flagOption('--force', 'write over an existing markdown file'))
    .addOption(flagOption('--quiet', 'no progress bar'))
    .addOption(dbOption())
    .addHelpText('after', FIDELITY_NOTES)
    .action(action(cli, fidelity))

const registerVersion: RegisterCommand = (program, cli) =>
  void program.command('version', { hidden: true }).action(() => {
    cli.io.stdout(`swaplab ${cli.io.appVersion}\n`)
  })

/** Every command, in the order `swaplab help` lists them. A new command: one register function here. */
const COMMANDS: RegisterCommand[] = [
  registerRun,
  registerList,
  registerShow,
  registerCompare,
  registerExport,
  registerImport,
  registerDelete,
  registerPresets,
  registerCalibrate,
  registerKernels,
  registerFidelity,
  registerServe,
  registerVersion,
  registerHelp
]

/** The `swaplab` program with every command registered (tests read its help and options). */
export function buildProgram(cli: CliContext): Command {
  const program = createProgram(cli.io)
  for (const register of COMMANDS) register(program, cli)
  return program
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const cli: CliContext = { io, exitCode: EXIT_OK }
  try {
    const program = buildProgram(cli)
    if (argv.length === 0) {
      program.outputHelp()
      return EXIT_OK
    }
    await program.parseAsync(argv, { from: 'user' })
    return cli.exitCode
  } catch (e) {
    if (isHelpOrVersion(e)) return EXIT_OK
    return fail(e, io, argv.includes('--json'))
  }
}

/** serve's options, checked: the port a whole number from 0 to 65535, the database made absolute. */
export function serveOptions(args: ParsedArgs): ServeOptions {
  const text = last(args, 'port') ?? '0'
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535; got ${text}`)
  const db = last(args, 'db')
  return { port, ...(db === undefined ? {} : { db: path.resolve(db) }) }
}

async function serve(args: ParsedArgs): Promise<number> {
  const options = serveOptions(args)
  let serveCommand: (options: ServeOptions) => Promise<number>
  try {
    ;({ serveCommand } = await import('../serve'))
  } catch (e) {
    throw new UsageError(`serve is not available in this build (${(e as Error).message})`)
  }
  return serveCommand(options)
}

/** SQLite's codes for a database that cannot be written now (full disk, I/O error, read-only). */
const STORE_WRITE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED)/

function fail(e: unknown, io: CliIo, json = false): number {
  const code = fail1(e, io)
  if (json) io.stdout(`${JSON.stringify({ error: (e as Error)?.message ?? String(e) })}\n`)
  return code
}

function fail1(e: unknown, io: CliIo): number {
  if (e instanceof PreflightError) {
    io.stderr(`swaplab: cannot start (nothing was recorded):\n${indent(formatFieldErrors(e.errors))}\n`)
    return EXIT_BAD_INPUT
  }
  const sqliteCode = (e as { code?: unknown })?.code
  if (typeof sqliteCode === 'string' && STORE_WRITE_CODES.test(sqliteCode)) {
    io.stderr(`swaplab: the run database could not be used: ${(e as Error).message}\n`)
    return EXIT_RUN_FAILED
  }
  if (e instanceof InputError) {
    io.stderr(`swaplab: invalid input:\n${indent(formatFieldErrors(e.errors))}\n`)
    return EXIT_BAD_INPUT
  }
  if (e instanceof UsageError || e instanceof NotFoundError || e instanceof StoreError || e instanceof PathError) {
    io.stderr(`swaplab: ${e.message}\n`)
    return EXIT_BAD_INPUT
  }
  io.stderr(`swaplab: ${(e as Error)?.stack ?? String(e)}\n`)
  return EXIT_RUN_FAILED
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')

/** Tests (and only tests) swap the engine through the environment; see docs/cli.md. */
function engineFromEnv(env: NodeJS.ProcessEnv): EngineModuleRef | undefined {
  if (!env.SWAPLAB_ENGINE_MODULE) return undefined
  return {
    module: path.resolve(env.SWAPLAB_ENGINE_MODULE),
    options: env.SWAPLAB_ENGINE_OPTIONS ? JSON.parse(env.SWAPLAB_ENGINE_OPTIONS) : undefined
  }
}

/** `log` prints the kernel's lines of kernel runs (default: straight to stderr). */
function openLab(args: ParsedArgs, io: CliIo, log: (text: string) => void = io.stderr): LabService {
  const dbPath = path.resolve(last(args, 'db') ?? defaultDbPath(io.env))
  const lab = new LabService({
    dbPath,
    appVersion: io.appVersion,
    trustConfigPaths: true,
    deviceDir: io.env.SWAPLAB_DEVICE_DIR || undefined,
    engine: engineFromEnv(io.env),
    onKernelLog: (line) => log(`kernel: ${line}\n`)
  })
  if (lab.store.recoveryWarning) io.stderr(`swaplab: warning: ${lab.store.recoveryWarning}\n`)
  return lab
}

async function withLab<T>(args: ParsedArgs, io: CliIo, fn: (lab: LabService) => Promise<T>): Promise<T> {
  const lab = openLab(args, io)
  try {
    return await fn(lab)
  } finally {
    await lab.close()
  }
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const input = experimentFromArgs(args)
  const json = last(args, 'json') === 'true'
  let progress: ProgressReporter | null = null
  // A kernel's lines go above the progress bar, not into it.
  const lab = openLab(args, io, (text) => (progress ? progress.log(text) : io.stderr(text)))
  const signals = cancelOnSignals(lab, io)
  try {
    const v = await lab.validate(input)
    if (!v.ok) throw new InputError(v.errors)
    progress = last(args, 'quiet') === 'true' ? null : progressReporter({ tty: io.stderrTty, write: io.stderr, columns: io.columns })
    if (progress) lab.subscribe(progress.onEvent)
    const { experimentId, runIds } = await lab.start(v.config)
    if (progress)
      io.stderr(
        `experiment ${experimentId} "${v.config.name}": ${runIds.length} run${runIds.length === 1 ? '' : 's'} queued in ${lab.store.file}\n`
      )
    const runs = await lab.waitForRuns(runIds)
    progress?.end()
    // The database could not be written (a full disk): say so, whatever else is printed.
    const storeError = lab.storeFailure
      ? `the run database ${lab.store.file} could not be written (${lab.storeFailure}); the runs after the failure were not started`
      : null
    if (storeError) io.stderr(`swaplab: ${storeError}\n`)
    if (json) {
      const details = await Promise.all(runIds.map((id) => lab.getRun(id)))
      const out = { experimentId, db: lab.store.file, ...(storeError ? { error: storeError } : {}), runs: details.map(runJson) }
      io.stdout(`${JSON.stringify(out, null, 2)}\n`)
    } else {
      const done = runs.filter((r) => r.status === 'done').map((r) => r.id)
      if (done.length)
        io.stdout(
          `${compareTable(await lab.compare(mainRunIds(runs, done)), headlineKeys(runs))}\n${await sensitivityNotes(lab, runs, headlineKeys(runs))}`
        )
      io.stdout(`experiment ${experimentId}: ${summarizeStatuses(runs)}\n`)
    }
    const stopped = signals.stoppedExit()
    if (stopped !== null) return stopped
    return runs.every((r) => r.status === 'done') ? EXIT_OK : EXIT_RUN_FAILED
  } finally {
    // A bar left running would keep redrawing (and the process alive) after an error.
    progress?.end()
    signals.off()
    await lab.close()
  }
}

function runJson(d: RunDetail): object {
  return {
    id: d.id,
    status: d.status,
    variant: d.variantLabel,
    design: d.design,
    workload: d.workload,
    point: d.point,
    trial: d.trial,
    seed: d.seed,
    wallTimeMs: d.wallTimeMs,
    error: d.error,
    headline: d.headline,
    summary: d.summary
  }
}

function summarizeStatuses(runs: RunRecord[]): string {
  const counts = new Map<RunStatus, number>()
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
  const text = [...counts].map(([s, n]) => `${n} ${s}`).join(', ')
  const failed = runs.filter((r) => r.error)
  return `${text}${failed.length ? `\n${failed.map((r) => `  run ${r.id} ${r.status}: ${r.error}`).join('\n')}` : ''}`
}

function headlineKeys(runs: RunRecord[]): string[] {
  const keys: string[] = []
  for (const r of runs) for (const k of Object.keys(r.headline ?? {})) if (!keys.includes(k)) keys.push(k)
  return keys
}

/** Up to this many groups go side by side as columns; more (sweeps) become rows. */
const MAX_GROUP_COLUMNS = 6

/**
 * Compared groups with mean ± standard deviation and the change against the baseline: groups
 * as columns and metrics as rows, or, for more than MAX_GROUP_COLUMNS groups, the other way round.
 */
export function compareTable(c: CompareData, metrics: string[]): string {
  // Group keys start with the experiment id; name it when runs of several experiments are compared.
  const experimentOf = (key: string): string => key.slice(0, key.indexOf('/'))
  const several = new Set(c.groups.map((g) => experimentOf(g.key))).size > 1
  const title = (g: CompareData['groups'][number]): string =>
    `${groupTitle(g.variantLabel, g.point)}${g.kernel ? ` [${kernelBadgeText(g.kernel).replace(/^kernel /, '')}]` : ''}${several ? ` [exp ${experimentOf(g.key)}]` : ''} (n=${Object.values(g.metrics)[0]?.n ?? 0}${c.baselineKeys.includes(g.key) ? ', baseline' : ''})`
  const cell = (g: CompareData['groups'][number], m: string): string => {
    const s = g.metrics[m]
    if (!s) return '-'
    // Rounding noise (1e-18 on equal trials) is no spread.
    const spread = s.n > 1 ? ` ± ${s.stddev > Math.abs(s.mean) * 1e-12 ? fmtNum(s.stddev) : '0'}` : ''
    const delta = c.baselineKeys.includes(g.key) ? '' : fmtPercent(c.deltas[m]?.[g.key])
    return `${fmtNum(s.mean)}${spread}${delta ? `  ${delta}` : ''}`
  }
  const shown = metrics.filter((m) => c.groups.some((g) => g.metrics[m]))
  // One line per kernel variant, however many sweep points it has.
  const notes = [
    ...new Set(
      c.groups
        .filter((g) => g.kernel && kernelCaveatsShort(g.kernel).length)
        .map((g) => `  ${g.variantLabel}: ${kernelCaveatsShort(g.kernel!).join('; ')}`)
    )
  ]
  const footer = notes.length ? `\n${notes.join('\n')}\n  (- : not measured by that run)` : ''
  if (c.groups.length > MAX_GROUP_COLUMNS)
    return (
      table(
        ['group', ...shown],
        c.groups.map((g) => [title(g), ...shown.map((m) => cell(g, m))])
      ) + footer
    )
  return (
    table(
      ['metric', ...c.groups.map(title)],
      shown.map((m) => [m, ...c.groups.map((g) => cell(g, m))])
    ) + footer
  )
}

function groupTitle(label: string, point: Record<string, unknown>): string {
  const p = Object.entries(point)
    .map(([k, v]) => `${k.split('.').at(-1)}=${v}`)
    .join(' ')
  return p ? `${label} ${p}` : label
}

async function selectRuns(args: ParsedArgs, lab: LabService): Promise<number[]> {
  const experiment = last(args, 'experiment')
  if (args.positional.length && experiment) throw new UsageError('give run ids or --experiment, not both')
  if (args.positional.length) return runIdsFrom(args.positional)
  let experimentId: number
  if (experiment !== undefined) experimentId = parseExperimentId(experiment)
  else {
    const latest = (await lab.listRuns()).at(-1)
    if (!latest) throw new NotFoundError('the database has no runs yet')
    experimentId = latest.experimentId
  }
  const ids = (await lab.listRuns({ experimentId })).map((r) => r.id)
  if (!ids.length) throw new NotFoundError(`experiment ${experimentId} has no runs`)
  return ids
}

/** A value that must be one of a list, or a UsageError naming the option, the value and the choices. */
function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${option}: "${value}" is not one of ${allowed.join(', ')}`)
  return value as T
}

function parseExperimentId(value: string): number {
  const id = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(id) || id < 1)
    throw new UsageError(`--experiment: "${value}" is not an experiment id (a positive integer)`)
  return id
}

/** list's filters, each checked: a typo must not read as "no runs". */
function listFilter(args: ParsedArgs): RunFilter {
  const filter: RunFilter = {}
  const e = last(args, 'experiment')
  if (e !== undefined) filter.experimentId = parseExperimentId(e)
  const status = last(args, 'status')
  if (status !== undefined) filter.status = oneOf('status', status, RUN_STATUSES)
  const design = last(args, 'design')
  if (design !== undefined) filter.design = oneOf('design', design, DESIGN_NAMES)
  const workload = last(args, 'workload')
  if (workload !== undefined) filter.workload = oneOf('workload', workload, WORKLOAD_NAMES)
  return filter
}

async function list(args: ParsedArgs, io: CliIo): Promise<number> {
  const filter = listFilter(args)
  return withLab(args, io, async (lab) => {
    const runs = await lab.listRuns(filter)
    if (last(args, 'json') === 'true') io.stdout(`${JSON.stringify(runs, null, 2)}\n`)
    else if (!runs.length) io.stdout('no runs\n')
    else {
      const rows = runs.map((r) => [
        String(r.id),
        `${r.experimentId} ${r.experimentName}`,
        `${groupTitle(r.variantLabel, r.point)}${r.kernel ? ` [${r.kernel.release}]` : ''}`,
        r.workload,
        String(r.trial),
        String(r.seed),
        r.status,
        r.wallTimeMs === null ? '-' : fmtDuration(r.wallTimeMs / 1000),
        r.headline?.sim_time_s !== undefined ? fmtNum(r.headline.sim_time_s) : '-',
        r.createdAt.slice(0, 19).replace('T', ' ')
      ])
      io.stdout(
        `${table(['id', 'experiment', 'variant', 'workload', 'trial', 'seed', 'status', 'wall', 'sim_time_s', 'created (UTC)'], rows, (c) => [0, 4, 5, 7, 8].includes(c))}\n`
      )
    }
    return EXIT_OK
  })
}

async function show(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positional.length !== 1) throw new UsageError('show takes one run id')
  const [id] = runIdsFrom(args.positional)
  return withLab(args, io, async (lab) => {
    const d = await lab.getRun(id)
    if (last(args, 'json') === 'true') {
      io.stdout(`${JSON.stringify(d, null, 2)}\n`)
      return EXIT_OK
    }
    const lines: [string, string][] = [
      ['run', `${d.id} (experiment ${d.experimentId} "${d.experimentName}")`],
      ['variant', groupTitle(d.variantLabel, d.point)],
      ['workload', d.workload],
      ['trial / seed', `${d.trial} / ${d.seed}`],
      ['status', d.status],
      ['storage', d.storage],
      ['created', d.createdAt],
      ['started', d.startedAt ?? '-'],
      ['finished', d.finishedAt ?? '-'],
      ['wall time', d.wallTimeMs === null ? '-' : fmtDuration(d.wallTimeMs / 1000)],
      ['versions', `engine ${d.engineVersion}, swaplab ${d.appVersion}`],
      ['platform', d.platform],
      ['samples', String((await lab.getSamples(id, 1)).totalSamples)]
    ]
    if (d.kernel) {
      lines.push(['kernel', kernelBadgeText(d.kernel).replace(/^kernel /, '')])
      for (const caveat of kernelCaveats(d.kernel)) lines.push(['', caveat])
    }
    if (d.error) lines.push(['error', d.error])
    if (d.note) lines.push(['note', d.note])
    if (d.tags.length) lines.push(['tags', d.tags.join(', ')])
    for (const [k, v] of Object.entries(d.headline ?? {})) lines.push([k, fmtNum(v)])
    const w = Math.max(...lines.map(([k]) => k.length))
    lines.push(['config', JSON.stringify(d.config)])
    io.stdout(`${lines.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`)
    return EXIT_OK
  })
}

async function compare(args: ParsedArgs, io: CliIo): Promise<number> {
  return withLab(args, io, async (lab) => {
    const ids = await selectRuns(args, lab)
    const b = last(args, 'baseline')
    const baseline = b === undefined ? undefined : runIdsFrom([b])[0]
    if (last(args, 'json') === 'true') {
      io.stdout(`${JSON.stringify(await lab.compare(ids, baseline), null, 2)}\n`)
      return EXIT_OK
    }
    const runs = await lab.listRuns({ ids } as RunFilter)
    // Sensitivity runs are not trials of the main groups: they go in the notes under the table.
    const shown = mainRunIds(runs, ids)
    const c = await lab.compare(baseline === undefined || shown.includes(baseline) ? shown : ids, baseline)
    let metrics = headlineKeys(runs)
    if (last(args, 'all') === 'true') metrics = [...new Set(c.groups.flatMap((g) => Object.keys(g.metrics)))]
    if (last(args, 'metrics')) metrics = last(args, 'metrics')!.split(',')
    if (!c.groups.some((g) => Object.keys(g.metrics).length)) io.stdout('none of these runs finished as done; nothing to compare\n')
    else io.stdout(`${compareTable(c, metrics)}\n${await sensitivityNotes(lab, runs, metrics, baseline)}`)
    return EXIT_OK
  })
}

async function exportCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = last(args, 'format') ?? 'csv'
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json; got "${format}"`)
  const out = last(args, 'out')
  const force = last(args, 'force') === 'true'
  const samplesPath = out?.replace(/(\.csv)?$/i, '-samples.csv')
  return withLab(args, io, async (lab) => {
    // Every target is checked before anything is written: never the database, never an SQLite
    // file, never an existing file without --force.
    const targets = out ? (format === 'csv' ? [out, samplesPath!] : [out]) : []
    for (const t of targets) checkOutputPath(t, { force, protect: [lab.store.file] })
    const ids = await selectRuns(args, lab)
    if (format === 'json') {
      const json = await lab.exportJson(ids)
      if (out) {
        writeFilesAtomically([{ file: out, write: (put) => put(json) }])
        io.stderr(`wrote ${ids.length} runs to ${out}\n`)
      } else io.stdout(`${json}\n`)
      return EXIT_OK
    }
    const summaryCsv = await lab.exportSummaryCsv(ids, last(args, 'per-trial') === 'true')
    if (!out) {
      io.stdout(summaryCsv)
      return EXIT_OK
    }
    writeFilesAtomically([
      { file: out, write: (put) => put(summaryCsv) },
      { file: samplesPath!, write: (put) => writeSamplesCsv(lab.store, ids, put) }
    ])
    io.stderr(`wrote the summary of ${ids.length} runs to ${out} and their samples to ${samplesPath}\n`)
    return EXIT_OK
  })
}

async function importCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positional.length !== 1) throw new UsageError('import takes one file (a JSON export)')
  const file = args.positional[0]
  let json: string
  try {
    json = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`)
  }
  return withLab(args, io, async (lab) => {
    const { runIds } = await lab.importJson(json)
    io.stdout(`imported ${runIds.length} runs: ${runIds.join(' ')}\n`)
    return EXIT_OK
  })
}

async function deleteCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (!args.positional.length && last(args, 'experiment') === undefined) throw new UsageError('delete needs run ids or --experiment ID')
  return withLab(args, io, async (lab) => {
    const ids = await selectRuns(args, lab)
    const n = await lab.deleteRuns(ids)
    io.stdout(`deleted ${n} run${n === 1 ? '' : 's'}\n`)
    return EXIT_OK
  })
}

async function listPresets(args: ParsedArgs, io: CliIo): Promise<number> {
  const all = presets()
  if (last(args, 'json') === 'true') io.stdout(`${JSON.stringify(all, null, 2)}\n`)
  else io.stdout(`${all.map((p) => `${p.id.padEnd(22)}${p.shows}`).join('\n')}\n`)
  return EXIT_OK
}

/** `swaplab fidelity` (main/cli/fidelity.ts): its options mapped onto the command's plain ones. */
async function fidelity(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positional.length) throw new UsageError(`fidelity takes no arguments; got "${args.positional[0]}"`)
  const flag = (k: string): boolean => last(args, k) === 'true'
  const kernels = last(args, 'kernels')
  const list = kernels
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean)
  if (kernels !== undefined && !list?.length) throw new UsageError('--kernels needs at least one kernel image, e.g. host,debian-6.12')
  const cases = last(args, 'cases')
  const options = {
    kernels: list,
    cases: cases
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    quick: flag('quick'),
    report: flag('report'),
    stamp: last(args, 'stamp'),
    resimulate: flag('resimulate'),
    json: flag('json'),
    markdown: last(args, 'markdown'),
    force: flag('force'),
    quiet: flag('quiet')
  }
  return withLab(args, io, (lab) => fidelityCommand(options, lab, io))
}
