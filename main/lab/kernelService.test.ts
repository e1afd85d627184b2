// Kernel runs through the lab service, with the backend and the machine replaced (the real
// thing is in kernelReal.test.ts): preflight refuses what cannot start before anything is
// recorded, front ends may not name kernel files by path, and exports mark kernel rows.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabService } from './service'
import { PreflightError } from './errors'
import type { PreflightDeps } from './preflight'
import { tempDir } from './testing/fixtures'
import { callChecked } from '../channels'
import { recordingApi } from '../testing/fakeApi'
import { kernelCaveats } from '../../experiments/kernelBadge'

const MiB = 2 ** 20
const KERNEL = path.join(__dirname, 'testing', 'fakeKernel.ts')
const ENGINE = path.join(__dirname, 'testing', 'fakeEngine.ts')
const experiment = (designs: object[]) => ({
  name: 'kernels',
  designs,
  workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 16 * MiB, passes: 1 } },
  memoryLimitBytes: 8 * MiB,
  devices: [{ sizeBytes: 64 * MiB }]
})
const HOST = { design: 'kernel', options: { image: 'host' } }
const DEBIAN = { design: 'kernel', options: { image: 'debian-6.12' } }

/** A machine where everything is there; each test takes something away. */
function machine(over: Partial<PreflightDeps> = {}): PreflightDeps & { resolved: string[]; built: string[] } {
  const resolved: string[] = []
  const built: string[] = []
  return {
    resolved,
    built,
    isRoot: () => true,
    which: (c) => `/usr/bin/${c}`,
    exists: () => true,
    kvmUsable: () => false,
    hostPreflight: async () => ({}),
    resolveImage: async (spec) => {
      resolved.push(spec)
      return { image: 'debian-6.12.57-1', vmlinuz: '/x', release: '6.12.57', upstream: '6.12.57', config: null, modules: [] }
    },
    buildProgram: async (name) => {
      built.push(name)
      return `/cache/${name}`
    },
    listCached: () => [],
    listAvailable: async () => [],
    ...over
  }
}

let dir: string
let lab: LabService | undefined
const open = (deps: PreflightDeps, extra: Partial<ConstructorParameters<typeof LabService>[0]> = {}): LabService =>
  new LabService({
    dbPath: path.join(dir, 'runs.db'),
    deviceDir: path.join(dir, 'devices'),
    appVersion: '9.9.9',
    engine: { module: ENGINE, options: { steps: 3, stepMs: 1 } },
    kernel: { module: KERNEL, options: { steps: 3, stepMs: 1 } },
    preflight: deps,
    recoverHost: () => undefined,
    trustConfigPaths: true,
    ...extra
  })

beforeEach(() => {
  dir = tempDir()
})
afterEach(async () => {
  await lab?.close()
  lab = undefined
  fs.rmSync(dir, { recursive: true, force: true })
})

async function refused(l: LabService, config: object): Promise<PreflightError> {
  const e = await l.start(config).then(
    () => null,
    (x: unknown) => x
  )
  expect(e).toBeInstanceOf(PreflightError)
  // Nothing was recorded: no experiment, no run.
  expect(await l.listRuns()).toEqual([])
  return e as PreflightError
}

