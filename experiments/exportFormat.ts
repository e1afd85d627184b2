// The versioned JSON export of whole runs, so runs made on another machine can be imported
// and compared. Bump SCHEMA_VERSION on any change readers would notice, and keep reading
// the older versions.

import { z } from 'zod'
import { DESIGN_NAMES, WORKLOAD_NAMES, type RunSummary } from '../engine/pure'
import type { KernelBadge, RunStatus } from './api'

export const EXPORT_SCHEMA = 'swaplab.runs'
/**
 * 2: kernel runs (design 'kernel', `kernel`, unmeasured counters as null).
 * 3: the experiment's note and tags (`experiment.note`, `experiment.tags`).
 * Versions 1 and 2 read unchanged (their experiments have no note or tags).
 */
export const EXPORT_SCHEMA_VERSION = 3

export interface ExportedRun {
  /** The id the run had in the exporting database (for reference only). */
  sourceRunId: number
  /** note and tags: absent before version 3. */
  experiment: { name: string; config: unknown; note?: string; tags?: string[] }
  design: (typeof DESIGN_NAMES)[number]
  variantLabel: string
  workload: (typeof WORKLOAD_NAMES)[number]
  point: Record<string, number | string | boolean>
  trial: number
  seed: number
  status: RunStatus
  storage: 'file' | 'metadata-only'
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  wallTimeMs: number | null
  error: string | null
  engineVersion: string
  appVersion: string
  /** Where the run ran: os, release, arch, cpu model. */
  platform: string
  note: string
  tags: string[]
  /** The engine config the run executed with. */
  config: unknown
  /** Kernel runs: the kernel that ran it (release, host or VM, accelerator); null otherwise. Absent in version 1. */
  kernel?: KernelBadge | null
  /** For kernel runs, counters not in summary.kernel.measured are null: the kernel did not count them. */
  summary: RunSummary | null
  /** Samples as columns + rows of numbers, in column order (compact and exact). */
  samples: { columns: string[]; rows: number[][] }
}

export interface RunsExport {
  schema: typeof EXPORT_SCHEMA
  schemaVersion: number
  /** "swaplab@0.1.0" */
  exporter: string
  exportedAt: string
  /** The exporting machine. */
  platform: string
  runs: ExportedRun[]
}

const STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const

const exportedRun = z.object({
  sourceRunId: z.number().int(),
  experiment: z.object({ name: z.string(), config: z.unknown(), note: z.string().optional(), tags: z.array(z.string()).optional() }),
  design: z.enum(DESIGN_NAMES),
  variantLabel: z.string(),
  workload: z.enum(WORKLOAD_NAMES),
  point: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  trial: z.number().int().min(0),
  seed: z.number().int().min(0),
  status: z.enum(STATUSES),
  storage: z.enum(['file', 'metadata-only']),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  wallTimeMs: z.number().nullable(),
  error: z.string().nullable(),
  engineVersion: z.string(),
  appVersion: z.string(),
  platform: z.string(),
  note: z.string(),
  tags: z.array(z.string()),
  config: z.unknown(),
  kernel: z
    .object({
      release: z.string(),
      where: z.enum(['host', 'vm']),
      accel: z.enum(['kvm', 'tcg']).nullable(),
      timingsAreKernel: z.boolean(),
      countersSystemWide: z.boolean(),
      pairedDesign: z.string().nullable()
    })
    .nullable()
    .optional(),
  // The summary is the engine's own type; it is stored as given and read by field name.
  summary: z.record(z.string(), z.unknown()).nullable(),
  samples: z
    .object({ columns: z.array(z.string()).min(3), rows: z.array(z.array(z.number().nullable())) })
    .refine((s) => s.rows.every((r) => r.length === s.columns.length), { error: 'every sample row needs one value per column' })
})

const runsExport = z.object({
  schema: z.literal(EXPORT_SCHEMA, { error: `not a Swap Lab runs export (schema must be "${EXPORT_SCHEMA}")` }),
  schemaVersion: z.number().int(),
  exporter: z.string(),
  exportedAt: z.string(),
  platform: z.string(),
  runs: z.array(exportedRun)
})

export type ParsedExport = { ok: true; value: RunsExport } | { ok: false; error: string }

/** Parses and checks an export; names the first bad field, refuses versions this build cannot read. */
export function parseRunsExport(json: string): ParsedExport {
  let data: unknown
  try {
    data = JSON.parse(json)
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` }
  }
  const version = (data as { schemaVersion?: unknown })?.schemaVersion
  if (typeof version === 'number' && version > EXPORT_SCHEMA_VERSION)
    return {
      ok: false,
      error: `schemaVersion: the export is version ${version}, written by a newer Swap Lab; this build reads up to version ${EXPORT_SCHEMA_VERSION}`
    }
  const r = runsExport.safeParse(data)
  if (!r.success) {
    const i = r.error.issues[0]
    return { ok: false, error: `${i.path.join('.') || '(export)'}: ${i.message}` }
  }
  return { ok: true, value: r.data as unknown as RunsExport }
}
