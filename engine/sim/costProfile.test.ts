// Cost profiles: every constant has a source and a group; profile files are checked naming
// what is wrong; a profile applies to its own run only, however that run ends.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runEngine, resolveEngineConfig, checkEngineConfig, ConfigError, RunCancelled, type RunSummary } from '../index'
import type { EngineConfigInput } from '../config'
import { COST, DEVICE_MODELS } from './cost'
import {
  COST_SOURCES,
  DEVICE_SOURCES,
  applyCostModel,
  costProfileRecord,
  defaultCosts,
  effectiveCosts,
  groupConstants,
  parseCostProfile,
  costProfileProblems
} from './costProfile'
import { BUILTIN_PROFILES } from './profiles'
import { COST_GROUPS, DEVICE_PRESETS } from '../types'

const MiB = 2 ** 20
let tmp: string
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-cost-'))
})
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

function small(over: EngineConfigInput = {}): ReturnType<typeof resolveEngineConfig> {
  return resolveEngineConfig({
    design: 'legacy',
    workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 4 * MiB, passes: 2, random: true } },
    memoryLimitBytes: 3 * MiB,
    devices: [{ sizeBytes: 64 * MiB, preset: 'nvme' }],
    deviceDir: tmp,
    cpus: 2,
    ...over
  })
}

function simulated(s: RunSummary): unknown {
  const { wallTimeMs, latency, ...rest } = s
  void wallTimeMs
  return { ...rest, latency: { swapoutSimNs: latency.swapoutSimNs, swapinSimNs: latency.swapinSimNs, freeSimNs: latency.freeSimNs } }
}

const snapshot = (): unknown => structuredClone({ cost: { ...COST }, devices: DEVICE_MODELS })

describe('constants and their sources', () => {
  it('gives every COST constant a group and a source, and names no constant that does not exist', () => {
    const missing = Object.keys(COST).filter((k) => !COST_SOURCES[k])
    expect(missing, `constants without a COST_SOURCES entry: ${missing.join(', ')}`).toEqual([])
    expect(Object.keys(COST_SOURCES).filter((k) => !(k in COST))).toEqual([])
    for (const [k, s] of Object.entries(COST_SOURCES)) {
      expect(COST_GROUPS, k).toContain(s.group)
      expect(['measured', 'datasheet', 'guess'], k).toContain(s.source)
      expect(s.note.length, k).toBeGreaterThan(10)
    }
    expect(Object.keys(DEVICE_SOURCES).sort()).toEqual([...DEVICE_PRESETS].sort())
    // Every group but compression has constants a usemem run charges.
    for (const g of COST_GROUPS) expect(groupConstants(g).length, g).toBeGreaterThan(0)
  })
})

describe('profile files', () => {
  it('reads a subset of constants and leaves the rest at their defaults', () => {
    const spec = parseCostProfile(
      { format: 'swaplab-cost-profile/1', cost: { faultBase: 410 }, devices: { nvme: { readLatencyNs: 90_000 } } },
      'p.json'
    )
    const eff = effectiveCosts(spec)
    expect(eff.cost.faultBase).toBe(410)
    expect(eff.cost.lockBase).toBe(COST.lockBase)
    expect(eff.devices.nvme.readLatencyNs).toBe(90_000)
    expect(eff.devices.nvme.writeLatencyNs).toBe(DEVICE_MODELS.nvme.writeLatencyNs)
    const rec = costProfileRecord(spec)
    expect(rec.name).toBe('p.json')
    expect(rec.changed).toEqual({ cost: { faultBase: 410 }, devices: { nvme: { readLatencyNs: 90_000 } } })
    expect(rec.hash).not.toBe(costProfileRecord().hash)
    expect(costProfileRecord().hash).toBe(costProfileRecord({ name: 'default' }).hash)
  })

  it('refuses unknown keys and non-positive values, naming each', () => {
    const bad = (data: unknown): string => {
      try {
        parseCostProfile(data, 'bad.json')
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError)
        return (e as Error).message
      }
      throw new Error('accepted')
    }
    const m = bad({
      cost: { faultBase: 0, lockBsae: 20, scanSlot: -2, mapPage: 'fast' },
      devices: { nvme: { parallel: 4 }, floppy: {} },
      colour: 1
    })
    expect(m).toMatch(/^costProfile: cost profile bad\.json: /)
    expect(m).toContain('cost.faultBase must be positive; got 0')
    expect(m).toContain('unknown constant cost.lockBsae')
    expect(m).toContain('cost.scanSlot must be positive; got -2')
    expect(m).toContain('cost.mapPage must be a number of ns; got "fast"')
    expect(m).toContain('unknown device timing devices.nvme.parallel')
    expect(m).toContain('unknown device preset devices.floppy')
    expect(m).toContain('unknown key "colour"')
    expect(bad([1, 2])).toContain('must be a JSON object')
    expect(bad({ format: 'other/2' })).toContain('format must be')
    expect(bad({ cost: { faultBase: Infinity } })).toContain('cost.faultBase must be a number of ns')
  })

  it('ships a host profile fitted on a kernel: valid, different from the default, with its sources and residuals', () => {
    const host = BUILTIN_PROFILES.host!
    expect(host).not.toBeNull()
    expect(host.name).toBe('host')
    expect(costProfileProblems(host)).toEqual([])
    const eff = effectiveCosts({ name: 'host' })
    const d = defaultCosts()
    const changed = Object.keys(d.cost).filter((k) => eff.cost[k] !== d.cost[k])
    expect(changed.length).toBeGreaterThan(0)
    // every constant it changes was measured (fitted) here, and says so
    const cal = host.calibration as {
      kernelReleases: string[]
      runSet: string[]
      residuals: { label: string; system: { relError: number } }[]
      sources: Record<string, { source: string }>
    }
    for (const k of changed) expect(cal.sources[k]?.source, k).toBe('measured')
    for (const k of Object.keys(COST_SOURCES)) expect(cal.sources[k], k).toBeDefined()
    expect(cal.kernelReleases.length).toBeGreaterThan(0)
    expect(cal.residuals.map((r) => r.label)).toEqual(cal.runSet)
    expect(cal.runSet.length).toBeGreaterThanOrEqual(12)
    expect(checkEngineConfig(small({ costProfile: { name: 'host' } }))).toEqual([])
  })

  it('a run with the host profile records it, runs with its constants, and leaves the defaults behind', () => {
    const def = runEngine(small())
    const host = runEngine(small({ costProfile: { name: 'host' } }))
    expect(host.costProfile!.name).toBe('host')
    expect(def.costProfile!.name).toBe('default')
    expect(host.costProfile!.hash).not.toBe(def.costProfile!.hash)
    expect(Object.keys(host.costProfile!.changed.cost).length).toBeGreaterThan(0)
    expect(host.systemTimeNs).not.toBe(def.systemTimeNs)
    expect(snapshot()).toEqual(structuredClone(defaultCosts()))
  })

  it('refuses a file profile whose constants were not loaded, and bad values given directly', () => {
    expect(checkEngineConfig(small({ costProfile: { name: '/tmp/x.json' } }))[0].message).toContain('came without its constants')
    expect(checkEngineConfig(small({ costProfile: { name: 'x', cost: { faultBase: -1 } } }))[0]).toEqual({
      field: 'costProfile',
      message: 'cost profile x: cost.faultBase must be positive; got -1'
    })
    expect(checkEngineConfig(small({ costScale: { lock: 0 } }))[0].field).toBe('costScale.lock')
    expect(checkEngineConfig(small({ costScale: { cpu: 2 } as never }))[0].message).toContain('unknown cost group')
  })
})

