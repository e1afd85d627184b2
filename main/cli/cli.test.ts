// The CLI as a user runs it: a separate process (main/cli.ts through tsx), a fresh database,
// the fake engine injected through SWAPLAB_ENGINE_MODULE so timings are under control.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { parse } from 'csv-parse/sync'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunStore } from '../lab/store'
import type { FakeEngineOptions } from '../lab/testing/fakeEngine'
import { tempDir } from '../lab/testing/fixtures'

const ROOT = path.join(__dirname, '..', '..')
const CLI = path.join(ROOT, 'main', 'cli.ts')
const FAKE = path.join(ROOT, 'main', 'lab', 'testing', 'fakeEngine.ts')

let dir: string
let db: string
beforeEach(() => {
  dir = tempDir()
  db = path.join(dir, 'runs.db')
})
/** CLI processes still running; a test that fails or times out must not leave them (or their files) behind. */
const live = new Set<ChildProcess>()
afterEach(async () => {
  const running = [...live]
  for (const child of running) child.kill('SIGKILL')
  await Promise.all(running.map((child) => once(child, 'exit')))
  fs.rmSync(dir, { recursive: true, force: true })
})

interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function start(args: string[], fake: FakeEngineOptions | null = { steps: 5, stepMs: 2 }): { child: ChildProcess; done: Promise<Result> } {
  const env: NodeJS.ProcessEnv = { ...process.env, SWAPLAB_DEVICE_DIR: path.join(dir, 'devices') }
  delete env.SWAPLAB_DB
  if (fake) Object.assign(env, { SWAPLAB_ENGINE_MODULE: FAKE, SWAPLAB_ENGINE_OPTIONS: JSON.stringify(fake) })
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<Result>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, done }
}

const swaplab = (args: string[], fake?: FakeEngineOptions | null): Promise<Result> => start(args, fake).done

const until = async (cond: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const usemem = [
  '--workload',
  'usemem',
  '--tasks',
  '2',
  '--size-bytes',
  '8MiB',
  '--passes',
  '1',
  '--memory-limit',
  '4MiB',
  '--device-size',
  '64MiB'
]

describe('swaplab run: bad input is refused before anything starts (exit 2)', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown design',
      ['--design', 'zswap-only', ...usemem],
      /designs\.0\.design: unknown design "zswap-only"; expected one of legacy, mthp-6\.10, cluster, swap-table, vswap/
    ],
    [
      'swap-table phase 7',
      ['--design', 'swap-table', '--phase', '7', ...usemem],
      /designs\.0\.options\.phase: must be one of 1, 2, 3, 4; got 7/
    ],
    [
      'a memory limit larger than the workload',
      ['--design', 'legacy', ...usemem, '--memory-limit', '1GiB'],
      /memoryLimitBytes: must be smaller than what the workload touches \(16 MiB\)/
    ],
    [
      'a device smaller than one cluster',
      ['--design', 'legacy', ...usemem, '--device-size', '1MiB'],
      /devices\.0\.sizeBytes: must be a whole number from 4 MiB to 16 TiB; got 1048576/
    ],
    [
      'a negative size',
      ['--design', 'legacy', ...usemem, '--size-bytes', '-8MiB'],
      /workload\.params\.sizeBytes: must be a whole number from 64 KiB to 64 GiB; got -8388608/
    ],
    [
      'a device too small for what the workload must swap out',
      [
        '--design',
        'legacy',
        ...usemem,
        '--tasks',
        '4',
        '--size-bytes',
        '64MiB',
        '--passes',
        '2',
        '--memory-limit',
        '128MiB',
        '--device-size',
        '64MiB'
      ],
      /devices\.0\.sizeBytes: too small for the workload: usemem holds 256 MiB .*at least 128 MiB goes to swap, but the device holds 63\.996 MiB/
    ],
    [
      'a sweep value listed twice',
      ['--design', 'legacy', ...usemem, '--sweep', 'workload.params.tasks=1,2,2'],
      /sweep\.axes\.0\.values\.2: workload\.params\.tasks lists 2 twice/
    ],
    ['an unknown option', ['--design', 'legacy', ...usemem, '--colour', 'red'], /unknown option --colour/],
    [
      'a parameter of another workload',
      ['--design', 'legacy', ...usemem, '--keyspace-bytes', '1GiB'],
      /--keyspace-bytes is not a parameter of workload usemem/
    ],
    ['an unknown preset', ['--preset', 'fastest'], /unknown preset "fastest"; expected one of quick/]
  ]
  for (const [what, args, message] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await swaplab(['run', '--db', db, ...args])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
      if (fs.existsSync(db)) {
        const store = RunStore.open(db)
        expect(store.listRuns()).toEqual([])
        store.close()
      }
    })
  }

  it('refuses unknown commands, unknown runs and a damaged database', async () => {
    expect((await swaplab(['frobnicate'])).code).toBe(2)
    expect(await swaplab(['show', '42', '--db', db])).toMatchObject({ code: 2, stderr: 'swaplab: run 42 does not exist\n' })
    fs.writeFileSync(db, 'not a database at all, but long enough to have a header. '.repeat(4))
    const r = await swaplab(['list', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/not an SQLite database .* left unchanged/)
  })
})

