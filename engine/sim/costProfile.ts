// Cost profiles: which constants a run's simulated nanoseconds come from, where each default
// figure comes from, and applying a profile (and sensitivity scaling) to the live COST and
// DEVICE_MODELS tables for one run only. The engine runs one run at a time per thread, so the
// tables are swapped in place around the run (runEngine restores the defaults in `finally`).

import {
  COST_GROUPS,
  DEVICE_PRESETS,
  DEVICE_TIMING_KEYS,
  type CostGroup,
  type CostProfileRecord,
  type CostProfileSpec,
  type DevicePresetName,
  type DeviceTimingKey
} from '../types'
import { ConfigError } from '../errors'
import { COST, DEVICE_MODELS, type DeviceModel } from './cost'
import { BUILTIN_PROFILES } from './profiles'

export type CostKey = keyof typeof COST

/** Where a figure comes from: measured on this machine, a vendor datasheet, or an informed guess. */
export type CostSourceKind = 'measured' | 'datasheet' | 'guess'

export interface CostSource {
  group: CostGroup
  source: CostSourceKind
  /** One line: what the figure stands for and what it rests on. */
  note: string
}

/**
 * Every CPU-side constant of COST with its group and source. A new constant needs an entry
 * (engine/sim/costProfile.test.ts fails naming it): without one it is in no group, so
 * sensitivity runs and calibration leave it alone.
 */
export const COST_SOURCES: Record<string, CostSource> = {
  touchResident: { group: 'paths', source: 'guess', note: 'TLB/cache miss amortised over a resident page touch' },
  faultBase: { group: 'paths', source: 'guess', note: 'exception entry/exit and pte walk of a page fault, x86 server order of magnitude' },
  anonPageAlloc: { group: 'paths', source: 'guess', note: 'clear_page of 4 KiB plus memcg charge' },
  folioAlloc: { group: 'paths', source: 'guess', note: 'buddy allocation and memcg charge of a folio' },
  copyPage: { group: 'paths', source: 'guess', note: 'copy_page of 4 KiB at ~15 GB/s' },
  mapPage: { group: 'paths', source: 'guess', note: 'set_pte_at plus rmap per page' },
  unmapPage: { group: 'paths', source: 'guess', note: 'try_to_unmap / zap of one pte with rmap update' },
  reclaimScanFolio: { group: 'paths', source: 'guess', note: 'isolating and checking one LRU folio in shrink_folio_list' },
  bioSubmit: { group: 'paths', source: 'guess', note: 'submit_bio through the block layer and driver' },
  forkPerPage: { group: 'paths', source: 'guess', note: 'copy_pte_range per pte' },
  zapPerPage: { group: 'paths', source: 'guess', note: 'zap_pte_range per present or swap pte' },
  contextSwitch: { group: 'paths', source: 'guess', note: 'scheduler switch between tasks on one CPU' },
  scanSlot: { group: 'metadata', source: 'guess', note: 'one swap_map byte or cluster slot examined while scanning' },
  slotUpdate: { group: 'metadata', source: 'guess', note: 'one swap_map byte or table entry written under its lock, cache hot' },
  listMove: { group: 'metadata', source: 'guess', note: 'list_move of a cluster between free/nonfull/frag/full lists' },
  xarrayLevel: { group: 'metadata', source: 'guess', note: 'one XArray level walked (a likely cache miss per node)' },
  xarrayNodeAlloc: { group: 'metadata', source: 'guess', note: 'kmem_cache allocation or free of a 576 B XArray node' },
  tableAccess: { group: 'metadata', source: 'guess', note: 'one swap table entry read or written (one cache line)' },
  tableAlloc: { group: 'metadata', source: 'guess', note: 'allocating or freeing a 4 KiB swap table page' },
  continuationAlloc: { group: 'metadata', source: 'guess', note: 'allocating a count continuation page or extension table' },
  slotCacheOp: { group: 'metadata', source: 'guess', note: 'per-CPU swap slot cache fast path (6.6-6.9)' },
  vswapDescAlloc: { group: 'metadata', source: 'guess', note: 'vswap descriptor allocation' },
  vswapIndirection: { group: 'metadata', source: 'guess', note: 'vswap extra lookup from virtual to physical slot' },
  lockBase: { group: 'lock', source: 'guess', note: 'uncontended spinlock acquire and release, cache hot' },
  zswapCompress: {
    group: 'compression',
    source: 'guess',
    note: 'lzo-rle compression of 4 KiB, order of published benchmarks; not measured here'
  },
  zswapDecompress: {
    group: 'compression',
    source: 'guess',
    note: 'lzo-rle decompression of 4 KiB, order of published benchmarks; not measured here'
  }
}

