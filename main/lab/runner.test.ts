import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveEngineConfig, type EngineConfig } from '../../engine/pure'
import type { LabEvent } from '../../experiments/api'
import { Runner } from './runner'
import { RunStore } from './store'
import type { FakeEngineOptions } from './testing/fakeEngine'
import { newRun, tempDir } from './testing/fixtures'

const MiB = 2 ** 20
const FAKE = path.join(__dirname, 'testing', 'fakeEngine.ts')

let dir: string
let store: RunStore
let events: LabEvent[]
let runner: Runner | null

beforeEach(() => {
  dir = tempDir()
  store = RunStore.open(path.join(dir, 'runs.db'))
  events = []
  runner = null
})
afterEach(async () => {
  await runner?.close()
  store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

function config(seed: number, extra: Partial<EngineConfig> = {}): EngineConfig {
  return {
    ...resolveEngineConfig({
      design: 'legacy',
      workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 1 } },
      memoryLimitBytes: 8 * MiB,
      devices: [{ sizeBytes: 64 * MiB }],
      seed
    }),
    ...extra
  }
}

function setup(
  fake: FakeEngineOptions,
  extra: Partial<ConstructorParameters<typeof Runner>[0]> = {}
): { runner: Runner; ids: number[]; start(seeds: number[], extra?: Partial<EngineConfig>): number[] } {
  const r = new Runner({
    store,
    deviceDir: path.join(dir, 'devices'),
    emit: (e) => events.push(e),
    engine: { module: FAKE, options: fake },
    ...extra
  })
  runner = r
  const exp = store.createExperiment({ name: 'test', config: {} })
  const ids: number[] = []
  return {
    runner: r,
    ids,
    start(seeds, more = {}) {
      const created = store.createRuns(
        exp,
        seeds.map((seed) => newRun({ seed }))
      )
      r.enqueue(created.map((runId, i) => ({ runId, config: config(seeds[i], more) })))
      ids.push(...created)
      return created
    }
  }
}

