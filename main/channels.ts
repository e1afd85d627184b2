// The one list of lab channels shared by the Electron IPC bridge and the loopback HTTP
// bridge: each LabApi method with the checks its arguments must pass before they reach the
// lab service. Pure (no Electron, no Node I/O) so both bridges and their tests use it.

import { MAX_CONFIG_FILE_BYTES, type LabApi } from '../experiments/api'
import { parseKernelImage } from '../engine/pure'

/** LabApi methods reachable from a front end (subscribe has its own event channel). */
export type LabMethod = Exclude<keyof LabApi, 'subscribe'>

/** Thrown for a payload that fails its check; the message names the argument. */
export class BadPayload extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BadPayload'
  }
}

/** The envelope every bridge answers with, so errors arrive as plain messages. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: string }

const MAX_IDS = 10_000
const MAX_JSON_CHARS = 50 * 2 ** 20

function runId(v: unknown, name = 'runId'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new BadPayload(`${name} must be a positive integer`)
  return v
}

function runIds(v: unknown): number[] {
  if (!Array.isArray(v)) throw new BadPayload('runIds must be an array of run ids')
  if (v.length > MAX_IDS) throw new BadPayload(`runIds may hold at most ${MAX_IDS} ids`)
  return v.map((x) => runId(x, 'runIds[]'))
}

/** Experiment configs are checked field by field by the service's schema; here only the shape. */
function config(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadPayload('config must be an object')
  if (JSON.stringify(v).length > 1_000_000) throw new BadPayload('config is too large')
  noKernelPaths(v as Record<string, unknown>)
  return v
}

function isPathImage(x: unknown): boolean {
  if (typeof x !== 'string') return false
  const spec = parseKernelImage(x)
  return 'kind' in spec && spec.kind === 'path'
}
const PATHS_ARE_FOR_THE_CLI = 'paths are for the CLI (swaplab run --design kernel:image=PATH); the app names host or debian-<version>'

/** A front end may not make the lab boot or read a file of its choosing: kernel images and modules by name only. */
function noKernelPaths(c: Record<string, unknown>): void {
  const designs = Array.isArray(c.designs) ? c.designs : []
  designs.forEach((d: unknown, i) => {
    const o = (d as { options?: Record<string, unknown> } | null)?.options
    if (!o || typeof o !== 'object') return
    if (isPathImage(o.image)) throw new BadPayload(`designs.${i}.options.image: a kernel image path is refused; ${PATHS_ARE_FOR_THE_CLI}`)
    if (o.modules !== undefined) throw new BadPayload(`designs.${i}.options.modules: a modules folder is refused; ${PATHS_ARE_FOR_THE_CLI}`)
  })
  const axes = (c.sweep as { axes?: unknown } | null)?.axes
  if (!Array.isArray(axes)) return
  axes.forEach((a: unknown, i) => {
    const { path, values } = (a ?? {}) as { path?: unknown; values?: unknown }
    if (path === 'options.modules' || (path === 'options.image' && Array.isArray(values) && values.some(isPathImage)))
      throw new BadPayload(`sweep.axes.${i}.values: a kernel image or modules path is refused; ${PATHS_ARE_FOR_THE_CLI}`)
  })
}

function optional<T>(v: unknown, check: (v: unknown) => T): T | undefined {
  return v === undefined || v === null ? undefined : check(v)
}

function text(v: unknown, name: string, max: number): string {
  if (typeof v !== 'string') throw new BadPayload(`${name} must be a string`)
  if (v.length > max) throw new BadPayload(`${name} may be at most ${max} characters`)
  return v
}

const FILTER_KEYS = ['experimentId', 'status', 'design', 'workload'] as const

function runFilter(v: unknown): object {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadPayload('filter must be an object')
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) {
    if (!(FILTER_KEYS as readonly string[]).includes(k)) throw new BadPayload(`filter.${k} is not a run filter`)
    if (x === undefined) continue
    out[k] = k === 'experimentId' ? runId(x, 'filter.experimentId') : text(x, `filter.${k}`, 64)
  }
  return out
}

/** A baseline run id, { runId } or { variant: design label }. */
function compareBaseline(v: unknown): number | { runId: number } | { variant: string } {
  if (typeof v === 'number') return runId(v, 'baselineRunId')
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadPayload('baseline must be a run id, { runId } or { variant }')
  const keys = Object.keys(v)
  if (keys.length === 1 && keys[0] === 'runId') return { runId: runId((v as { runId: unknown }).runId, 'baseline.runId') }
  if (keys.length === 1 && keys[0] === 'variant') return { variant: text((v as { variant: unknown }).variant, 'baseline.variant', 200) }
  throw new BadPayload('baseline must be a run id, { runId } or { variant }')
}

