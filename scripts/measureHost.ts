// Host calibration runs (built and started by scripts/measure-host.mjs).
//
//   measure: node scripts/measure-host.mjs --out runs.json [--trials 3] [--only TEXT]
//     runs every case of engine/kernel/calibrationRuns.ts on the host kernel `--trials` times
//     and writes one record per case for `swaplab calibrate --runs runs.json`: the simulated
//     counterpart's config, the kernel's median system and wall time, and every trial.
//   report:  node scripts/measure-host.mjs --report runs.json [--profile FILE]
//     simulates every case under the default profile and under FILE (default: the shipped
//     host profile) and prints kernel vs simulated system time per case, with the residuals.

import * as fs from 'node:fs'
import * as os from 'node:os'
import { runEngine } from '../engine/engine'
import { runOnHost } from '../engine/kernel/host'
import { CALIBRATION_CASES, kernelCaseConfig, simCaseConfig } from '../engine/kernel/calibrationRuns'
import { parseCostProfile } from '../engine/sim/costProfile'
import { BUILTIN_PROFILES } from '../engine/sim/profiles'
import type { CostProfileSpec, EngineConfig } from '../engine/types'

interface Trial {
  systemTimeNs: number
  userTimeNs: number
  wallTimeNs: number
  pswpout: number
  pswpin: number
  majorFaults: number
}

interface RunRecord {
  label: string
  config: EngineConfig
  measured: { systemTimeNs: number; wallTimeNs: number }
  kernelRelease: string
  measuredAt: string
  trials: Trial[]
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const ms = (ns: number): string => (ns / 1e6).toFixed(0)
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`

async function measure(out: string, trials: number, only?: string): Promise<void> {
  const release = os.release()
  const cpus = os.availableParallelism()
  const cases = CALIBRATION_CASES.filter((c) => !only || c.label.includes(only))
  const records: RunRecord[] = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as RunRecord[]) : []
  for (const c of cases) {
    const got: Trial[] = []
    for (let t = 0; t < trials; t++) {
      try {
        const s = await runOnHost(kernelCaseConfig(c))
        got.push({
          systemTimeNs: s.systemTimeNs,
          userTimeNs: s.kernel.userTimeNs ?? 0,
          wallTimeNs: s.wallTimeMs * 1e6,
          pswpout: s.counters.pswpout,
          pswpin: s.counters.pswpin,
          majorFaults: s.counters.majorFaults
        })
        const g = got[got.length - 1]
        process.stderr.write(
          `${c.label} trial ${t}: sys ${ms(g.systemTimeNs)} ms, user ${ms(g.userTimeNs)} ms, wall ${ms(g.wallTimeNs)} ms, pswpout ${g.pswpout}, pswpin ${g.pswpin}\n`
        )
      } catch (e) {
        process.stderr.write(`${c.label} trial ${t}: ${(e as Error).message}\n`)
        if (c.device === 'zram') break
      }
    }
    if (!got.length) continue
    const rec: RunRecord = {
      label: c.label,
      config: simCaseConfig(c, release, cpus),
      measured: { systemTimeNs: median(got.map((g) => g.systemTimeNs)), wallTimeNs: median(got.map((g) => g.wallTimeNs)) },
      kernelRelease: release,
      measuredAt: new Date().toISOString(),
      trials: got
    }
    const i = records.findIndex((r) => r.label === c.label)
    if (i >= 0) records[i] = rec
    else records.push(rec)
    fs.writeFileSync(out, `${JSON.stringify(records, null, 1)}\n`)
  }
}

function report(file: string, profileFile?: string): void {
  const records = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord[]
  let host: CostProfileSpec
  if (profileFile) host = parseCostProfile(JSON.parse(fs.readFileSync(profileFile, 'utf8')), profileFile)
  else if (BUILTIN_PROFILES.host) host = { name: 'host' }
  else throw new Error('no host profile shipped: give --profile FILE')
  const rows: string[][] = []
  let worst = 0
  for (const r of records) {
    const sys = r.trials.map((t) => t.systemTimeNs)
    const spread = (Math.max(...sys) - Math.min(...sys)) / r.measured.systemTimeNs
    const defRun = runEngine({ ...r.config, costProfile: undefined })
    const def = defRun.systemTimeNs
    const fit = runEngine({ ...r.config, costProfile: host }).systemTimeNs
    const kOut = median(r.trials.map((t) => t.pswpout))
    const kIn = median(r.trials.map((t) => t.pswpin))
    const res = (fit - r.measured.systemTimeNs) / r.measured.systemTimeNs
    worst = Math.max(worst, Math.abs(res))
    rows.push([
      r.label,
      `${ms(r.measured.systemTimeNs)} (${ms(Math.min(...sys))}-${ms(Math.max(...sys))}, n=${sys.length}, ±${((spread / 2) * 100).toFixed(0)} %)`,
      `${ms(def)} (${pct((def - r.measured.systemTimeNs) / r.measured.systemTimeNs)})`,
      ms(fit),
      pct(res),
      `${kOut} / ${kIn}`,
      `${defRun.counters.pswpout} / ${defRun.counters.pswpin}`
    ])
  }
  const head = [
    'case',
    'kernel sys ms (median, range)',
    'default-profile sim sys ms',
    'host-profile sim sys ms',
    'residual',
    'kernel pswpout / pswpin',
    'sim pswpout / pswpin'
  ]
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)))
  const line = (cells: string[]): string => `| ${cells.map((c, j) => c.padEnd(w[j])).join(' | ')} |`
  process.stdout.write(
    [
      line(head),
      `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`,
      ...rows.map(line),
      '',
      `worst |residual|: ${(worst * 100).toFixed(1)} %`
    ].join('\n') + '\n'
  )
}

async function main(): Promise<void> {
  const rep = arg('report')
  if (rep) return report(rep, arg('profile'))
  const out = arg('out')
  if (!out) throw new Error('give --out FILE (measure) or --report FILE')
  const trials = Number(arg('trials') ?? 3)
  if (!(Number.isInteger(trials) && trials >= 1)) throw new Error('--trials must be a whole number of at least 1')
  await measure(out, trials, arg('only'))
}

main().catch((e: unknown) => {
  process.stderr.write(`measure-host: ${(e as Error).message}\n`)
  process.exit(1)
})