describe('kernel preflight', () => {
  it('refuses a host run without root before recording anything, saying what to do', async () => {
    lab = open(
      machine({
        hostPreflight: async () => {
          throw new Error('kernel:image=host needs root (swapon, memory cgroups and the THP knobs are root-only): run the lab as root')
        }
      })
    )
    const e = await refused(lab, experiment([HOST, { design: 'swap-table', options: { phase: 1 } }]))
    expect(e.errors).toEqual([{ field: 'designs.0.options.image', message: expect.stringMatching(/needs root.*run the lab as root/) }])
  })

  it('refuses a VM run without QEMU, naming the package', async () => {
    lab = open(machine({ which: () => null }))
    const e = await refused(lab, experiment([HOST, DEBIAN]))
    expect(e.errors).toEqual([
      { field: 'designs.1.options.image', message: expect.stringMatching(/qemu-system-x86_64.*apt-get install qemu-system-x86/) }
    ])
  })

  it('refuses an image apt cannot fetch, accel=kvm without /dev/kvm, and a program that does not build', async () => {
    lab = open(
      machine({
        resolveImage: async () => {
          throw new Error('no Debian cloud-amd64 kernel 5.99 is visible to apt')
        },
        buildProgram: async () => {
          throw new Error('no C compiler: `cc` is not on the PATH; install a C compiler')
        }
      })
    )
    const e = await refused(lab, experiment([{ design: 'kernel', options: { image: 'debian-5.99', accel: 'kvm' } }]))
    expect(e.errors.map((x) => x.field)).toEqual(['designs.0.options.accel', 'designs.0.options.image', 'workload.name', 'workload.name'])
    expect(e.message).toMatch(/visible to apt/)
    expect(e.message).toMatch(/no C compiler/)
  })

  it('fetches and builds what runs need once per image, then runs them beside a simulated design', async () => {
    const m = machine()
    lab = open(m)
    // A VM run takes seconds to boot, not the simulation's fraction of a second.
    expect((await lab.preview(experiment([DEBIAN]))).estimatedSeconds).toBeGreaterThanOrEqual(15)
    const { runIds } = await lab.start({ ...experiment([HOST, DEBIAN, { design: 'legacy' }]), trials: 2 })
    expect(m.resolved).toEqual(['debian-6.12'])
    expect(m.built.sort()).toEqual(['init', 'usemem'])
    const runs = await lab.waitForRuns(runIds)
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill('done'))
    expect(runs.map((r) => r.variantLabel).slice(0, 3)).toEqual(['kernel host', 'kernel debian-6.12', 'legacy'])
    expect(runs[0].kernel).toMatchObject({ where: 'host', countersSystemWide: true })
    expect(runs[1].kernel).toMatchObject({ where: 'vm', accel: 'tcg', timingsAreKernel: false })
    // A boot repeated after a transient panic is on the run's kernel mark, and said wherever caveats are shown.
    expect(runs[1].kernel).toMatchObject({ bootAttempts: 2, bootRetries: ['early-boot panic under TCG: Fatal exception in interrupt'] })
    expect(kernelCaveats(runs[1].kernel!)).toContain('booted 2 times (early-boot panic under TCG: Fatal exception in interrupt)')
    expect(runs[0].kernel).toMatchObject({ swapRotational: false })
    expect(runs[2].kernel).toBeUndefined()
  })

  it('reports what the host recovery at open cleaned up', async () => {
    const lines: string[] = []
    lab = open(machine(), {
      recoverHost: () => ({
        swappedOff: ['/tmp/swaplab-1-run3-x/swap0.img'],
        cgroupsRemoved: ['swaplab-1-3'],
        knobsRestored: [],
        foldersRemoved: [],
        problems: []
      }),
      onKernelLog: (l) => lines.push(l)
    })
    await lab.start(experiment([HOST]))
    expect(lines).toEqual(['cleaned up after an earlier host kernel run: /tmp/swaplab-1-run3-x/swap0.img, swaplab-1-3'])
  })

  it('does not fail a run over a host recovery problem unless the host is asked for', async () => {
    lab = open(machine(), {
      recoverHost: () => {
        throw new Error('swapoff /tmp/x failed: Device or resource busy')
      }
    })
    const e = await refused(lab, experiment([HOST]))
    expect(e.message).toMatch(/could not clean up after an earlier host kernel run \(swapoff/)
    const { runIds } = await lab.start(experiment([DEBIAN]))
    expect((await lab.waitForRuns(runIds))[0].status).toBe('done')
  })
})