/** Fidelity set options from a front end: kernels by name only (host, debian-<version>), never a path. */
function fidelityOptions(v: unknown): object {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadPayload('options must be an object { kernels?, quick? }')
  const { kernels, quick, cases, stamp, ...rest } = v as Record<string, unknown>
  const extra = Object.keys(rest)
  if (extra.length) throw new BadPayload(`options.${extra[0]} is not a fidelity option`)
  if (quick !== undefined && typeof quick !== 'boolean') throw new BadPayload('options.quick must be true or false')
  const out: Record<string, unknown> = {}
  if (quick !== undefined) out.quick = quick
  if (cases !== undefined) {
    if (!Array.isArray(cases) || cases.length > 32) throw new BadPayload('options.cases must be an array of at most 32 case ids')
    out.cases = cases.map((c) => text(c, 'options.cases[]', 64))
  }
  if (stamp !== undefined) out.stamp = text(stamp, 'options.stamp', 64)
  if (kernels === undefined) return out
  if (!Array.isArray(kernels) || kernels.length > 12) throw new BadPayload('options.kernels must be an array of at most 12 kernel images')
  const names = kernels.map((k) => text(k, 'options.kernels[]', 200))
  names.forEach((k, i) => {
    if (k !== 'host' && !/^debian-[0-9A-Za-z.~+-]+$/.test(k))
      throw new BadPayload(`options.kernels.${i}: "${k}" is not host or debian-<version>; ${PATHS_ARE_FOR_THE_CLI}`)
  })
  return { ...out, kernels: names }
}

type ArgCheck = (args: unknown[]) => unknown[]

const none: ArgCheck = (args) => {
  if (args.length) throw new BadPayload('takes no arguments')
  return []
}

/** Channel name and argument check for every method: the one list the bridges forward. */
export const LAB_CHANNELS: Record<LabMethod, { channel: string; check: ArgCheck }> = {
  catalogue: { channel: 'lab:catalogue', check: none },
  presets: { channel: 'lab:presets', check: none },
  validate: { channel: 'lab:validate', check: ([c]) => [config(c)] },
  preview: { channel: 'lab:preview', check: ([c]) => [config(c)] },
  start: { channel: 'lab:start', check: ([c]) => [config(c)] },
  rerun: { channel: 'lab:rerun', check: ([id]) => [runId(id)] },
  cancel: {
    channel: 'lab:cancel',
    check: ([t]) => {
      if (t === 'all') return ['all']
      return [runId(t, 'target')]
    }
  },
  listRuns: { channel: 'lab:listRuns', check: ([f]) => (f === undefined ? [] : [optional(f, runFilter)]) },
  getRun: { channel: 'lab:getRun', check: ([id]) => [runId(id)] },
  getSamples: {
    channel: 'lab:getSamples',
    check: ([id, max]) => {
      const maxPoints = optional(max, (m) => {
        if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 2 || m > 1_000_000)
          throw new BadPayload('maxPoints must be an integer from 2 to 1000000')
        return m
      })
      return maxPoints === undefined ? [runId(id)] : [runId(id), maxPoints]
    }
  },
  getSeries: {
    channel: 'lab:getSeries',
    check: ([ids, fields, buckets]) => {
      if (!Array.isArray(fields) || fields.length > 64) throw new BadPayload('fields must be an array of at most 64 sample fields')
      if (typeof buckets !== 'number' || !Number.isSafeInteger(buckets) || buckets < 2 || buckets > 100_000)
        throw new BadPayload('buckets must be an integer from 2 to 100000')
      return [runIds(ids), fields.map((f) => text(f, 'fields[]', 64)), buckets]
    }
  },
  compare: {
    channel: 'lab:compare',
    check: ([ids, base]) => {
      const baseline = optional(base, compareBaseline)
      return baseline === undefined ? [runIds(ids)] : [runIds(ids), baseline]
    }
  },
  deleteRuns: { channel: 'lab:deleteRuns', check: ([ids]) => [runIds(ids)] },
  setNote: { channel: 'lab:setNote', check: ([id, note]) => [runId(id), text(note, 'note', 100_000)] },
  setTags: {
    channel: 'lab:setTags',
    check: ([id, tags]) => {
      if (!Array.isArray(tags) || tags.length > 100) throw new BadPayload('tags must be an array of at most 100 strings')
      return [runId(id), tags.map((t) => text(t, 'tags[]', 200))]
    }
  },
  exportCsv: { channel: 'lab:exportCsv', check: ([ids]) => [runIds(ids)] },
  exportJson: { channel: 'lab:exportJson', check: ([ids]) => [runIds(ids)] },
  importJson: { channel: 'lab:importJson', check: ([json]) => [text(json, 'json', MAX_JSON_CHARS)] },
  kernels: { channel: 'lab:kernels', check: none },
  // ---- Config files, open as new experiment, experiment notes and tags (issue 11) ----
  parseConfig: { channel: 'lab:parseConfig', check: ([t]) => [text(t, 'text', MAX_CONFIG_FILE_BYTES)] },
  runConfig: { channel: 'lab:runConfig', check: ([id]) => [runId(id)] },
  setExperimentNote: {
    channel: 'lab:setExperimentNote',
    check: ([id, note]) => [runId(id, 'experimentId'), text(note, 'note', 100_000)]
  },
  setExperimentTags: {
    channel: 'lab:setExperimentTags',
    check: ([id, tags]) => {
      if (!Array.isArray(tags) || tags.length > 100) throw new BadPayload('tags must be an array of at most 100 strings')
      return [runId(id, 'experimentId'), tags.map((t) => text(t, 'tags[]', 200))]
    }
  },
  fidelityReport: {
    channel: 'lab:fidelityReport',
    check: ([stamp]) => {
      const s = optional(stamp, (x) => text(x, 'stamp', 64))
      if (s !== undefined && !/^[0-9A-Za-z._-]+$/.test(s)) throw new BadPayload('stamp must be a fidelity set stamp, e.g. 20261128T0740Z')
      return s === undefined ? [] : [s]
    }
  },
  startFidelity: { channel: 'lab:startFidelity', check: ([o]) => (o === undefined ? [] : [fidelityOptions(o)]) }
}

