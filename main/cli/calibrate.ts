// `swaplab calibrate --runs FILE --out PROFILE`: fits the cost model to measured runs and
// writes a profile file (engine/sim/calibrate.ts does the fit). FILE is a JSON array of
// records, all of one form:
//   { label, config, measured }  config: an engine config (EngineConfigInput) simulating the
//                                measured run; the CLI measures each group's contribution with
//                                the engine and refits around each result (--iterations)
//   { label, counts, measured }  counts already measured (CalibrationCounts)
// measured: { systemTimeNs, wallTimeNs } of the same workload on the kernel.

import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  calibrate,
  calibrateEngine,
  checkEngineConfig,
  resolveEngineConfig,
  runEngine,
  checkParams,
  DEFAULT_FIT_GROUPS,
  type CalibrationRecord,
  type CalibrationResult,
  type EngineWorkload
} from '../../engine/index'
import type { EngineConfigInput } from '../../engine/config'
import { last, UsageError, valueOption, type ParsedArgs } from './args'
import { action, addCommand, dbOption, type RegisterCommand } from './program'
import { fmtNum, table } from './format'

const CALIBRATE_NOTES = `
Fits the cost model's group factors to measured kernel times (non-negative least squares) and
writes a cost profile file for --cost-profile. FILE: a JSON array of { label, config, measured }
or { label, counts, measured } records (docs/cli.md).
`

/** `swaplab calibrate`: its options and help, over calibrateCommand. */
export const registerCalibrate: RegisterCommand = (program, cli) =>
  void addCommand(program, 'calibrate', 'fit the cost model to measured kernel runs and write a profile for --cost-profile')
    .summary('fit the cost model to measured kernel runs: --runs FILE --out PROFILE (swaplab help calibrate)')
    .usage('--runs FILE --out PROFILE [--groups a,b] [--wall-weight W] [--iterations N]')
    .addOption(valueOption('--runs <file>', 'the measured runs (JSON)'))
    .addOption(valueOption('--out <profile>', 'where the fitted profile is written'))
    .addOption(valueOption('--groups <a,b>', `the groups fitted (default ${DEFAULT_FIT_GROUPS.join(',')})`))
    .addOption(valueOption('--wall-weight <w>', 'weight of wall time against system time (default 1, 0 = system time only)'))
    .addOption(valueOption('--iterations <n>', 'refits around each result (default 3)'))
    .addOption(dbOption())
    .addHelpText('after', CALIBRATE_NOTES)
    .action(action(cli, calibrateCommand))

function readRecords(file: string): unknown[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read runs file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new UsageError(`runs file ${file} is not valid JSON: ${(e as Error).message}`)
  }
  if (!Array.isArray(data) || data.length === 0) throw new UsageError(`runs file ${file} must be a non-empty JSON array of records`)
  return data
}

/** Groups, or single constants of COST (fitted alone, e.g. faultBase). */
function parseGroups(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined
  const groups = text.split(',')
  try {
    return checkParams(groups)
  } catch (e) {
    throw new UsageError(`--groups: ${(e as Error).message}`)
  }
}

function positive(flag: string, text: string | undefined, fallback: number, integer = false): number {
  if (text === undefined) return fallback
  const v = Number(text)
  if (!Number.isFinite(v) || v < 0 || (integer && (!Number.isInteger(v) || v < 1)))
    throw new UsageError(`--${flag} must be ${integer ? 'a whole number of at least 1' : 'a number of at least 0'}; got "${text}"`)
  return v
}

