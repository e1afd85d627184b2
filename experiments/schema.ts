// The one experiment config schema (zod), built from the engine catalogues and the field
// ranges in ./fields, so a range is written down once. Cross-field rules come from the
// engine's own checkEngineConfig, run on every planned run after the types are right.

import { z } from 'zod'
import {
  DESIGN_CATALOGUE,
  WORKLOAD_CATALOGUE,
  DESIGN_NAMES,
  WORKLOAD_NAMES,
  COST_GROUPS,
  checkEngineConfig,
  fmtBytes,
  type ParamSpec
} from '../engine/pure'
import type { ExperimentConfig, FieldError, ValidationResult } from './api'
import {
  TOP_FIELDS,
  DEVICE_FIELDS,
  MAX_DEVICES,
  MAX_DESIGNS,
  MAX_RUNS,
  MAX_SEED,
  MAX_SENSITIVITY_FACTORS,
  SENSITIVITY_DEFAULT,
  isCostProfileFile,
  sweepFieldSpec,
  type FieldSpec
} from './fields'
import { bytesOrAsIs } from './units'
import { applyPoint, countRuns, findUnsafeKey, sweepPoints, toEngineConfig, unsafeSegment, variantLabel, type SweepPoint } from './sweep'
import { AUTO_SAMPLES, swapSpaceProblem } from './estimate'

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v))
const lengthOf = (v: unknown): string => (typeof v === 'string' ? `${v.length}` : show(v))
/** Longest design label (tables and legends) and experiment name. */
export const MAX_LABEL = 80
export const MAX_NAME = 200

/** A zod schema for one value of a field spec; messages state the allowed range and the value given. */
export function valueSchema(spec: FieldSpec): z.ZodType {
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const range = `${spec.kind === 'int' ? 'a whole number' : 'a number'}${rangeText(spec)}`
      const got = (v: unknown): string => (spec.unit === 'bytes' && typeof v === 'number' && v >= 1024 ? `${v} (${fmtBytes(v)})` : show(v))
      const error = (i: { input?: unknown }): string => `must be ${range}; got ${got(i.input)}`
      let s = z.number({ error })
      if (spec.kind === 'int') s = s.int({ error })
      if (spec.min !== undefined) s = s.min(spec.min, { error })
      if (spec.max !== undefined) s = s.max(spec.max, { error })
      return spec.unit === 'bytes' ? z.preprocess(bytesOrAsIs, s) : s
    }
    case 'bool':
      return z.boolean({ error: (i) => `must be true or false; got ${show(i.input)}` })
    case 'enum': {
      const values = spec.values ?? []
      return z.union(
        values.map((v) => z.literal(v)),
        { error: (i) => `must be one of ${values.join(', ')}; got ${show(i.input)}` }
      )
    }
    case 'string':
      return z.string({ error: (i) => `must be text; got ${show(i.input)}` }).min(1, { error: 'must not be empty' })
  }
}

function rangeText(spec: FieldSpec): string {
  const f = (n: number): string => (spec.unit === 'bytes' && n >= 1024 ? fmtBytes(n) : String(n))
  if (spec.min !== undefined && spec.max !== undefined) return ` from ${f(spec.min)} to ${f(spec.max)}`
  if (spec.min !== undefined) return ` of at least ${f(spec.min)}`
  if (spec.max !== undefined) return ` of at most ${f(spec.max)}`
  return ''
}

function paramsSchema(specs: ParamSpec[], owner: string) {
  const shape: Record<string, z.ZodType> = {}
  for (const p of specs) shape[p.key] = p.optional ? valueSchema(p).optional() : valueSchema(p).default(p.default)
  return z.strictObject(shape, {
    error: (i) => (i.code === 'unrecognized_keys' ? `not a parameter of ${owner}` : `must be an object; got ${show(i.input)}`)
  })
}

const nonEmpty = <T>(a: T[]): [T, ...T[]] => a as [T, ...T[]]
const unknownOrMissing = (v: unknown, what: string): string => (v === undefined ? `a ${what} is required` : `unknown ${what} ${show(v)}`)

const designVariant = z.discriminatedUnion(
  'design',
  nonEmpty(
    DESIGN_CATALOGUE.map((d) =>
      z.strictObject({
        design: z.literal(d.name),
        options: paramsSchema(d.options, `design ${d.name}`).prefault({}),
        label: z
          .string({ error: (i) => `must be text; got ${show(i.input)}` })
          .min(1, { error: 'must not be empty (leave it out to name the variant from its design)' })
          .max(MAX_LABEL, { error: (i) => `must be at most ${MAX_LABEL} characters; got ${lengthOf(i.input)}` })
          .optional()
      })
    )
  ),
  { error: (i) => `${unknownOrMissing((i.input as { design?: unknown })?.design, 'design')}; expected one of ${DESIGN_NAMES.join(', ')}` }
)