describe('kernel files by path', () => {
  it('are refused from the app (untrusted front ends) and accepted from the CLI', async () => {
    lab = open(machine(), { trustConfigPaths: false })
    const withPath = experiment([{ design: 'kernel', options: { image: '/boot/vmlinuz-6.18', modules: '/lib/modules/6.18' } }])
    const r = await lab.validate(withPath)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors.map((e) => e.field)).toEqual(['designs.0.options.image', 'designs.0.options.modules'])
    expect(r.errors[0].message).toMatch(/paths are for the CLI/)
    const swept = await lab.validate({
      ...experiment([HOST]),
      sweep: { mode: 'grid', axes: [{ path: 'options.image', values: ['host', '/tmp/bzImage'] }] }
    })
    expect(swept.ok).toBe(false)
    await lab.close()
    lab = open(machine())
    expect((await lab.validate(withPath)).ok).toBe(true)
  })

  it('are refused by the bridges (IPC and HTTP share these checks) before the lab sees them', async () => {
    const api = recordingApi()
    const bad = await callChecked(api, 'start', [experiment([{ design: 'kernel', options: { image: '/boot/vmlinuz' } }])])
    expect(bad).toEqual({ ok: false, error: expect.stringMatching(/^designs\.0\.options\.image: a kernel image path is refused/) })
    const mods = await callChecked(api, 'validate', [experiment([{ design: 'kernel', options: { image: 'debian-6.12', modules: '/x' } }])])
    expect(mods).toMatchObject({ ok: false, error: expect.stringMatching(/^designs\.0\.options\.modules/) })
    const sweep = await callChecked(api, 'preview', [
      { ...experiment([HOST]), sweep: { axes: [{ path: 'options.image', values: ['host', '/b/bzImage'] }] } }
    ])
    expect(sweep).toMatchObject({ ok: false, error: expect.stringMatching(/^sweep\.axes\.0\.values/) })
    expect(api.calls).toEqual([])
    expect(await callChecked(api, 'start', [experiment([HOST, DEBIAN])])).toMatchObject({ ok: true })
    expect(await callChecked(api, 'kernels', [])).toEqual({ ok: true, value: { images: [], aptProblem: null } })
  })
})

describe('exports of kernel runs', () => {
  it('mark kernel rows in the CSV and leave what the kernel did not measure empty, not 0', async () => {
    lab = open(machine())
    const { runIds } = await lab.start(experiment([DEBIAN, { design: 'legacy' }]))
    await lab.waitForRuns(runIds)
    const rows = parse(await lab.exportSummaryCsv(runIds), { columns: true }) as Record<string, string>[]
    const [kernel, legacy] = rows
    expect(kernel).toMatchObject({
      variant: 'kernel debian-6.12',
      design: 'kernel',
      kernel_release: '6.12.57+deb13-cloud-amd64',
      kernel_where: 'vm',
      kernel_accel: 'tcg',
      timings_are_kernel: 'false',
      counters_system_wide: 'false'
    })
    expect(legacy).toMatchObject({ kernel_release: '', kernel_where: '', kernel_accel: '', timings_are_kernel: '' })
    expect(kernel.pswpout_mean).toBe('164')
    for (const col of ['sim_time_s_mean', 'slots_scanned_mean', 'has_cache_retries_mean', 'metadata_peak_bytes_mean'])
      expect([col, kernel[col]]).toEqual([col, ''])
    expect(legacy.slots_scanned_mean).toBe('900')
  })

  it('write unmeasured counters as null in JSON and read the export back with the kernel', async () => {
    lab = open(machine())
    const { runIds } = await lab.start(experiment([HOST]))
    await lab.waitForRuns(runIds)
    const json = await lab.exportJson(runIds)
    const data = JSON.parse(json) as { schemaVersion: number; runs: { kernel: object; summary: { counters: Record<string, unknown> } }[] }
    // Kernel runs came with version 2; later versions keep them.
    expect(data.schemaVersion).toBeGreaterThanOrEqual(2)
    expect(data.runs[0].kernel).toMatchObject({ release: '6.18.1', where: 'host', countersSystemWide: true })
    expect(data.runs[0].summary.counters.pswpout).toBe(164)
    expect(data.runs[0].summary.counters.slotsScanned).toBeNull()
    const { runIds: imported } = await lab.importJson(json)
    const back = await lab.getRun(imported[0])
    expect(back.kernel).toMatchObject({ release: '6.18.1', where: 'host' })
    expect(back.summary?.counters.slotsScanned).toBe(0)
    // Unmeasured per-order arrays and per-lock maps come back in the engine's shape, so metrics and compare work on them.
    expect(data.runs[0].summary.counters.swpoutDiscontig).toBeNull()
    expect(back.summary?.counters.swpoutDiscontig).toEqual(new Array(10).fill(0))
    expect(Object.values(back.summary?.counters.lockContended ?? { x: 1 }).every((n) => n === 0)).toBe(true)
    expect(back.headline).not.toHaveProperty('slots_scanned')
    const c = await lab.compare([...runIds, ...imported])
    expect(c.groups.map((g) => g.metrics.pswpout?.mean)).toEqual([164, 164])
  })
})