describe('swaplab run, compare, export, import, delete', () => {
  it('runs a preset sweep (two designs x three trials) into a fresh database, then compares and exports it', async () => {
    const r = await swaplab(['run', '--preset', 'quick', '--db', db])
    expect(r.code).toBe(0)
    // Not a terminal: plain progress lines on stderr, the comparison on stdout.
    expect(r.stderr).toMatch(/^experiment 1 "quick": 6 runs queued in /m)
    expect(r.stderr.match(/^run \d+ done in /gm)).toHaveLength(6)
    expect(r.stderr).not.toContain('\r')
    expect(r.stdout).toMatch(/legacy \(n=3, baseline\)\s+swap-table P4 \(n=3\)/)
    expect(r.stdout).toMatch(/experiment 1: 6 done/)

    const cmp = await swaplab(['compare', '--db', db, '--baseline', '2'])
    expect(cmp.code).toBe(0)
    const lines = cmp.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^metric\s+legacy \(n=3\)\s+swap-table P4 \(n=3, baseline\)$/)
    expect(lines.find((l) => l.startsWith('sim_time_s'))).toMatch(/1\.02 ± 0\.01\s+\+0\.0 %\s+1\.02 ± 0\.01$/)

    const out = path.join(dir, 'results.csv')
    const ex = await swaplab(['export', '--db', db, '--format', 'csv', '--out', out])
    expect(ex.code).toBe(0)
    const summary = parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(summary.map((row) => [row.variant, row.trials, row.status])).toEqual([
      ['legacy', '3', 'done'],
      ['swap-table P4', '3', 'done']
    ])
    expect(Number(summary[0].sim_time_s_mean)).toBeCloseTo(1.02, 12)
    const samples = parse(fs.readFileSync(path.join(dir, 'results-samples.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    expect(samples).toHaveLength(6 * 25 * 17)

    const list = await swaplab(['list', '--db', db, '--json'])
    expect((JSON.parse(list.stdout) as { status: string }[]).map((x) => x.status)).toEqual(Array(6).fill('done'))
  })

  it('prints the summary as JSON with --json and exits 1 when a run fails', async () => {
    const r = await swaplab(
      ['run', '--db', db, '--design', 'swap-table', '--phase', '4', ...usemem, '--trials', '2', '--json', '--quiet'],
      {
        steps: 5,
        stepMs: 2,
        failures: { 2: { atStep: 2, kind: 'enospc' } }
      }
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout)
    expect(out.runs.map((x: { status: string }) => x.status)).toEqual(['done', 'failed'])
    expect(out.runs[0].summary.design).toBe('swap-table')
    expect(out.runs[1].error).toMatch(/ENOSPC/)
  })

  it('moves runs between databases with export --format json and import, and deletes them', async () => {
    await swaplab(['run', '--preset', 'quick', '--db', db, '--quiet', '--trials', '1'])
    const file = path.join(dir, 'runs.json')
    expect((await swaplab(['export', '1', '2', '--db', db, '--format', 'json', '--out', file])).code).toBe(0)
    const other = path.join(dir, 'other.db')
    const imp = await swaplab(['import', file, '--db', other])
    expect(imp).toMatchObject({ code: 0, stdout: 'imported 2 runs: 1 2\n' })
    const cmp = await swaplab(['compare', '--db', other])
    expect(cmp.stdout).toMatch(/legacy \(n=1, baseline\)/)
    expect(await swaplab(['delete', '1', '--db', other])).toMatchObject({ code: 0, stdout: 'deleted 1 run\n' })
    expect(JSON.parse((await swaplab(['list', '--json', '--db', other])).stdout)).toHaveLength(1)
  })
})

describe('swaplab run under another process and under signals', () => {
  it('lets a second process read the database while a run is writing', async () => {
    const { done } = start(['run', '--db', db, '--design', 'legacy', ...usemem, '--quiet'], { steps: 150, stepMs: 10, samplesPerStep: 20 })
    await until(() => fs.existsSync(db))
    const seen: number[] = []
    let store: RunStore | null = null
    await until(() => {
      try {
        store ??= RunStore.open(db)
        const run = store.listRuns()[0]
        if (run) seen.push(store.countSamples(run.id))
        return run?.status === 'done'
      } catch {
        return false
      }
    })
    store!.close()
    expect((await done).code).toBe(0)
    expect(seen.at(-1)).toBe(3000)
    expect(new Set(seen.filter((n) => n > 0 && n < 3000)).size).toBeGreaterThan(2)
  })

  it('leaves a database whose next open marks the run interrupted when the CLI is killed mid-run', async () => {
    const { child, done } = start(['run', '--db', db, '--design', 'legacy', ...usemem, '--trials', '3', '--quiet'], {
      steps: 100_000,
      stepMs: 5,
      writeDeviceFile: true
    })
    let store: RunStore | null = null
    await until(() => {
      try {
        store ??= RunStore.open(db)
        const run = store.listRuns()[0]
        return run?.status === 'running' && store.countSamples(run.id) >= 20
      } catch {
        return false
      }
    })
    store!.close()
    child.kill('SIGKILL')
    expect((await done).signal).toBe('SIGKILL')
    const reopened = RunStore.open(db)
    const runs = reopened.listRuns()
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'interrupted', 'interrupted'])
    expect(runs[0].error).toMatch(/^interrupted: the process that ran it \(pid \d+\) stopped/)
    expect(reopened.countSamples(runs[0].id)).toBeGreaterThanOrEqual(20)
    reopened.close()
    // The killed run's device folder is swept by the next command that opens the lab.
    const devices = path.join(dir, 'devices')
    expect(fs.readdirSync(devices)).toHaveLength(1)
    expect((await swaplab(['list', '--db', db])).code).toBe(0)
    expect(fs.readdirSync(devices)).toEqual([])
  })

  it('cancels on SIGINT, keeps what was recorded and exits 130', async () => {
    const { child, done } = start(['run', '--db', db, '--design', 'legacy', ...usemem, '--trials', '2'], { steps: 100_000, stepMs: 5 })
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    await until(() => /run \d+ started/.test(stderr))
    // Wait for recorded samples, not for a fixed time: a loaded machine starts the worker slowly.
    let reader: RunStore | null = null
    await until(() => {
      reader ??= RunStore.open(db)
      const first = reader.listRuns()[0]
      return first !== undefined && reader.countSamples(first.id) > 0
    })
    reader!.close()
    child.kill('SIGINT')
    const r = await done
    expect(r.code).toBe(130)
    expect(r.stderr).toMatch(/SIGINT: cancelling/)
    const store = RunStore.open(db)
    const runs = store.listRuns()
    expect(runs.map((x) => x.status)).toEqual(['cancelled', 'cancelled'])
    expect(store.countSamples(runs[0].id)).toBeGreaterThan(0)
    store.close()
  })
})