export const LAB_METHODS = Object.keys(LAB_CHANNELS) as LabMethod[]

/** Main -> renderer: every LabEvent. */
export const EVENT_CHANNEL = 'lab:event'
/** Renderer -> main, Electron only: main shows a save dialog and writes the files. */
export const SAVE_CSV_CHANNEL = 'app:saveCsv'
export const SAVE_PNG_CHANNEL = 'app:savePng'
export const SAVE_SVG_CHANNEL = 'app:saveSvg'
/** Renderer -> main, Electron only: main shows an open dialog and copies the trace into the lab's folder. */
export const PICK_TRACE_CHANNEL = 'app:pickTrace'
/** Renderer -> main, Electron only: main shows a save / open dialog for an experiment config file. */
export const SAVE_CONFIG_CHANNEL = 'app:saveConfig'
export const OPEN_CONFIG_CHANNEL = 'app:openConfig'
/** Main -> renderer: an app menu item asks the renderer to show a view. */
export const MENU_CHANNEL = 'app:menu'

export const MENU_COMMANDS = ['new-experiment', 'open-config', 'save-config', 'running', 'runs', 'compare', 'export-csv'] as const
export type MenuCommand = (typeof MENU_COMMANDS)[number]

/** Checks the arguments of a method; throws BadPayload naming the bad argument. */
export function checkArgs(method: LabMethod, args: unknown): unknown[] {
  if (!Array.isArray(args)) throw new BadPayload('arguments must be an array')
  if (args.length > 4) throw new BadPayload('too many arguments')
  return LAB_CHANNELS[method].check(args)
}

export function isLabMethod(name: string): name is LabMethod {
  return Object.prototype.hasOwnProperty.call(LAB_CHANNELS, name)
}

/** Calls a LabApi method with checked arguments and wraps the outcome in an envelope. */
export async function callChecked(api: LabApi, method: LabMethod, args: unknown): Promise<Envelope<unknown>> {
  try {
    const checked = checkArgs(method, args)
    const fn = api[method] as (...a: unknown[]) => Promise<unknown>
    const value = await fn.apply(api, checked)
    return { ok: true, value: value === undefined ? null : value }
  } catch (e) {
    return { ok: false, error: errorMessage(e) }
  }
}

/** A clear one-line message, never a stack trace. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const field = (e as { field?: unknown }).field
    return typeof field === 'string' && !e.message.startsWith(field) ? `${field}: ${e.message}` : e.message
  }
  return String(e)
}

/** Rules for exported PNGs: a data URL of a PNG, not too large. */
export function checkPngDataUrl(v: unknown): Buffer {
  const prefix = 'data:image/png;base64,'
  if (typeof v !== 'string' || !v.startsWith(prefix)) throw new BadPayload('image must be a PNG data URL')
  if (v.length > 40 * 2 ** 20) throw new BadPayload('image is too large')
  return Buffer.from(v.slice(prefix.length), 'base64')
}

/** A chart drawn as SVG by the renderer (charts/svgExport.ts): an SVG document of bounded size, nothing that runs. */
export function checkSvg(v: unknown): string {
  if (typeof v !== 'string' || !/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/.test(v) || !v.trimEnd().endsWith('</svg>'))
    throw new BadPayload('image must be an SVG document')
  if (v.length > 40 * 2 ** 20) throw new BadPayload('image is too large')
  if (/<script|<foreignObject|\son\w+\s*=|javascript:/i.test(v)) throw new BadPayload('image must not contain scripts')
  return v
}

/** A suggested file name from the renderer: reduced to a safe base name (main picks the folder). */
export function safeFileName(v: unknown, fallback: string, ext: string): string {
  const base =
    typeof v === 'string'
      ? v
          .replace(/[^A-Za-z0-9._ -]/g, '_')
          .replace(/^[.\s]+/, '')
          .slice(0, 80)
      : ''
  const name = base || fallback
  return name.toLowerCase().endsWith(ext) ? name : `${name}${ext}`
}
