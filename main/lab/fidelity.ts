// The fidelity set through the lab service: which kernels it runs on here (skipping, with a
// reason, those that cannot run), its experiments started as ordinary experiments named
// `fidelity/<stamp>/<case>`, and the report rebuilt from the runs the store holds.

import * as os from 'node:os'
import { MAX_CPUS } from '../../engine/pure'
import { pairedDesign } from '../../engine/kernel/releases'
import type {
  ExperimentConfig,
  FidelityReport,
  FidelitySkip,
  FidelityStartOptions,
  FidelityStarted,
  RunDetail,
  RunRecord
} from '../../experiments/api'
import {
  buildFidelityReport,
  FIDELITY_CASES,
  FIDELITY_NAME_PREFIX,
  fidelityPlan,
  fidelityStamp,
  fidelityStamps,
  hostProfileFitted,
  parseFidelityName,
  type FidelityKernel
} from '../../experiments/fidelity'
import { variantLabel } from '../../experiments/sweep'
import { toEngineConfig } from '../../experiments/sweep'
import { validateExperiment } from '../../experiments/schema'
import { InputError } from './errors'
import { hostProblem, vmProblem, type PreflightDeps } from './preflight'

/** What the fidelity functions need of the lab service. */
export interface FidelityLab {
  listRuns(filter?: { experimentId?: number }): Promise<RunRecord[]>
  getRun(runId: number): Promise<RunDetail>
  start(config: unknown): Promise<{ experimentId: number; runIds: number[] }>
  setTags(runId: number, tags: string[]): Promise<void>
}

/** At most this many kernels in one set. */
const MAX_FIDELITY_KERNELS = 12

