// Config fields whose value can name a file or folder on the machine that runs the lab. A
// config from the CLI may set them (the user types the path); one from the app's window or
// a browser page may not: there the lab picks files itself (a file dialog in main, or an
// upload into the lab's own folder), so a page can never make the lab read or write a path.
// Every such field is listed here, once; configPathErrors checks them all.

import { parseKernelImage } from '../engine/pure'
import type { FieldError } from './api'

export interface PathField {
  /** Dotted path in an experiment config; `*` matches any key or index (e.g. designs.*.options.image). */
  pattern: string
  /** Values that are not paths (a shipped fixture, a file the lab already holds); anything else is refused. */
  notAPath?: (value: string) => boolean
  /** What to do instead, for the message. */
  instead: string
}

/** Prefix of a trace the lab holds in its own folder (uploaded or picked through the app's file dialog). */
export const LAB_TRACE_PREFIX = 'lab:'

export const PATH_FIELDS: PathField[] = [
  { pattern: 'deviceDir', instead: 'the lab chooses the device folder' },
  {
    pattern: 'workload.params.source',
    notAPath: (v) => v.startsWith('fixture:') || v.startsWith(LAB_TRACE_PREFIX),
    instead: 'file paths are for the CLI only; choose a trace with "Choose trace file…" or a fixture (fixture:ls)'
  },
  {
    pattern: 'designs.*.options.image',
    notAPath: (v) => {
      const spec = parseKernelImage(v)
      return !('kind' in spec && spec.kind === 'path')
    },
    instead: 'choose host or a debian-<version> image (paths are for the CLI: swaplab run --design kernel:image=PATH)'
  },
  { pattern: 'designs.*.options.modules', instead: 'a modules folder goes with a bzImage path (paths are for the CLI)' }
]

function visit(value: unknown, parts: string[], at: string[], out: [string, unknown][]): void {
  if (parts.length === 0) return void out.push([at.join('.'), value])
  if (typeof value !== 'object' || value === null) return
  const [head, ...rest] = parts
  const keys = head === '*' ? Object.keys(value) : Object.prototype.hasOwnProperty.call(value, head) ? [head] : []
  for (const k of keys) visit((value as Record<string, unknown>)[k], rest, [...at, k], out)
}

/** Whether a sweep axis path sets a field of this pattern (options.K sets designs.*.options.K). */
function axisSets(axisPath: string, pattern: string): boolean {
  const p = pattern.split('.')
  const match = (a: string[]): boolean => a.length === p.length && a.every((s, i) => p[i] === '*' || p[i] === s)
  const a = axisPath.split('.')
  return match(a) || (a[0] === 'options' && match(['designs', '*', ...a]))
}

/** Errors for every path-valued field that holds a path (undefined and non-path values pass). */
export function configPathErrors(config: unknown, fields: PathField[] = PATH_FIELDS): FieldError[] {
  const errors: FieldError[] = []
  const refuse = (field: string, f: PathField): void =>
    void errors.push({ field, message: `cannot be set from this front end; ${f.instead}` })
  for (const f of fields) {
    const found: [string, unknown][] = []
    visit(config, f.pattern.split('.'), [], found)
    for (const [field, v] of found) if (v !== undefined && !(typeof v === 'string' && f.notAPath?.(v))) refuse(field, f)
    const axes = (config as { sweep?: { axes?: unknown } } | null)?.sweep?.axes
    if (Array.isArray(axes))
      axes.forEach((axis: { path?: unknown; values?: unknown }, i) => {
        if (typeof axis?.path !== 'string' || !axisSets(axis.path, f.pattern) || !Array.isArray(axis.values)) return
        axis.values.forEach((v, j) => {
          if (!(typeof v === 'string' && f.notAPath?.(v))) refuse(`sweep.axes.${i}.values.${j}`, f)
        })
      })
  }
  return errors
}
