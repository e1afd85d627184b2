// The fidelity set through the lab service, with the engine, the kernel backend and the machine
// replaced (the real runs are in docs/fidelity.md): which kernels it picks and skips, that its
// runs are ordinary recorded runs, and that the report is rebuilt from the store.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabService } from './service'
import { InputError } from './errors'
import type { PreflightDeps } from './preflight'
import { tempDir } from './testing/fixtures'
import type { CachedKernel } from '../../engine/kernel/images'
import { FIDELITY_CASES, hostProfileFitted } from '../../experiments/fidelity'

const KERNEL = path.join(__dirname, 'testing', 'fakeKernel.ts')
const ENGINE = path.join(__dirname, 'testing', 'fakeEngine.ts')

const cached = (version: string, release: string, upstream: string, missing: string[] = []): CachedKernel => ({
  version,
  release,
  upstream,
  dir: '/cache',
  vmlinuz: '/cache/vmlinuz',
  config: null,
  modules: [],
  sizeBytes: 1,
  fetchedAt: '2026-11-28T00:00:00Z',
  packages: [],
  missing
})

const CACHE = [
  cached('6.16.12-1', '6.16.12+deb13-cloud-amd64', '6.16.12'),
  cached('6.12.117-1', '6.12.117+deb13-cloud-amd64', '6.12.117'),
  cached('6.1.192-2', '6.1.0-56-cloud-amd64', '6.1.192'),
  cached('7.1.13-1', '7.1.13+deb13-cloud-amd64', '7.1.13', ['linux-modules-7.1.13'])
]

function machine(over: Partial<PreflightDeps> = {}): PreflightDeps {
  return {
    isRoot: () => true,
    which: (c) => `/usr/bin/${c}`,
    exists: () => true,
    kvmUsable: () => false,
    hostPreflight: async () => ({}),
    resolveImage: async (spec) => {
      const k = CACHE.find((c) => spec === `debian-${c.version}` || spec === `debian-${c.upstream.split('.').slice(0, 2).join('.')}`)
      if (!k) throw new Error(`Debian kernel ${spec.slice(7)} is not in the lab's cache\nsecond line`)
      return { image: `debian-${k.version}`, vmlinuz: k.vmlinuz, release: k.release, upstream: k.upstream, config: null, modules: [] }
    },
    buildProgram: async (name) => `/cache/${name}`,
    listCached: () => CACHE,
    listAvailable: async () => [],
    ...over
  }
}

let dir: string
let lab: LabService | undefined
const open = (deps: PreflightDeps): LabService =>
  (lab = new LabService({
    dbPath: path.join(dir, 'runs.db'),
    deviceDir: path.join(dir, 'devices'),
    appVersion: '9.9.9',
    engine: { module: ENGINE, options: { steps: 2, stepMs: 1 } },
    kernel: { module: KERNEL, options: { steps: 2, stepMs: 1 } },
    preflight: deps,
    recoverHost: () => undefined,
    trustConfigPaths: true
  }))