/** Where each device preset's timings come from (every timing field of a preset is in the 'device' group). */
export const DEVICE_SOURCES: Record<DevicePresetName, { source: CostSourceKind; note: string }> = {
  zram: { source: 'guess', note: 'lzo-rle ~4 us compress, ~1.5 us decompress per page: published figures, rounded; not measured here' },
  pmem: { source: 'guess', note: '~2-3 GB/s per-CPU copy to a DAX block device, rounded; not measured here' },
  nvme: { source: 'datasheet', note: 'typical datacenter NVMe: ~80 us random read, ~20 us buffered write, ~3 GB/s' },
  ssd: { source: 'datasheet', note: 'typical SATA SSD: ~100 us read, ~60 us write, ~500 MB/s' },
  hdd: { source: 'datasheet', note: '7200 rpm disk: ~8 ms seek + rotation, ~150 MB/s sequential' }
}

/** The defaults, copied before any profile can be applied. */
const DEFAULT_COST: Readonly<Record<string, number>> = Object.freeze({ ...COST })
const DEFAULT_DEVICES: Readonly<Record<DevicePresetName, Readonly<DeviceModel>>> = Object.freeze(
  Object.fromEntries(DEVICE_PRESETS.map((p) => [p, Object.freeze({ ...DEVICE_MODELS[p] })])) as Record<DevicePresetName, DeviceModel>
)

export function defaultCosts(): { cost: Record<string, number>; devices: Record<DevicePresetName, DeviceModel> } {
  return {
    cost: { ...DEFAULT_COST },
    devices: Object.fromEntries(DEVICE_PRESETS.map((p) => [p, { ...DEFAULT_DEVICES[p] }])) as Record<DevicePresetName, DeviceModel>
  }
}

/** The constants of a group, as "key" for COST and "preset.field" for device timings. */
export function groupConstants(group: CostGroup): string[] {
  if (group === 'device') return DEVICE_PRESETS.flatMap((p) => DEVICE_TIMING_KEYS.map((k) => `${p}.${k}`))
  return Object.keys(DEFAULT_COST).filter((k) => COST_SOURCES[k]?.group === group)
}

/** The profile file format written by calibration and read by `--cost-profile FILE`. */
export const COST_PROFILE_FORMAT = 'swaplab-cost-profile/1'

export interface CostProfileFile {
  format?: string
  name?: string
  description?: string
  cost?: Record<string, number>
  devices?: Partial<Record<DevicePresetName, Partial<Record<DeviceTimingKey, number>>>>
  /** Free-form record of how the profile was made (calibration runs, residuals); not read. */
  calibration?: unknown
}