export function residualTable(r: CalibrationResult): string {
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
  const ms = (ns: number): string => fmtNum(ns / 1e6)
  const rows = r.residuals.map((x) => [
    x.label,
    ms(x.system.measuredNs),
    ms(x.system.referenceNs),
    ms(x.system.fittedNs),
    pct(x.system.relError),
    ms(x.wall.measuredNs),
    ms(x.wall.fittedNs),
    pct(x.wall.relError)
  ])
  const factors = Object.entries(r.scales)
    .map(([g, s]) => `${g} x${s.toPrecision(4)}`)
    .join(', ')
  return [
    table(
      ['run', 'sys ms (kernel)', 'sys ms (before)', 'sys ms (fitted)', 'sys error', 'wall ms (kernel)', 'wall ms (fitted)', 'wall error'],
      rows
    ),
    `factors: ${factors}`,
    ...(r.unidentified.length ? [`not identified (no run spends time in them; left at x1): ${r.unidentified.join(', ')}`] : []),
    ...(r.atLowerBound.length ? [`at the lower bound (the data say they cost nothing): ${r.atLowerBound.join(', ')}`] : []),
    `RMS relative error: ${pct(r.rms.reference)} before, ${pct(r.rms.fitted)} after`
  ].join('\n')
}

export async function calibrateCommand(args: ParsedArgs, io: { stdout(t: string): void; stderr(t: string): void }): Promise<number> {
  const runsFile = last(args, 'runs')
  const out = last(args, 'out')
  if (!runsFile)
    throw new UsageError(
      'calibrate needs --runs FILE: the measured runs ({ label, config | counts, measured } records; the kernel backend produces them for the host)'
    )
  if (!out) throw new UsageError('calibrate needs --out PROFILE: where the fitted profile is written')
  if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`)
  const raw = readRecords(runsFile)
  // Facts the measuring side put in its records (scripts/measureHost.ts), kept in the profile.
  const facts = (k: string): unknown[] => [...new Set(raw.map((r) => (r as Record<string, unknown>)?.[k]).filter((v) => v !== undefined))]
  const options = {
    groups: parseGroups(last(args, 'groups')),
    wallWeight: positive('wall-weight', last(args, 'wall-weight'), 1),
    name: path.basename(out).replace(/\.json$/, '') || 'calibrated',
    description: `fitted by swaplab calibrate to ${path.basename(runsFile)} on ${new Date().toISOString()}`,
    provenance: {
      fittedAt: new Date().toISOString(),
      kernelReleases: facts('kernelRelease'),
      measuredAt: (facts('measuredAt') as string[]).sort().filter((_, i, all) => i === 0 || i === all.length - 1),
      runSet: raw.map((r, i) => String((r as { label?: unknown })?.label ?? `run ${i}`))
    }
  }
  const withConfig = raw.filter((r) => typeof r === 'object' && r !== null && 'config' in r)
  let result: CalibrationResult
  if (withConfig.length === raw.length) {
    const workloads = raw.map((r, i): EngineWorkload => {
      const rec = r as { label?: unknown; config: EngineConfigInput; measured: EngineWorkload['measured'] }
      for (const k of ['systemTimeNs', 'wallTimeNs'] as const)
        if (!(Number(rec.measured?.[k]) > 0)) throw new UsageError(`runs.${i}.measured.${k} must be a positive number of ns`)
      const config = resolveEngineConfig(rec.config)
      const problems = checkEngineConfig(config)
      if (problems.length) throw new UsageError(`runs.${i}.config.${problems[0].field}: ${problems[0].message}`)
      return { label: String(rec.label ?? `run ${i}`), config, measured: rec.measured }
    })
    io.stderr(`simulating ${workloads.length} runs, each once per group plus once, per iteration...\n`)
    try {
      result = calibrateEngine(workloads, runEngine, { ...options, iterations: positive('iterations', last(args, 'iterations'), 3, true) })
    } catch (e) {
      throw new UsageError((e as Error).message)
    }
  } else if (withConfig.length === 0) {
    try {
      result = calibrate(raw as CalibrationRecord[], options)
    } catch (e) {
      throw new UsageError((e as Error).message)
    }
  } else throw new UsageError('runs file: every record needs either config or counts, not a mix')
  fs.writeFileSync(out, `${JSON.stringify(result.profile, null, 2)}\n`)
  io.stdout(`${residualTable(result)}\nwrote ${out}\n`)
  return 0
}