const workload = z.discriminatedUnion(
  'name',
  nonEmpty(
    WORKLOAD_CATALOGUE.map((w) =>
      z.strictObject({ name: z.literal(w.name), params: paramsSchema(w.params, `workload ${w.name}`).prefault({}) })
    )
  ),
  { error: (i) => `${unknownOrMissing((i.input as { name?: unknown })?.name, 'workload')}; expected one of ${WORKLOAD_NAMES.join(', ')}` }
)

const device = z.strictObject({
  sizeBytes: valueSchema(DEVICE_FIELDS.sizeBytes)
    .default(1 * 2 ** 30)
    .refine((n) => Number(n) % 4096 === 0, { error: 'must be a whole number of 4 KiB pages' }),
  preset: valueSchema(DEVICE_FIELDS.preset).default('nvme'),
  priority: valueSchema(DEVICE_FIELDS.priority).default(0),
  discard: valueSchema(DEVICE_FIELDS.discard).default(false)
})

const sweepAxis = z.strictObject({
  path: z.string().min(1, { error: 'must name a field, e.g. workload.params.tasks' }),
  values: z
    .array(z.union([z.number(), z.string(), z.boolean()]))
    .min(1, { error: 'needs at least one value' })
    .max(MAX_RUNS)
})

const top = (k: keyof typeof TOP_FIELDS) => valueSchema(TOP_FIELDS[k])

/** true stands for the default groups and factors (written out in the validated config); false for none. */
const sensitivity = z.preprocess(
  (v) => (v === true ? {} : v === false ? undefined : v),
  z
    .strictObject(
      {
        groups: z
          .array(z.enum(COST_GROUPS, { error: (i) => `unknown cost group ${show(i.input)}; expected one of ${COST_GROUPS.join(', ')}` }))
          .min(1, { error: 'needs at least one cost group' })
          .refine((g) => new Set(g).size === g.length, { error: 'names a cost group twice' })
          .default(() => [...SENSITIVITY_DEFAULT.groups]),
        factors: z
          .array(
            z
              .number({ error: (i) => `must be a number; got ${show(i.input)}` })
              .gt(0, { error: (i) => `must be above 0; got ${show(i.input)}` })
              .max(100, { error: (i) => `must be at most 100; got ${show(i.input)}` })
              .refine((f) => f !== 1, { error: 'a factor of 1 is the main run itself' })
          )
          .min(1, { error: 'needs at least one factor' })
          .max(MAX_SENSITIVITY_FACTORS, { error: `at most ${MAX_SENSITIVITY_FACTORS} factors` })
          .refine((f) => new Set(f).size === f.length, { error: 'names a factor twice' })
          .default(() => [...SENSITIVITY_DEFAULT.factors])
      },
      {
        error: (i) =>
          i.code === 'unrecognized_keys' ? 'unknown field' : `must be true, false or { groups, factors }; got ${show(i.input)}`
      }
    )
    .optional()
)

const sampleIntervalError = (i: { input?: unknown }): string =>
  `must be 0 (automatic: about ${AUTO_SAMPLES} samples over the run) or a whole number from ${TOP_FIELDS.sampleIntervalNs.min} to ${TOP_FIELDS.sampleIntervalNs.max} ns; got ${show(i.input)}`

const experimentShape = z.strictObject({
  name: z
    .string({ error: (i) => `must be text; got ${show(i.input)}` })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(MAX_NAME, { error: (i) => `must be at most ${MAX_NAME} characters; got ${lengthOf(i.input)}` })
    .default('experiment'),
  designs: z
    .array(designVariant, { error: 'must be a list of design variants' })
    .min(1, { error: 'needs at least one design' })
    .max(MAX_DESIGNS, { error: `at most ${MAX_DESIGNS} designs` }),
  workload,
  devices: z
    .array(device)
    .min(1, { error: 'at least one swap device is needed' })
    .max(MAX_DEVICES, { error: `at most ${MAX_DEVICES} swap devices (MAX_SWAPFILES)` })
    .prefault([{}]),
  storage: top('storage').default('file'),
  memoryLimitBytes: top('memoryLimitBytes').default(128 * 2 ** 20),
  cpus: top('cpus').default(2),
  seed: top('seed').default(1),
  trials: top('trials').default(1),
  thpOrders: z.array(z.number().int().min(0).max(9), { error: 'orders must be whole numbers from 0 to 9' }).default([0]),
  pageCluster: top('pageCluster').default(3),
  // 0: automatic (experiments/estimate.ts autoSampleIntervalNs), resolved per run in toEngineConfig.
  sampleIntervalNs: z
    .number({ error: sampleIntervalError })
    .int({ error: sampleIntervalError })
    .refine((v) => v === 0 || (v >= TOP_FIELDS.sampleIntervalNs.min && v <= TOP_FIELDS.sampleIntervalNs.max), {
      error: sampleIntervalError
    })
    .default(0),
  tickNs: top('tickNs').default(4_000_000),
  fsyncPerBatch: top('fsyncPerBatch').default(false),
  checkInvariants: top('checkInvariants').default(false),
  sweep: z
    .strictObject({
      mode: z.enum(['grid', 'list'], { error: 'must be "grid" or "list"' }).default('grid'),
      axes: z.array(sweepAxis).max(8, { error: 'at most 8 axes' })
    })
    .nullable()
    .default(null),
  deviceDir: z.string().min(1).optional(),
  costProfile: top('costProfile').optional(),
  sensitivity: sensitivity.optional()
})

