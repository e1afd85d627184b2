// Engine config defaults and the engine's own guard checks. The user-facing schema lives in
// experiments/ (zod) and is built from the same catalogues; these checks protect the
// engine when it is used as a library and name the offending field the same way.

import {
  KERNEL_WORKLOADS,
  DESIGN_NAMES,
  DEVICE_PRESETS,
  SWAPFILE_CLUSTER,
  PAGE_SIZE,
  WORKLOAD_NAMES,
  type EngineConfig,
  type DeviceConfig
} from './types'
import { WORKLOAD_CATALOGUE, workloadFootprintBytes } from './workloads/catalogue'
import { DESIGN_CATALOGUE } from './designs/catalogue'
import { ConfigError } from './errors'
import { costConfigProblems } from './sim/costProfile'
import { parseKernelImage } from './designs/kernelImage'

const MiB = 2 ** 20
const GiB = 2 ** 30

export const MAX_DEVICE_BYTES = 16 * 2 ** 40 // 16 TiB
export const MAX_CPUS = 256

export interface ConfigProblem {
  field: string
  message: string
}

export type EngineConfigInput = Partial<Omit<EngineConfig, 'workload' | 'devices'>> & {
  workload?: { name: EngineConfig['workload']['name']; params?: EngineConfig['workload']['params'] }
  devices?: Partial<DeviceConfig>[]
}

/** Fills every missing field with its default (workload and design option defaults from the catalogues). */
export function resolveEngineConfig(input: EngineConfigInput): EngineConfig {
  const design = input.design ?? 'swap-table'
  const designInfo = DESIGN_CATALOGUE.find((d) => d.name === design)
  const designOptions: Record<string, unknown> = {}
  for (const o of designInfo?.options ?? []) if (!o.optional) designOptions[o.key] = o.default
  Object.assign(designOptions, input.designOptions ?? {})
  const wname = input.workload?.name ?? 'usemem'
  const winfo = WORKLOAD_CATALOGUE.find((w) => w.name === wname)
  const params: Record<string, number | string | boolean> = {}
  for (const p of winfo?.params ?? []) params[p.key] = p.default
  Object.assign(params, input.workload?.params ?? {})
  const devices = (input.devices && input.devices.length ? input.devices : [{}]).map((d): DeviceConfig => ({
    sizeBytes: d.sizeBytes ?? 1 * GiB,
    preset: d.preset ?? 'nvme',
    priority: d.priority ?? 0,
    discard: d.discard ?? false
  }))
  return {
    design,
    designOptions,
    workload: { name: wname, params },
    devices,
    storage: input.storage ?? 'file',
    deviceDir: input.deviceDir,
    memoryLimitBytes: input.memoryLimitBytes ?? 128 * MiB,
    cpus: input.cpus ?? 2,
    seed: input.seed ?? 1,
    thpOrders: input.thpOrders ?? [0],
    pageCluster: input.pageCluster ?? 3,
    sampleIntervalNs: input.sampleIntervalNs ?? 10_000_000,
    checkInvariants: input.checkInvariants ?? false,
    fsyncPerBatch: input.fsyncPerBatch ?? false,
    tickNs: input.tickNs ?? 4_000_000,
    ...(input.costProfile !== undefined ? { costProfile: input.costProfile } : {}),
    ...(input.costScale !== undefined ? { costScale: input.costScale } : {})
  }
}

