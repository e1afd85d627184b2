import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { validateExperiment } from '../../experiments/schema'
import { experimentFromArgs, parseRunArgs } from './experimentFlags'
import { progressReporter } from './progress'
import { tempDir } from '../lab/testing/fixtures'

const build = (argv: string[]): Record<string, unknown> => experimentFromArgs(parseRunArgs(argv))

describe('run flags', () => {
  it('build a config from the catalogues: design options, workload parameters, sizes', () => {
    const c = build([
      '--design',
      'legacy',
      '--design',
      'swap-table',
      '--phase',
      '2',
      '--discontiguous-swapout',
      '--workload',
      'usemem',
      '--tasks',
      '4',
      '--size-bytes',
      '16MiB',
      '--random',
      '--memory-limit',
      '32MiB',
      '--device-size',
      '1GiB',
      '--device-preset',
      'zram',
      '--cpus',
      '4',
      '--trials',
      '3',
      '--thp-orders',
      '0,4'
    ])
    const r = validateExperiment(c)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.designs).toEqual([
      { design: 'legacy', options: {} },
      { design: 'swap-table', options: { phase: 2, discontiguousSwapout: true, mthpSwapin: false } }
    ])
    expect(r.config.workload.params).toMatchObject({ tasks: 4, sizeBytes: 16 * 2 ** 20, random: true })
    expect(r.config.devices).toEqual([{ sizeBytes: 2 ** 30, preset: 'zram', priority: 0, discard: false }])
    expect(r.config).toMatchObject({ memoryLimitBytes: 32 * 2 ** 20, cpus: 4, trials: 3, thpOrders: [0, 4] })
  })

  it('layer flags over a config file, with sweeps and --set', () => {
    const folder = tempDir()
    onTestFinished(() => fs.rmSync(folder, { recursive: true, force: true }))
    const file = path.join(folder, 'exp.json')
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'from file',
        designs: [{ design: 'cluster' }],
        workload: { name: 'usemem', params: { tasks: 2, sizeBytes: '8MiB' } },
        memoryLimitBytes: '4MiB',
        devices: [{ sizeBytes: '64MiB' }]
      })
    )
    const c = build([
      '--config',
      file,
      '--passes',
      '3',
      '--sweep',
      'workload.params.tasks=2,4',
      '--sweep',
      'cpus=1,2',
      '--sweep-mode',
      'list',
      '--set',
      'devices.0.discard=true'
    ])
    const r = validateExperiment(c)
    expect(r.ok && r.config).toMatchObject({
      name: 'from file',
      workload: { params: { tasks: 2, passes: 3 } },
      devices: [{ discard: true }],
      sweep: {
        mode: 'list',
        axes: [
          { path: 'workload.params.tasks', values: [2, 4] },
          { path: 'cpus', values: [1, 2] }
        ]
      }
    })
  })

  it('start from a preset and override it', () => {
    const c = build(['--preset', 'quick', '--trials', '1'])
    expect(c).toMatchObject({ name: 'quick', trials: 1 })
  })

  it('refuse design options no listed design has', () => {
    expect(() => build(['--design', 'legacy', '--phase', '2'])).toThrow(
      /--phase: none of the designs has the option phase \(it belongs to swap-table\)/
    )
  })
})

/** What a terminal shows of the bytes written: escape sequences (cursor moves, line clears) left out. */
const ESC = String.fromCharCode(27)
const screen = (s: string): string => s.replace(new RegExp(`${ESC}(\\[[0-9;?]*[A-Za-z]|[78])`, 'g'), '')