/** Cross-field rules: sweep axes, the run cap, unique labels, then the engine's checks on every planned run. */
function crossCheck(config: ExperimentConfig): FieldError[] {
  const errors: FieldError[] = []
  const issue = (path: (string | number)[], message: string): void => void errors.push({ field: path.join('.'), message })
  const labels = new Map<string, number>()
  config.designs.forEach((v, i) => {
    const label = variantLabel(v)
    const first = labels.get(label)
    if (first !== undefined) issue(['designs', i], `same as designs.${first} (${label}); change an option or give it a label`)
    else labels.set(label, i)
  })
  if (config.seed + config.trials - 1 > MAX_SEED)
    issue(['seed'], `seed + trials - 1 must be at most ${MAX_SEED}; got ${config.seed + config.trials - 1}`)
  let sweepOk = true
  config.sweep?.axes.forEach((axis, i) => {
    const spec = sweepFieldSpec(config, axis.path)
    if (typeof spec === 'string') {
      sweepOk = false
      return issue(['sweep', 'axes', i, 'path'], `${axis.path}: ${spec}`)
    }
    if (config.sweep!.axes.findIndex((a) => a.path === axis.path) !== i) {
      sweepOk = false
      issue(['sweep', 'axes', i, 'path'], `${axis.path} is swept twice`)
    }
    const values = valueSchema(spec)
    axis.values.forEach((v, j) => {
      const r = values.safeParse(v)
      if (r.success) axis.values[j] = r.data as number | string | boolean
      else {
        sweepOk = false
        issue(['sweep', 'axes', i, 'values', j], `${axis.path} ${r.error.issues[0].message}`)
      }
    })
  })
  if (config.sweep?.mode === 'list' && new Set(config.sweep.axes.map((a) => a.values.length)).size > 1) {
    sweepOk = false
    issue(
      ['sweep', 'axes'],
      `in list mode every axis needs the same number of values (the i-th values run together); got ${config.sweep.axes
        .map((a) => `${a.values.length} for ${a.path}`)
        .join(', ')}`
    )
  }
  if (sweepOk) sweepOk = !duplicatePoints(config, issue)
  if (!sweepOk) return errors
  const runs = countRuns(config)
  if (runs > MAX_RUNS) {
    issue(['sweep'], `expands to ${runs} runs (designs x sweep points x trials); at most ${MAX_RUNS} are allowed`)
    return errors
  }
  const points = sweepPoints(config.sweep)
  const found: { path: string[]; message: string; point: SweepPoint }[] = []
  for (const point of points) {
    const atPoint = applyPoint(config, point)
    const before = found.length
    atPoint.designs.forEach((variant, i) => {
      const engineConfig = toEngineConfig(atPoint, variant, config.seed)
      // A profile file is read and checked by the front end that may read files (the CLI's lab service).
      if (isCostProfileFile(config.costProfile)) delete engineConfig.costProfile
      for (const p of checkEngineConfig(engineConfig)) {
        const path =
          p.field === 'design'
            ? ['designs', String(i), 'design']
            : p.field.startsWith('designOptions.')
              ? ['designs', String(i), 'options', ...p.field.split('.').slice(1)]
              : p.field.split('.')
        found.push({ path, message: p.message, point })
      }
    })
    // Every design runs the same workload on the same devices: one swap-space check per point.
    const first = atPoint.designs[0]
    const space = found.length === before && first ? swapSpaceProblem(toEngineConfig(atPoint, first, config.seed)) : null
    if (space) found.push({ path: space.field.split('.'), message: space.message, point })
  }
  const seen = new Set<string>()
  for (const f of found) {
    const { path, message } = placeAtSweep(config, f, points.length, found)
    const key = `${path.join('.')}|${message}`
    if (seen.has(key)) continue
    seen.add(key)
    issue(path, message)
  }
  return errors
}