/** Returns every problem found (empty when the config can run). */
export function checkEngineConfig(c: EngineConfig): ConfigProblem[] {
  const out: ConfigProblem[] = []
  const bad = (field: string, message: string): void => {
    out.push({ field, message })
  }
  if (!DESIGN_NAMES.includes(c.design)) bad('design', `unknown design "${c.design}"; expected one of ${DESIGN_NAMES.join(', ')}`)
  const designInfo = DESIGN_CATALOGUE.find((d) => d.name === c.design)
  for (const [k, v] of Object.entries(c.designOptions ?? {})) {
    const spec = designInfo?.options.find((o) => o.key === k)
    if (!spec) {
      if (v !== undefined) bad(`designOptions.${k}`, `not an option of design ${c.design}`)
      continue
    }
    if (spec.optional && v === undefined) continue
    checkParam(`designOptions.${k}`, spec, v, bad)
  }
  if (c.design === 'kernel') checkKernelConfig(c, bad)
  if (c.design === 'vswap' && c.designOptions?.backing === 'zswap-only') {
    if (!(Number(c.designOptions.zswapPoolBytes) > 0))
      bad('designOptions.zswapPoolBytes', 'the zswap-only backing keeps every swapped page in zswap: give the pool a limit above 0')
    if (c.workload?.name === 'fill')
      bad(
        'workload.name',
        'fill fills a share of the swap device, and the zswap-only backing has no device: use usemem or another workload'
      )
  }
  if (c.design === 'swap-table' && c.designOptions?.memcgLayout !== undefined && c.designOptions.phase !== 4)
    bad(
      'designOptions.memcgLayout',
      `only phase 4 moves memcg ids out of the swap_cgroup array; phase ${c.designOptions.phase} keeps one id per slot there`
    )
  if (!WORKLOAD_NAMES.includes(c.workload?.name))
    bad('workload.name', `unknown workload "${c.workload?.name}"; expected one of ${WORKLOAD_NAMES.join(', ')}`)
  const winfo = WORKLOAD_CATALOGUE.find((w) => w.name === c.workload?.name)
  if (winfo) {
    for (const spec of winfo.params) checkParam(`workload.params.${spec.key}`, spec, c.workload.params[spec.key], bad)
    for (const k of Object.keys(c.workload.params))
      if (!winfo.params.some((p) => p.key === k)) bad(`workload.params.${k}`, `not a parameter of workload ${winfo.name}`)
  }
  if (!Array.isArray(c.devices) || c.devices.length === 0) bad('devices', 'at least one swap device is needed')
  else if (c.devices.length > 32) bad('devices', 'at most 32 swap devices (MAX_SWAPFILES)')
  c.devices?.forEach((d, i) => {
    if (!DEVICE_PRESETS.includes(d.preset))
      bad(`devices.${i}.preset`, `unknown preset "${d.preset}"; expected one of ${DEVICE_PRESETS.join(', ')}`)
    if (!Number.isFinite(d.sizeBytes) || d.sizeBytes < 2 * SWAPFILE_CLUSTER * PAGE_SIZE)
      bad(
        `devices.${i}.sizeBytes`,
        `must be at least two clusters (${(2 * SWAPFILE_CLUSTER * PAGE_SIZE) / MiB} MiB: one page of it is the swap header); got ${d.sizeBytes}`
      )
    else if (d.sizeBytes > MAX_DEVICE_BYTES) bad(`devices.${i}.sizeBytes`, `must be at most 16 TiB; got ${d.sizeBytes}`)
    else if (d.sizeBytes % PAGE_SIZE !== 0) bad(`devices.${i}.sizeBytes`, 'must be a whole number of 4 KiB pages')
    if (!Number.isInteger(d.priority) || d.priority < -1 || d.priority > 32767)
      bad(`devices.${i}.priority`, 'must be an integer from -1 to 32767')
  })
  if (c.storage !== 'file' && c.storage !== 'metadata-only') bad('storage', 'must be "file" or "metadata-only"')
  if (!Number.isInteger(c.cpus) || c.cpus < 1 || c.cpus > MAX_CPUS) bad('cpus', `must be an integer from 1 to ${MAX_CPUS}; got ${c.cpus}`)
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff) bad('seed', 'must be an integer from 0 to 4294967295')
  if (!Number.isFinite(c.memoryLimitBytes) || c.memoryLimitBytes < 64 * PAGE_SIZE)
    bad('memoryLimitBytes', `must be at least 256 KiB; got ${c.memoryLimitBytes}`)
  if (!Array.isArray(c.thpOrders) || c.thpOrders.some((o) => !Number.isInteger(o) || o < 0 || o > 9))
    bad('thpOrders', 'orders must be integers from 0 to 9')
  if (!Number.isInteger(c.pageCluster) || c.pageCluster < 0 || c.pageCluster > 5) bad('pageCluster', 'must be an integer from 0 to 5')
  if (!(c.sampleIntervalNs >= 1000)) bad('sampleIntervalNs', 'must be at least 1000 ns')
  if (!(c.tickNs >= 100_000 && c.tickNs <= 10_000_000)) bad('tickNs', 'must be from 0.1 ms to 10 ms (HZ 100..10000)')
  for (const [field, message] of costConfigProblems(c.costProfile, c.costScale)) bad(field, message)
  if (out.length === 0 && winfo) {
    const deviceBytes = c.devices.reduce((s, d) => s + d.sizeBytes, 0)
    const footprint = workloadFootprintBytes(winfo.name, c.workload.params, deviceBytes, c.memoryLimitBytes)
    const explicitPageout = winfo.name === 'thp-swap-allocator-test'
    if (!explicitPageout && footprint <= c.memoryLimitBytes)
      bad(
        'memoryLimitBytes',
        `must be smaller than what the workload touches (${fmtBytes(footprint)}), or nothing is swapped; got ${fmtBytes(c.memoryLimitBytes)}`
      )
    if (winfo.name === 'kbuild' && Number(c.workload.params.wsMinBytes) > Number(c.workload.params.wsMaxBytes))
      bad('workload.params.wsMinBytes', 'must not exceed wsMaxBytes')
  }
  return out
}