beforeEach(() => {
  dir = tempDir()
})
afterEach(async () => {
  await lab?.close()
  lab = undefined
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the fidelity set through the lab', () => {
  it('runs on the host and one cached kernel per design, records ordinary tagged runs, and rebuilds the report from them', async () => {
    const l = open(machine())
    expect(await l.fidelityReport()).toBeNull()
    const started = await l.startFidelity({ quick: true })
    // 6.16 is the cluster design again (6.12 is its era's first); 7.1 was cached incomplete.
    const images = new Set((await l.listRuns()).filter((r) => r.design === 'kernel').map((r) => r.variantLabel))
    // Every kernel reclaims with the classic LRU the simulation models (lru=classic).
    expect([...images].sort()).toEqual([
      'kernel debian-6.1.192-2 lru=classic',
      'kernel debian-6.12.117-1 lru=classic',
      'kernel host lru=classic'
    ])
    // One experiment per case, and with the host profile fitted one more per case that the host runs: its design under that profile.
    const quickCases = FIDELITY_CASES.filter((c) => c.quick).length
    expect(started.experimentIds).toHaveLength(hostProfileFitted() ? 2 * quickCases : quickCases)
    expect(started.skipped).toEqual([
      { image: 'debian-6.1.192-2', caseId: 'thp-default', reason: expect.stringMatching(/no per-size mTHP/) }
    ])
    const runs = await l.waitForRuns(started.runIds)
    expect(runs.every((r) => r.status === 'done')).toBe(true)
    expect(runs.every((r) => r.experimentName.startsWith(`fidelity/${started.stamp}/`) && r.tags.includes('fidelity'))).toBe(true)

    const report = (await l.fidelityReport())!
    expect(report.stamp).toBe(started.stamp)
    expect(report.caseIds).toEqual(FIDELITY_CASES.filter((c) => c.quick).map((c) => c.id))
    // The fake kernel reports 6.18.1 on the host (swap-table P1) and 6.12.57 in a VM (cluster).
    const host = report.pairs.find((p) => p.caseId === 'usemem-seq-1p-32M' && p.kernelImage === 'host lru=classic')!
    expect(host.simLabel).toBe('swap-table P1')
    expect(host.kernel).toMatchObject({ where: 'host', countersSystemWide: true })
    expect(host.rows.find((r) => r.metric === 'pswpout')!.kernel!.n).toBe(1)
    const hostProfileRow = host.rows.find((r) => r.metric === 'system_time_s_host_profile')!
    if (hostProfileFitted()) expect(hostProfileRow.sim!.n).toBe(1)
    else expect(hostProfileRow.note).toBe('host profile: not fitted')
    expect(host.simRunIds.length).toBe(hostProfileFitted() ? 2 : 1)
    expect(await l.fidelityReport('nope')).toBeNull()
    await expect(l.fidelityReport('../x')).rejects.toBeInstanceOf(InputError)
  })

  it('simulates a recorded set again for its own kernels and cases, keeps the kernel runs, and reports the newest simulation', async () => {
    const l = open(machine())
    const first = await l.startFidelity({ kernels: ['host', 'debian-6.12'], cases: ['usemem-seq-1p-32M', 'thp-small'] })
    await l.waitForRuns(first.runIds)
    const before = (await l.fidelityReport())!
    const again = await l.startFidelity({ resimulate: true, cases: ['usemem-seq-1p-32M'] })
    expect(again.stamp).toBe(first.stamp)
    const runs = await l.waitForRuns(again.runIds)
    // Only simulated designs: the host's and 6.12's paired designs (and the host's under the host profile), 3 trials each.
    expect(runs.some((r) => r.design === 'kernel')).toBe(false)
    expect(new Set(runs.map((r) => r.variantLabel))).toEqual(new Set(['swap-table P1', 'cluster']))
    expect(runs.every((r) => r.experimentName === `fidelity/${first.stamp}/usemem-seq-1p-32M`)).toBe(true)
    expect(runs).toHaveLength(hostProfileFitted() ? 9 : 6)
    const after = (await l.fidelityReport())!
    const pair = (r: typeof after, image: string) => r.pairs.find((p) => p.caseId === 'usemem-seq-1p-32M' && p.kernelImage === image)!
    // The kernel runs are the same; the simulated ones are the new experiment's only.
    expect(pair(after, 'host lru=classic').kernelRunIds).toEqual(pair(before, 'host lru=classic').kernelRunIds)
    expect(pair(after, 'debian-6.12.117-1 lru=classic').simRunIds.every((id) => again.runIds.includes(id))).toBe(true)
    expect(pair(after, 'debian-6.12.117-1 lru=classic').rows[0].sim!.n).toBe(3)
    // The case not asked for keeps its first simulation.
    const thp = after.pairs.find((p) => p.caseId === 'thp-small')!
    expect(thp.simRunIds.every((id) => first.runIds.includes(id))).toBe(true)
    await expect(l.startFidelity({ resimulate: true, kernels: ['host'] })).rejects.toThrow(/not --kernels/)
    await expect(l.startFidelity({ resimulate: true, stamp: 'nothing-here' })).rejects.toThrow(/has no completed kernel run/)
  })

  it('adds runs to an existing set with --stamp and only the cases asked for', async () => {
    const l = open(machine())
    const first = await l.startFidelity({ kernels: ['host'], cases: ['usemem-seq-1p-32M'] })
    await l.waitForRuns(first.runIds)
    const more = await l.startFidelity({ kernels: ['debian-6.12'], cases: ['thp-small'], stamp: first.stamp })
    await l.waitForRuns(more.runIds)
    const r = (await l.fidelityReport())!
    expect(r.stamp).toBe(first.stamp)
    expect(r.pairs.map((p) => `${p.caseId} ${p.kernelImage}`)).toEqual([
      'usemem-seq-1p-32M host lru=classic',
      'thp-small debian-6.12.117-1 lru=classic'
    ])
    // Three trials of each variant: the kernel's spread is shown.
    expect(r.pairs[1].rows[0].kernel!.n).toBe(3)
    await expect(l.startFidelity({ cases: ['nope'] })).rejects.toThrow(/unknown case "nope"/)
  })

  it('skips kernels that cannot run here, each with a one-line reason, and refuses when none can', async () => {
    const noRoot = open(machine({ isRoot: () => false, which: () => null }))
    const e = await noRoot.startFidelity({ kernels: ['host', 'debian-6.12'] }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(InputError)
    expect((e as InputError).errors[0].message).toMatch(
      /^no kernel can run the fidelity set here: host: needs root.*; debian-6\.12: kernels in a VM need/
    )
    expect(await noRoot.listRuns()).toEqual([])
    await noRoot.close()
    const l = open(machine({ hostPreflight: async () => Promise.reject(new Error('no C compiler (cc)\nmore')) }))
    const started = await l.startFidelity({ kernels: ['host', 'debian-6.12', 'debian-9.9'], quick: true })
    expect(started.skipped.filter((s) => s.caseId === null)).toEqual([
      { image: 'debian-9.9', caseId: null, reason: "Debian kernel 9.9 is not in the lab's cache" },
      { image: 'host', caseId: null, reason: 'no C compiler (cc)' }
    ])
    await l.waitForRuns(started.runIds)
    expect(new Set((await l.listRuns()).filter((r) => r.design === 'kernel').map((r) => r.variantLabel))).toEqual(
      new Set(['kernel debian-6.12.117-1 lru=classic'])
    )
  })

  it('refuses bad options by name', async () => {
    const l = open(machine())
    await expect(l.startFidelity({ kernels: [] })).rejects.toThrow(/needs at least one/)
    await expect(l.startFidelity({ quick: 'yes' })).rejects.toThrow(/must be true or false/)
    await expect(l.startFidelity({ kernels: ['host'], extra: 1 })).rejects.toBeInstanceOf(InputError)
    await expect(l.startFidelity({ stamp: 'a/b' })).rejects.toThrow(/not a fidelity set stamp/)
    expect(await l.listRuns()).toEqual([])
  })
})