const pointText = (point: SweepPoint): string =>
  Object.entries(point)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')

/**
 * Where a problem found at a sweep point belongs: on the sweep row when the swept value is the
 * cause (the field is swept, or with one axis the problem comes at some of its values only),
 * else on the field itself, saying at which point.
 */
function placeAtSweep(
  config: ExperimentConfig,
  f: { path: string[]; message: string; point: SweepPoint },
  pointCount: number,
  all: { path: string[]; message: string; point: SweepPoint }[]
): { path: (string | number)[]; message: string } {
  const axes = config.sweep?.axes ?? []
  if (!Object.keys(f.point).length) return { path: f.path, message: f.message }
  const dotted = f.path.join('.')
  let i = axes.findIndex((a) => a.path === dotted)
  if (i < 0) {
    const everywhere =
      new Set(all.filter((g) => g.path.join('.') === dotted && g.message === f.message).map((g) => g.point)).size >= pointCount
    // The same problem at every point is the field's own, not the sweep's.
    if (everywhere) return { path: f.path, message: f.message }
    if (axes.length === 1) i = 0
  }
  if (i < 0) return { path: f.path, message: `${f.message} (at ${pointText(f.point)})` }
  const j = axes[i].values.indexOf(f.point[axes[i].path])
  const what = dotted === axes[i].path ? axes[i].path : `at ${axes[i].path}=${String(f.point[axes[i].path])}, ${dotted}`
  return { path: ['sweep', 'axes', i, 'values', j], message: `${what}: ${f.message}` }
}

/** A value listed twice (grid) or a point repeated (list) would run the same runs twice: refused, naming the repeat. */
function duplicatePoints(config: ExperimentConfig, issue: (path: (string | number)[], message: string) => void): boolean {
  const sweep = config.sweep
  if (!sweep) return false
  let found = false
  if (sweep.mode === 'grid')
    sweep.axes.forEach((axis, i) =>
      axis.values.forEach((v, j) => {
        const first = axis.values.indexOf(v)
        if (first === j) return
        found = true
        issue(
          ['sweep', 'axes', i, 'values', j],
          `${axis.path} lists ${show(v)} twice (values ${first + 1} and ${j + 1}); each value runs once, remove the repeat`
        )
      })
    )
  else {
    const seen = new Map<string, number>()
    sweepPoints(sweep).forEach((point, k) => {
      const key = JSON.stringify(sweep.axes.map((a) => point[a.path]))
      const first = seen.get(key)
      if (first === undefined) return void seen.set(key, k)
      found = true
      issue(['sweep', 'axes'], `point ${k + 1} (${pointText(point)}) repeats point ${first + 1}; each point runs once, remove the repeat`)
    })
  }
  return found
}

/** The shape and ranges of an experiment config; validateExperiment adds the cross-field rules. */
export const experimentSchema = experimentShape

/** Turns zod issues into field errors with dotted paths ("devices.0.sizeBytes"). */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = []
  for (const i of error.issues) {
    const field = i.path.map(String).join('.')
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys)
        out.push({ field: field ? `${field}.${k}` : k, message: i.message.startsWith('not a') ? i.message : 'unknown field' })
    } else out.push({ field: field || '(config)', message: i.message })
  }
  return out
}

/** Types and ranges first; cross-field rules only on a config whose fields are each valid. */
export function validateExperiment(input: unknown): ValidationResult {
  const unsafe = unsafeKeyErrors(input)
  if (unsafe.length) return { ok: false, errors: unsafe }
  const r = experimentSchema.safeParse(input)
  if (!r.success) return { ok: false, errors: toFieldErrors(r.error) }
  const config = r.data as ExperimentConfig
  const errors = crossCheck(config)
  return errors.length ? { ok: false, errors } : { ok: true, config }
}

/**
 * Keys and sweep paths named __proto__, constructor or prototype: refused before anything
 * reads the config, since setting such a path would change Object.prototype.
 */
export function unsafeKeyErrors(input: unknown): FieldError[] {
  const key = findUnsafeKey(input)
  if (key) return [{ field: key, message: `the key "${key.split('.').at(-1)}" is not allowed` }]
  const axes = (input as { sweep?: { axes?: unknown } } | null)?.sweep?.axes
  const errors: FieldError[] = []
  if (Array.isArray(axes))
    axes.forEach((a, i) => {
      const p = (a as { path?: unknown } | null)?.path
      const bad = typeof p === 'string' ? unsafeSegment(p) : null
      if (bad) errors.push({ field: `sweep.axes.${i}.path`, message: `${p}: the path segment "${bad}" is not allowed` })
    })
  return errors
}

/** "field: message" lines, the form the CLI prints and errors carry. */
export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('\n')
}