/** What a run on a real kernel can and cannot do; each message names the field. */
function checkKernelConfig(c: EngineConfig, bad: (field: string, message: string) => void): void {
  const o = c.designOptions ?? {}
  const image = typeof o.image === 'string' ? parseKernelImage(o.image) : null
  if (image && 'error' in image) bad('designOptions.image', image.error)
  if (o.modules !== undefined && image && !('error' in image) && image.kind !== 'path')
    bad(
      'designOptions.modules',
      `only for a bzImage path; ${image.kind === 'host' ? 'the host kernel has its own' : 'Debian images bring their own'}`
    )
  if (o.modules !== undefined && typeof o.modules === 'string' && !o.modules.startsWith('/'))
    bad('designOptions.modules', `must be an absolute path to a lib/modules/<release> folder; got "${o.modules}"`)
  if (image && !('error' in image) && image.kind === 'host' && o.accel !== undefined && o.accel !== 'auto')
    bad('designOptions.accel', `${o.accel} is for kernels in a VM; the host kernel runs on the machine itself`)
  if (!(KERNEL_WORKLOADS as readonly string[]).includes(c.workload?.name))
    bad('workload.name', `${c.workload?.name} has no program for a real kernel; kernel runs support ${KERNEL_WORKLOADS.join(' and ')}`)
  if (c.storage !== 'file') bad('storage', 'a real kernel swaps to a real device file: use "file", not metadata-only')
  if (Array.isArray(c.devices) && c.devices.length > 1) bad('devices', 'kernel runs swap to one device file; give one device')
  if (c.checkInvariants) bad('checkInvariants', "checks the simulation's structures; a real kernel has none to check: turn it off")
  if (c.fsyncPerBatch) bad('fsyncPerBatch', 'is a simulation option; the kernel writes the device file itself')
}

export function assertEngineConfig(c: EngineConfig): void {
  const problems = checkEngineConfig(c)
  if (problems.length)
    throw new ConfigError(problems[0].field, problems.map((p) => (p === problems[0] ? p.message : `${p.field}: ${p.message}`)).join('; '))
}

function checkParam(
  field: string,
  spec: { kind: string; min?: number; max?: number; values?: (string | number)[] },
  v: unknown,
  bad: (f: string, m: string) => void
): void {
  switch (spec.kind) {
    case 'int':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad(field, `must be a number; got ${JSON.stringify(v)}`)
      if (spec.kind === 'int' && !Number.isInteger(v)) return bad(field, `must be a whole number; got ${v}`)
      if (spec.min !== undefined && v < spec.min) return bad(field, `must be at least ${spec.min}; got ${v}`)
      if (spec.max !== undefined && v > spec.max) return bad(field, `must be at most ${spec.max}; got ${v}`)
      return
    case 'bool':
      if (typeof v !== 'boolean') bad(field, `must be true or false; got ${JSON.stringify(v)}`)
      return
    case 'enum':
      if (!spec.values!.includes(v as string | number)) bad(field, `must be one of ${spec.values!.join(', ')}; got ${JSON.stringify(v)}`)
      return
    case 'string':
      if (typeof v !== 'string' || v.length === 0) bad(field, 'must be a non-empty string')
  }
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`
}