describe('progress on a terminal', () => {
  it('redraws one bar line and replaces it with a line per finished run', () => {
    let out = ''
    const p = progressReporter({ tty: true, write: (t) => (out += t), columns: 120 })
    onTestFinished(() => p.end())
    const run = { id: 3, variantLabel: 'legacy', point: {}, trial: 0, status: 'running', wallTimeMs: null, error: null } as never
    p.onEvent({ type: 'run-started', run })
    p.onEvent({ type: 'progress', progress: { runId: 3, fraction: 0.5, simTimeNs: 1, runsDone: 1, runsTotal: 4, etaSeconds: 12 } })
    expect(out).not.toContain('\n')
    expect(screen(out)).toBe('[#########...............] run 2/4 legacy trial 0 50%  ETA 12 s')
    // A kernel's line replaces the bar too; the bar comes back with the next progress.
    p.log('kernel: swapon /dev/vdb\n')
    expect(out.endsWith('\x1b[2Kkernel: swapon /dev/vdb\n')).toBe(true)
    p.onEvent({ type: 'progress', progress: { runId: 3, fraction: 0.75, simTimeNs: 1, runsDone: 1, runsTotal: 4, etaSeconds: 6 } })
    expect(screen(out).split('\n').at(-1)).toBe('[###########.............] run 2/4 legacy trial 0 75%  ETA 6.0 s')
    p.onEvent({ type: 'run-finished', run: { ...(run as object), status: 'done', wallTimeMs: 1500 } as never })
    // The bar line is cleared (ESC[2K) and the run's line takes its place.
    expect(out.endsWith('\x1b[2Krun 3 done in 1.5 s: legacy trial 0\n')).toBe(true)
  })

  it('cuts the bar to the terminal width and writes plain lines, no bar, when stderr is not a terminal', () => {
    let out = ''
    const p = progressReporter({ tty: true, write: (t) => (out += t), columns: 40 })
    onTestFinished(() => p.end())
    const run = {
      id: 1,
      variantLabel: 'swap-table P4',
      point: { 'workload.params.tasks': 2 },
      trial: 1,
      status: 'running',
      wallTimeMs: null,
      error: null
    } as never
    p.onEvent({ type: 'run-started', run })
    p.onEvent({ type: 'progress', progress: { runId: 1, fraction: 0.25, simTimeNs: 1, runsDone: 0, runsTotal: 2, etaSeconds: 3 } })
    expect(screen(out)).toBe('[###.....................] run 1/2 swap')
    let plain = ''
    const q = progressReporter({ tty: false, write: (t) => (plain += t) })
    q.onEvent({ type: 'run-started', run })
    q.onEvent({ type: 'progress', progress: { runId: 1, fraction: 0.25, simTimeNs: 1, runsDone: 0, runsTotal: 2, etaSeconds: 3 } })
    q.onEvent({ type: 'run-finished', run: { ...(run as object), status: 'failed', wallTimeMs: 200, error: 'ENOSPC' } as never })
    q.end()
    expect(plain).toBe('run 1 started: swap-table P4 tasks=2 trial 1\nrun 1 failed in 0.2 s: swap-table P4 tasks=2 trial 1 (ENOSPC)\n')
  })
})

describe('kernel designs on the command line', () => {
  it('take host, debian-<version> and a bzImage path with its modules (made absolute), beside simulated designs', () => {
    const c = build([
      '--design',
      'kernel:image=host',
      '--design',
      'kernel:image=debian-6.12,accel=tcg',
      '--design',
      'kernel:image=./bzImage,modules=mods/6.18',
      '--design',
      'swap-table',
      '--phase',
      '1',
      '--workload',
      'usemem',
      '--size-bytes',
      '96MiB',
      '--memory-limit',
      '48MiB'
    ])
    expect(c.designs).toEqual([
      { design: 'kernel', options: { image: 'host' } },
      { design: 'kernel', options: { image: 'debian-6.12', accel: 'tcg' } },
      { design: 'kernel', options: { image: path.resolve('bzImage'), modules: path.resolve('mods/6.18') } },
      { design: 'swap-table', options: { phase: 1 } }
    ])
    const r = validateExperiment(c)
    expect(r.ok).toBe(true)
  })

  it('apply --accel to every kernel design and refuse options a kernel does not have, by name', () => {
    const c = build([
      '--design',
      'kernel:image=debian-6.1',
      '--design',
      'kernel:image=debian-6.12',
      '--accel',
      'tcg',
      '--workload',
      'usemem'
    ])
    expect((c.designs as { options: object }[]).map((d) => d.options)).toEqual([
      { image: 'debian-6.1', accel: 'tcg' },
      { image: 'debian-6.12', accel: 'tcg' }
    ])
    expect(() => build(['--design', 'kernel:image=host', '--phase', '2'])).toThrow(/none of the designs has the option phase/)
    const r = validateExperiment(build(['--design', 'kernel:image=host,cpu=max', '--workload', 'usemem']))
    expect(r.ok ? [] : r.errors).toEqual([{ field: 'designs.0.options.cpu', message: 'not a parameter of design kernel' }])
  })

  it('read kernel paths in a config file relative to the file', () => {
    const dir = tempDir()
    try {
      const file = path.join(dir, 'k.json')
      fs.writeFileSync(
        file,
        JSON.stringify({ designs: [{ design: 'kernel', options: { image: 'kernels/bzImage' } }], workload: { name: 'usemem' } })
      )
      const c = build(['--config', file])
      expect(c.designs).toEqual([{ design: 'kernel', options: { image: path.join(dir, 'kernels', 'bzImage') } }])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