/** Checks what a front end sent: `{ kernels?: string[], quick?: boolean }`. */
export function checkFidelityOptions(input: unknown): FidelityStartOptions {
  if (input === undefined || input === null) return {}
  if (typeof input !== 'object' || Array.isArray(input))
    throw new InputError([{ field: 'options', message: 'must be an object { kernels?, quick?, cases?, stamp?, resimulate? }' }])
  const o = input as Record<string, unknown>
  const unknown = Object.keys(o).filter((k) => !['kernels', 'quick', 'cases', 'stamp', 'resimulate'].includes(k))
  if (unknown.length) throw new InputError(unknown.map((k) => ({ field: `options.${k}`, message: 'unknown field' })))
  for (const key of ['quick', 'resimulate'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      throw new InputError([{ field: `options.${key}`, message: `must be true or false; got ${JSON.stringify(o[key])}` }])
  const list = (key: 'kernels' | 'cases', what: string, max: number): string[] | undefined => {
    const v = o[key]
    if (v === undefined) return undefined
    if (!Array.isArray(v) || v.some((k) => typeof k !== 'string' || !k.trim()))
      throw new InputError([{ field: `options.${key}`, message: `must be a list of ${what}` }])
    if (!v.length) throw new InputError([{ field: `options.${key}`, message: `needs at least one of ${what}` }])
    if (v.length > max) throw new InputError([{ field: `options.${key}`, message: `at most ${max}` }])
    return v.map((k: string) => k.trim())
  }
  const kernels = list('kernels', 'kernel images (host, debian-6.12, ...)', MAX_FIDELITY_KERNELS)
  const cases = list('cases', `cases (${FIDELITY_CASES.map((c) => c.id).join(', ')})`, FIDELITY_CASES.length)
  const unknownCase = cases?.find((c) => !FIDELITY_CASES.some((x) => x.id === c))
  if (unknownCase)
    throw new InputError([
      { field: 'options.cases', message: `unknown case "${unknownCase}"; expected some of ${FIDELITY_CASES.map((c) => c.id).join(', ')}` }
    ])
  if (o.stamp !== undefined && (typeof o.stamp !== 'string' || !/^[0-9A-Za-z._-]{1,64}$/.test(o.stamp)))
    throw new InputError([{ field: 'options.stamp', message: `"${String(o.stamp)}" is not a fidelity set stamp (e.g. 20261128T0740Z)` }])
  if (o.resimulate === true && (kernels || o.quick === true))
    throw new InputError([
      {
        field: 'options.resimulate',
        message: 'simulates a recorded set again for the kernels and cases it recorded: give --stamp or --cases, not --kernels or --quick'
      }
    ])
  return {
    kernels,
    quick: o.quick as boolean | undefined,
    cases,
    stamp: o.stamp as string | undefined,
    resimulate: o.resimulate as boolean | undefined
  }
}

const versionKey = (v: string): number[] => (/^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v)?.slice(1) ?? []).map((x) => Number(x ?? 0))
const byVersion = (a: string, b: string): number => {
  const x = versionKey(a)
  const y = versionKey(b)
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

/**
 * The kernels the set runs on. Asked for by name: each resolved (a Debian kernel is fetched if
 * apt has it). By default: the host, plus, for each simulated design the host does not already
 * pair with, the oldest cached Debian kernel of that design's era (the release its boundary
 * was established on). A kernel that cannot run here is skipped with a one-line reason.
 */
export async function fidelityKernels(
  requested: string[] | undefined,
  deps: PreflightDeps,
  log?: (line: string) => void
): Promise<{ kernels: FidelityKernel[]; skipped: FidelitySkip[] }> {
  const kernels: FidelityKernel[] = []
  const skipped: FidelitySkip[] = []
  const onVm = vmProblem(deps)
  const want = requested ?? defaultKernels(deps)
  for (const image of [...new Set(want)]) {
    if (image === 'host') {
      const problem = hostProblem(deps)
      if (problem) skipped.push({ image, caseId: null, reason: problem })
      else kernels.push({ image, release: os.release() })
      continue
    }
    if (onVm) {
      skipped.push({ image, caseId: null, reason: onVm })
      continue
    }
    try {
      const r = await deps.resolveImage(image, undefined, { fetch: true, log })
      kernels.push({ image: r.image, release: r.release })
    } catch (e) {
      skipped.push({ image, caseId: null, reason: ((e as Error).message ?? String(e)).split('\n')[0] })
    }
  }
  return { kernels, skipped }
}

function defaultKernels(deps: PreflightDeps): string[] {
  const out = ['host']
  const covered = new Set<string>()
  const host = pairedDesign(os.release())
  if (host && !hostProblem(deps)) covered.add(variantLabel({ design: host.design, options: host.options }))
  const cached = deps
    .listCached()
    .filter((k) => !k.missing.length)
    .sort((a, b) => byVersion(a.upstream, b.upstream))
  for (const k of cached) {
    const p = pairedDesign(k.release)
    if (!p) continue
    const label = variantLabel({ design: p.design, options: p.options })
    if (covered.has(label)) continue
    covered.add(label)
    out.push(`debian-${k.version}`)
  }
  return out
}

/** Plans the set on the kernels that can run here and starts each case as an experiment. */
export async function startFidelitySet(
  lab: FidelityLab,
  input: unknown,
  deps: PreflightDeps,
  log?: (line: string) => void,
  now = new Date()
): Promise<FidelityStarted> {
  const options = checkFidelityOptions(input)
  if (options.resimulate) return resimulateSet(lab, options)
  const { kernels, skipped } = await fidelityKernels(options.kernels, deps, log)
  // The host program and its knobs are checked once here, so a host that cannot run is a skip, not a refused set.
  const host = kernels.find((k) => k.image === 'host')
  if (host) {
    const probe = validateExperiment({
      designs: [{ design: 'kernel', options: { image: 'host' } }],
      workload: structuredClone(FIDELITY_CASES[0].workload),
      memoryLimitBytes: FIDELITY_CASES[0].memoryLimitBytes,
      devices: [{ sizeBytes: FIDELITY_CASES[0].deviceSizeBytes }]
    })
    if (probe.ok)
      try {
        await deps.hostPreflight(toEngineConfig(probe.config, probe.config.designs[0], 1))
      } catch (e) {
        kernels.splice(kernels.indexOf(host), 1)
        skipped.push({ image: 'host', caseId: null, reason: ((e as Error).message ?? String(e)).split('\n')[0] })
      }
  }
  if (!kernels.length)
    throw new InputError([
      { field: 'kernels', message: `no kernel can run the fidelity set here: ${skipped.map((s) => `${s.image}: ${s.reason}`).join('; ')}` }
    ])
  const stamp = options.stamp ?? fidelityStamp(now)
  const cpus = Math.max(1, Math.min(os.cpus().length, MAX_CPUS))
  const plan = fidelityPlan({ kernels, quick: options.quick === true, stamp, cpus, hostProfile: hostProfileFitted(), cases: options.cases })
  return { ...(await startTagged(lab, stamp, plan.experiments)), skipped: [...skipped, ...plan.skipped] }
}

/** Starts the set's experiments and tags their runs `fidelity` and `fidelity:<stamp>`. */
async function startTagged(lab: FidelityLab, stamp: string, experiments: ExperimentConfig[]): Promise<Omit<FidelityStarted, 'skipped'>> {
  const experimentIds: number[] = []
  const runIds: number[] = []
  for (const config of experiments) {
    const started = await lab.start(config)
    experimentIds.push(started.experimentId)
    runIds.push(...started.runIds)
    for (const id of started.runIds) await lab.setTags(id, ['fidelity', `fidelity:${stamp}`])
  }
  return { stamp, experimentIds, runIds }
}

/**
 * Simulates a recorded set again: the kernels and cases are the ones its kernel runs recorded
 * (only those that completed), the kernel runs are kept, and each case gains a new experiment
 * of the simulated designs under the same name, which the report then prefers.
 */
async function resimulateSet(lab: FidelityLab, options: FidelityStartOptions): Promise<FidelityStarted> {
  const records = (await lab.listRuns()).filter((r) => r.experimentName.startsWith(FIDELITY_NAME_PREFIX))
  const stamp = options.stamp ?? fidelityStamps(records.map((r) => r.experimentName))[0]
  if (!stamp) throw new InputError([{ field: 'stamp', message: 'no fidelity set is recorded here to simulate again; run one first' }])
  const kernelRuns = records.filter(
    (r) => parseFidelityName(r.experimentName)?.stamp === stamp && r.design === 'kernel' && r.status === 'done'
  )
  if (!kernelRuns.length)
    throw new InputError([{ field: 'stamp', message: `fidelity set ${stamp} has no completed kernel run to simulate against` }])
  // Keyed by the image the runs report: a label may carry options ("kernel host lru=classic").
  const kernels = new Map<string, FidelityKernel>()
  const seen = new Set<string>()
  const recorded = new Set<string>()
  for (const r of kernelRuns) {
    recorded.add(parseFidelityName(r.experimentName)!.caseId)
    if (seen.has(r.variantLabel)) continue
    seen.add(r.variantLabel)
    const info = (await lab.getRun(r.id)).summary?.kernel
    if (info?.release && info.image && !kernels.has(info.image)) kernels.set(info.image, { image: info.image, release: info.release })
  }
  const cases = [...recorded].filter((c) => !options.cases || options.cases.includes(c))
  if (!cases.length)
    throw new InputError([{ field: 'options.cases', message: `fidelity set ${stamp} recorded none of ${options.cases!.join(', ')}` }])
  const cpus = Math.max(1, Math.min(os.cpus().length, MAX_CPUS))
  const plan = fidelityPlan({
    kernels: [...kernels.values()],
    quick: false,
    stamp,
    cpus,
    hostProfile: hostProfileFitted(),
    cases,
    simulatedOnly: true
  })
  // A case recorded with --quick ran one trial: simulate it the same way.
  const trialsOf = (config: ExperimentConfig): number => {
    const c = parseFidelityName(config.name)!.caseId
    const trials = new Set(kernelRuns.filter((r) => parseFidelityName(r.experimentName)!.caseId === c).map((r) => r.trial)).size
    return Math.max(1, Math.min(config.trials, trials))
  }
  const experiments = plan.experiments.map((config) => ({ ...config, trials: trialsOf(config) }))
  return { ...(await startTagged(lab, stamp, experiments)), skipped: plan.skipped }
}

/** The report of a set (the newest without a stamp) from the recorded runs, or null when the store has none. */
export async function fidelityReportFrom(lab: FidelityLab, stamp?: string): Promise<FidelityReport | null> {
  if (stamp !== undefined && (typeof stamp !== 'string' || !/^[^/\s]+$/.test(stamp)))
    throw new InputError([{ field: 'stamp', message: `"${String(stamp)}" is not a fidelity set stamp (e.g. 20261128T0740Z)` }])
  const records = (await lab.listRuns()).filter((r) => r.experimentName.startsWith(FIDELITY_NAME_PREFIX))
  const chosen = stamp ?? fidelityStamps(records.map((r) => r.experimentName))[0]
  if (!chosen) return null
  const mine = records.filter((r) => parseFidelityName(r.experimentName)?.stamp === chosen)
  if (!mine.length) return null
  const details = await Promise.all(mine.map((r) => lab.getRun(r.id)))
  return buildFidelityReport(details, { stamp: chosen, hostProfile: hostProfileFitted() })
}