const status = (id: number): string | undefined => store.getRun(id)?.status
const waitFor = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('runner', () => {
  it('runs queued runs one at a time in order, recording samples and summaries', async () => {
    const { runner, start } = setup({ steps: 10, stepMs: 5, samplesPerStep: 7 })
    const ids = start([1, 2, 3])
    await runner.idle()
    expect(ids.map(status)).toEqual(['done', 'done', 'done'])
    for (const id of ids) {
      expect(store.countSamples(id)).toBe(70)
      const run = store.getRun(id)!
      expect(run.summary?.seed).toBe(run.seed)
      expect(run.headline?.sim_time_s).toBeCloseTo(1 + run.seed * 0.01)
      expect(run.wallTimeMs).toBeGreaterThan(0)
    }
    const order = events
      .filter((e) => e.type === 'run-started' || e.type === 'run-finished')
      .map((e) => `${e.type}:${'run' in e ? e.run.id : ''}`)
    expect(order).toEqual(ids.flatMap((id) => [`run-started:${id}`, `run-finished:${id}`]))
    expect(events.at(-1)).toEqual({ type: 'queue-empty' })
  })

  it('throttles progress to about 10 per second and reports runs done and an ETA', async () => {
    const { runner, start } = setup({ steps: 200, stepMs: 5 })
    const t0 = Date.now()
    start([1, 2])
    await runner.idle()
    const seconds = (Date.now() - t0) / 1000
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []))
    expect(progress.length).toBeGreaterThan(3)
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2)
    expect(progress.every((p) => p.runsTotal === 2)).toBe(true)
    expect(progress.some((p) => p.runsDone === 1)).toBe(true)
    const late = progress.filter((p) => p.etaSeconds !== null)
    expect(late.length).toBeGreaterThan(0)
    expect(late.at(-1)!.etaSeconds!).toBeLessThan(seconds)
    // Live samples reach front ends too.
    expect(events.some((e) => e.type === 'samples' && e.samples.length > 0)).toBe(true)
  })

  it('sends live samples as soon as a run has some, then about twice a second, and the rest at its end', async () => {
    // 2 s of steps of 10 ms, 5 samples each.
    const { runner, start } = setup({ steps: 200, stepMs: 10 })
    const times: { t: number; type: string; n: number }[] = []
    const t0 = Date.now()
    const emit = events.push.bind(events)
    events.push = (...es: LabEvent[]) => {
      for (const e of es) times.push({ t: Date.now() - t0, type: e.type, n: e.type === 'samples' ? e.samples.length : 0 })
      return emit(...es)
    }
    const [id] = start([1])
    await runner.idle()
    const startedAt = times.find((e) => e.type === 'run-started')!.t
    const endedAt = times.find((e) => e.type === 'run-finished')!.t
    const live = times.filter((e) => e.type === 'samples')
    // The first samples go out with the first step's, long before the run ends (not after a batch fills up).
    expect(live[0].t - startedAt).toBeLessThan((endedAt - startedAt) / 2)
    // Then at most about twice a second (one more for the flush at the end), and more than once while it runs.
    const seconds = (endedAt - startedAt) / 1000
    expect(live.length).toBeGreaterThan(2)
    expect(live.length).toBeLessThanOrEqual(Math.ceil(seconds * 2) + 2)
    // Nothing is lost on the way: every sample reaches the front ends.
    expect(live.reduce((a, e) => a + e.n, 0)).toBe(store.countSamples(id))
  })

  it('cancels a running run within a second, keeps its samples and goes on with the queue', async () => {
    const { runner, start } = setup({ steps: 100_000, stepMs: 2, stepsBySeed: { 2: 5 } })
    const [long, next] = start([1, 2])
    await waitFor(() => store.countSamples(long) >= 50)
    const t0 = Date.now()
    expect(runner.cancel(long)).toEqual([long])
    await waitFor(() => status(long) === 'cancelled', 1000)
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(store.countSamples(long)).toBeGreaterThanOrEqual(50)
    expect(store.getRun(long)?.error).toBeNull()
    await runner.idle()
    expect(status(next)).toBe('done')
  })

  it('stops a run that ignores the abort flag by terminating its worker, within a second', async () => {
    const { runner, start } = setup({ steps: 100_000, stepMs: 2, ignoreAbort: true }, { cancelGraceMs: 500 })
    const [stuck] = start([1])
    await waitFor(() => store.countSamples(stuck) > 0)
    const t0 = Date.now()
    runner.cancel(stuck)
    await waitFor(() => status(stuck) === 'cancelled', 1000)
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(store.countSamples(stuck)).toBeGreaterThan(0)
  })

  it('cancels queued runs without starting them, and all runs at once', async () => {
    const { runner, start } = setup({ steps: 100_000, stepMs: 2 })
    const [a, b, c] = start([1, 2, 3])
    await waitFor(() => status(a) === 'running')
    expect(runner.cancel(b)).toEqual([b])
    expect(status(b)).toBe('cancelled')
    expect(store.getRun(b)?.startedAt).toBeNull()
    expect(runner.cancel('all').sort()).toEqual([a, c].sort())
    await runner.idle()
    expect([a, b, c].map(status)).toEqual(['cancelled', 'cancelled', 'cancelled'])
  })

  it('fails a run whose disk fills mid-run, removes its device folder, and runs the next', async () => {
    const devices = path.join(dir, 'devices')
    const { runner, start } = setup({ steps: 20, stepMs: 5, writeDeviceFile: true, failures: { 2: { atStep: 5, kind: 'enospc' } } })
    const [ok1, full, ok2] = start([1, 2, 3])
    await runner.idle()
    expect([ok1, full, ok2].map(status)).toEqual(['done', 'failed', 'done'])
    expect(store.getRun(full)?.error).toMatch(/ran out of space \(ENOSPC\).*no space left on device/)
    expect(store.countSamples(full)).toBe(25)
    expect(fs.readdirSync(devices)).toEqual([])
  })

  it('fails a run whose samples cannot be stored (database disk full) and carries on', async () => {
    const { runner, start } = setup({ steps: 1000, stepMs: 2 })
    const append = store.appendSamples.bind(store)
    let full = -1
    store.appendSamples = (runId, samples) => {
      if (runId === full) throw new Error('database or disk is full')
      append(runId, samples)
    }
    const [a, b] = start([1, 2])
    full = a
    await runner.idle()
    expect(store.getRun(a)).toMatchObject({ status: 'failed', error: 'could not record samples: database or disk is full' })
    expect(status(b)).toBe('done')
  })

  it('records engine errors and a crashed worker as failed runs and carries on', async () => {
    const { runner, start } = setup({
      steps: 10,
      stepMs: 2,
      failures: { 1: { atStep: 3, kind: 'corruption' }, 2: { atStep: 1, kind: 'exit' } }
    })
    const [corrupt, crashed, ok] = start([1, 2, 3])
    await runner.idle()
    expect(store.getRun(corrupt)).toMatchObject({
      status: 'failed',
      error: 'CorruptionError: swap device 0 slot 17: page corrupt (checksum)'
    })
    expect(store.getRun(crashed)).toMatchObject({ status: 'failed', error: 'the engine worker stopped unexpectedly (exit code 3)' })
    expect(status(ok)).toBe('done')
  })

  it('checks free space before a file-backed run and fails it without creating a device', async () => {
    const devices = path.join(dir, 'devices')
    const { runner, start } = setup({ steps: 5, stepMs: 1, writeDeviceFile: true })
    // Real statfs: no disk here has 16 TiB free.
    const [huge] = start([1], {
      devices: [{ sizeBytes: 16 * 2 ** 40, preset: 'nvme', priority: 0, discard: false }],
      workload: { name: 'fill', params: { targetPercent: 100 } }
    })
    const [small] = start([2])
    const [metadataOnly] = start([3], {
      devices: [{ sizeBytes: 16 * 2 ** 40, preset: 'nvme', priority: 0, discard: false }],
      storage: 'metadata-only'
    })
    await runner.idle()
    expect(store.getRun(huge)).toMatchObject({ status: 'failed', startedAt: null })
    expect(store.getRun(huge)?.error).toMatch(
      /^not enough free space for the swap device in .*devices: the run may write 16(\.0)? TiB, .* is free/
    )
    expect(status(small)).toBe('done')
    expect(status(metadataOnly)).toBe('done')
    expect(fs.readdirSync(devices)).toEqual([])
  })

  it('uses the injected free-space probe for the pre-check', async () => {
    const { runner, start } = setup({ steps: 2, stepMs: 1 }, { freeBytes: () => 1024 })
    const [id] = start([1])
    await runner.idle()
    expect(store.getRun(id)?.error).toMatch(/1 KiB is free/)
  })

  describe('kernel runs', () => {
    const KERNEL = path.join(__dirname, 'testing', 'fakeKernel.ts')
    const kernelConfig = (seed: number): EngineConfig =>
      config(seed, { design: 'kernel', designOptions: { image: 'debian-6.12', accel: 'auto' } })

    it('go to the kernel backend, not the simulation, and record its summary with the kernel', async () => {
      // The simulated engine fails every run: a kernel run that reached it would fail.
      const { runner } = setup(
        { failures: { 1: { atStep: 0, kind: 'corruption' } } },
        { kernel: { module: KERNEL, options: { steps: 5, stepMs: 5 } } }
      )
      const [id] = store.createRuns(store.createExperiment({ name: 'k', config: {} }), [newRun({ seed: 1, design: 'kernel' })])
      runner.enqueue([{ runId: id, config: kernelConfig(1) }])
      await runner.idle()
      const run = store.getRun(id)!
      expect(run.status).toBe('done')
      expect(run.summary?.kernel?.release).toBe('6.12.57+deb13-cloud-amd64')
      expect(run.kernel).toMatchObject({ where: 'vm', accel: 'tcg', timingsAreKernel: false, pairedDesign: 'cluster' })
      expect(run.headline).toHaveProperty('pswpout', 164)
      expect(run.headline).not.toHaveProperty('sim_time_s')
      expect(store.countSamples(id)).toBe(15)
    })

    it('cancel through the AbortSignal and wait for the backend to restore the machine before the run ends', async () => {
      const marker = path.join(dir, 'restored')
      const { runner } = setup(
        {},
        // Clean-up takes longer than a simulated run's grace (750 ms): the runner must wait for it, not cut the worker off.
        { kernel: { module: KERNEL, options: { steps: 1000, stepMs: 10, cleanupMs: 1500, restoredMarker: marker } } }
      )
      const [kid] = (() => {
        const exp = store.createExperiment({ name: 'k', config: {} })
        const ids = store.createRuns(exp, [newRun({ seed: 7, design: 'kernel' })])
        runner.enqueue([{ runId: ids[0], config: kernelConfig(7) }])
        return ids
      })()
      await waitFor(() => status(kid) === 'running' && store.countSamples(kid) > 0)
      const hit = runner.cancel(kid)
      expect(hit).toEqual([kid])
      await waitFor(() => status(kid) !== 'running', 20_000)
      expect(status(kid)).toBe('cancelled')
      // The backend had finished restoring when the run was recorded as cancelled.
      expect(fs.existsSync(marker)).toBe(true)
      expect(store.countSamples(kid)).toBeGreaterThan(0)
      // The run's device folder is gone.
      await runner.idle()
      expect(fs.readdirSync(path.join(dir, 'devices')).filter((f) => f.includes(`run${kid}-`))).toEqual([])
    })

    it('record a kernel that fails (e.g. panics) as a failed run with its message, and go on', async () => {
      const { runner } = setup(
        {},
        {
          kernel: {
            module: KERNEL,
            options: { steps: 3, failAt: { step: 1, message: 'the guest kernel panicked: VFS: Unable to mount root fs' } }
          }
        }
      )
      const exp = store.createExperiment({ name: 'k', config: {} })
      const ids = store.createRuns(exp, [newRun({ seed: 1, design: 'kernel' }), newRun({ seed: 2 })])
      runner.enqueue([
        { runId: ids[0], config: kernelConfig(1) },
        { runId: ids[1], config: config(2) }
      ])
      await runner.idle()
      expect(store.getRun(ids[0])).toMatchObject({ status: 'failed', error: 'the guest kernel panicked: VFS: Unable to mount root fs' })
      expect(status(ids[1])).toBe('done')
    })
  })
})