describe('applying a profile to a run', () => {
  it('scales every constant of a group and nothing else', () => {
    const eff = effectiveCosts(undefined, { metadata: 2, device: 0.5 })
    const d = defaultCosts()
    for (const k of Object.keys(d.cost)) expect(eff.cost[k], k).toBe(COST_SOURCES[k].group === 'metadata' ? d.cost[k] * 2 : d.cost[k])
    expect(eff.devices.hdd.seekNs).toBe(d.devices.hdd.seekNs / 2)
    expect(eff.devices.hdd.parallel).toBe(d.devices.hdd.parallel)
    const { restore } = applyCostModel(undefined, { lock: 3 })
    expect(COST.lockBase).toBe(d.cost.lockBase * 3)
    restore()
    expect(COST.lockBase).toBe(d.cost.lockBase)
  })

  it('uses the profile in its run only: a default run after it gives the default results bit for bit', () => {
    const before = runEngine(small())
    expect(before.costProfile).toEqual(costProfileRecord())
    const profiled = runEngine(
      small({ costProfile: { name: 'slow.json', cost: { faultBase: 3000, lockBase: 200 }, devices: { nvme: { readLatencyNs: 400_000 } } } })
    )
    expect(profiled.costProfile!.name).toBe('slow.json')
    expect(profiled.costProfile!.changed.cost).toEqual({ faultBase: 3000, lockBase: 200 })
    expect(profiled.systemTimeNs).toBeGreaterThan(before.systemTimeNs)
    expect(profiled.simTimeNs).toBeGreaterThan(before.simTimeNs)
    expect(snapshot()).toEqual(structuredClone(defaultCosts()))
    const after = runEngine(small())
    expect(simulated(after)).toEqual(simulated(before))
  })

  it('puts the defaults back after a cancelled run and after a failed one', () => {
    const before = runEngine(small())
    expect(() => runEngine(small({ costScale: { paths: 4 } }), { shouldAbort: () => true })).toThrow(RunCancelled)
    expect(snapshot()).toEqual(structuredClone(defaultCosts()))
    let polls = 0
    expect(() =>
      runEngine(small({ costProfile: { name: 'f', cost: { faultBase: 9 } } }), {
        onProgress: () => {
          if (++polls > 0) throw new Error('front end went away')
        }
      })
    ).toThrow('front end went away')
    expect(snapshot()).toEqual(structuredClone(defaultCosts()))
    expect(simulated(runEngine(small()))).toEqual(simulated(before))
  })

  it('records the scale of a sensitivity run and changes its simulated times', () => {
    const base = runEngine(small())
    const scaled = runEngine(small({ costScale: { device: 2 } }))
    expect(scaled.costProfile!.scale).toEqual({ device: 2 })
    expect(scaled.costProfile!.changed.devices.nvme!.readLatencyNs).toBe(2 * DEVICE_MODELS.nvme.readLatencyNs)
    expect(scaled.simTimeNs).toBeGreaterThan(base.simTimeNs)
  })
})