const FILE_KEYS = ['format', 'name', 'description', 'cost', 'devices', 'calibration']
/** Largest constant accepted (1000 s): anything above is a unit mistake. */
const MAX_COST_NS = 1e12

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function valueProblem(path: string, v: unknown): string | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${path} must be a number of ns; got ${JSON.stringify(v)}`
  if (v <= 0) return `${path} must be positive; got ${v}`
  if (v > MAX_COST_NS) return `${path} must be at most ${MAX_COST_NS} ns; got ${v}`
  return null
}

/** Every problem of a profile's constants: unknown names, non-positive or non-numeric values. */
export function costProfileProblems(data: { cost?: unknown; devices?: unknown }): string[] {
  const out: string[] = []
  if (data.cost !== undefined) {
    if (!isObject(data.cost)) out.push('cost must be an object of constant: ns')
    else
      for (const [k, v] of Object.entries(data.cost)) {
        if (!(k in DEFAULT_COST)) out.push(`unknown constant cost.${k}; expected one of ${Object.keys(DEFAULT_COST).join(', ')}`)
        else {
          const p = valueProblem(`cost.${k}`, v)
          if (p) out.push(p)
        }
      }
  }
  if (data.devices !== undefined) {
    if (!isObject(data.devices)) out.push('devices must be an object of preset: { timing: ns }')
    else
      for (const [preset, fields] of Object.entries(data.devices)) {
        if (!(DEVICE_PRESETS as readonly string[]).includes(preset)) {
          out.push(`unknown device preset devices.${preset}; expected one of ${DEVICE_PRESETS.join(', ')}`)
          continue
        }
        if (!isObject(fields)) {
          out.push(`devices.${preset} must be an object of timing: ns`)
          continue
        }
        for (const [k, v] of Object.entries(fields)) {
          if (!(DEVICE_TIMING_KEYS as readonly string[]).includes(k))
            out.push(`unknown device timing devices.${preset}.${k}; expected one of ${DEVICE_TIMING_KEYS.join(', ')}`)
          else {
            const p = valueProblem(`devices.${preset}.${k}`, v)
            if (p) out.push(p)
          }
        }
      }
  }
  return out
}

/** Parses a profile file's JSON; throws a ConfigError on field costProfile naming every problem. */
export function parseCostProfile(data: unknown, origin: string): CostProfileSpec {
  const fail = (problems: string[]): never => {
    throw new ConfigError('costProfile', `cost profile ${origin}: ${problems.join('; ')}`)
  }
  if (!isObject(data)) return fail(['must be a JSON object with "cost" and/or "devices"'])
  const problems: string[] = []
  for (const k of Object.keys(data)) if (!FILE_KEYS.includes(k)) problems.push(`unknown key "${k}"; expected ${FILE_KEYS.join(', ')}`)
  if (data.format !== undefined && data.format !== COST_PROFILE_FORMAT)
    problems.push(`format must be "${COST_PROFILE_FORMAT}"; got ${JSON.stringify(data.format)}`)
  problems.push(...costProfileProblems(data))
  if (problems.length) fail(problems)
  return {
    name: origin,
    cost: { ...((data.cost as Record<string, number>) ?? {}) },
    devices: structuredClone((data.devices as CostProfileSpec['devices']) ?? {})
  }
}

export const BUILTIN_PROFILE_NAMES = ['default', 'host'] as const

/** The constants of a profile: built-in ones from the engine, file ones from the spec. */
function profileConstants(spec: CostProfileSpec | undefined): Pick<CostProfileSpec, 'cost' | 'devices'> {
  if (!spec || spec.name === 'default') return spec?.cost || spec?.devices ? spec : {}
  if (spec.name === 'host' && spec.cost === undefined && spec.devices === undefined) {
    const host = BUILTIN_PROFILES.host
    if (!host) throw new ConfigError('costProfile', 'no host profile yet: run swaplab calibrate')
    return host
  }
  if (spec.cost === undefined && spec.devices === undefined)
    throw new ConfigError(
      'costProfile',
      `cost profile "${spec.name}" came without its constants: a profile file is read by the front end (swaplab --cost-profile FILE), never by the engine`
    )
  return spec
}

/** Problems with a run's profile and scale, for checkEngineConfig (field, message). */
export function costConfigProblems(
  spec: CostProfileSpec | undefined,
  scale: Partial<Record<CostGroup, number>> | undefined
): [string, string][] {
  const out: [string, string][] = []
  if (spec !== undefined) {
    if (!isObject(spec) || typeof spec.name !== 'string' || spec.name.length === 0) out.push(['costProfile', 'must name a profile'])
    else {
      try {
        for (const p of costProfileProblems(profileConstants(spec))) out.push(['costProfile', `cost profile ${spec.name}: ${p}`])
      } catch (e) {
        out.push(['costProfile', (e as ConfigError).message.replace(/^costProfile: /, '')])
      }
    }
  }
  if (scale !== undefined) {
    if (!isObject(scale)) out.push(['costScale', 'must be an object of group: factor'])
    else
      for (const [g, f] of Object.entries(scale)) {
        if (!(COST_GROUPS as readonly string[]).includes(g))
          out.push([`costScale.${g}`, `unknown cost group; expected one of ${COST_GROUPS.join(', ')}`])
        else if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0 || f > 1000)
          out.push([`costScale.${g}`, `must be a factor above 0 and at most 1000; got ${JSON.stringify(f)}`])
      }
  }
  return out
}

/** The effective constants of a profile with a scale applied, computed from the defaults. */
export function effectiveCosts(
  spec?: CostProfileSpec,
  scale?: Partial<Record<CostGroup, number>>
): { cost: Record<string, number>; devices: Record<DevicePresetName, DeviceModel> } {
  const out = defaultCosts()
  const p = profileConstants(spec)
  const problems = costProfileProblems(p)
  if (problems.length) throw new ConfigError('costProfile', `cost profile ${spec?.name}: ${problems.join('; ')}`)
  Object.assign(out.cost, p.cost ?? {})
  for (const [preset, fields] of Object.entries(p.devices ?? {})) Object.assign(out.devices[preset as DevicePresetName], fields)
  for (const [g, f] of Object.entries(scale ?? {}) as [CostGroup, number][]) {
    if (f === 1) continue
    if (g === 'device') {
      for (const preset of DEVICE_PRESETS) for (const k of DEVICE_TIMING_KEYS) out.devices[preset][k] *= f
    } else for (const k of Object.keys(out.cost)) if (COST_SOURCES[k]?.group === g) out.cost[k] *= f
  }
  return out
}

/** A short stable hash (cyrb53) of every effective constant. */
function hashConstants(c: ReturnType<typeof effectiveCosts>): string {
  const text = JSON.stringify([
    Object.keys(c.cost)
      .sort()
      .map((k) => [k, c.cost[k]]),
    DEVICE_PRESETS.map((p) => DEVICE_TIMING_KEYS.map((k) => c.devices[p][k]))
  ])
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0')
}

/** What a run records about its cost model. */
export function costProfileRecord(spec?: CostProfileSpec, scale?: Partial<Record<CostGroup, number>>): CostProfileRecord {
  const eff = effectiveCosts(spec, scale)
  const changed: CostProfileRecord['changed'] = { cost: {}, devices: {} }
  for (const [k, v] of Object.entries(eff.cost)) if (v !== DEFAULT_COST[k]) changed.cost[k] = v
  for (const p of DEVICE_PRESETS)
    for (const k of DEVICE_TIMING_KEYS) if (eff.devices[p][k] !== DEFAULT_DEVICES[p][k]) (changed.devices[p] ??= {})[k] = eff.devices[p][k]
  const scaled = Object.fromEntries(Object.entries(scale ?? {}).filter(([, f]) => f !== 1))
  return {
    name: spec?.name ?? 'default',
    hash: hashConstants(eff),
    ...(Object.keys(scaled).length ? { scale: scaled } : {}),
    changed
  }
}

function writeTables(c: ReturnType<typeof effectiveCosts>): void {
  const live = COST as Record<string, number>
  for (const k of Object.keys(live)) live[k] = c.cost[k]
  for (const p of DEVICE_PRESETS) Object.assign(DEVICE_MODELS[p], c.devices[p])
}

/**
 * Puts a profile (and scale) into the live COST and DEVICE_MODELS tables for one run. Returns
 * the record for the summary and a restore function that puts the defaults back; throws a
 * ConfigError, leaving the tables untouched, when the profile is unusable.
 */
export function applyCostModel(
  spec?: CostProfileSpec,
  scale?: Partial<Record<CostGroup, number>>
): { record: CostProfileRecord; restore: () => void } {
  const eff = effectiveCosts(spec, scale)
  const record = costProfileRecord(spec, scale)
  writeTables(eff)
  return { record, restore: () => writeTables(defaultCosts()) }
}
