// The "done when", against the built CLI (node out/main/cli.js, as `swaplab` runs
// it) and the real engine: CI builds before testing (.ci/run); locally run `npm run build`.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { parse } from 'csv-parse/sync'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RunStore } from '../lab/store'
import { tempDir } from '../lab/testing/fixtures'

const ROOT = path.join(__dirname, '..', '..')
const BUILT = path.join(ROOT, 'out', 'main', 'cli.js')
const BIN = path.join(ROOT, 'bin', 'swaplab.cjs')

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

function start(args: string[]): {
  child: ChildProcess
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>
} {
  const env: NodeJS.ProcessEnv = { ...process.env, SWAPLAB_DEVICE_DIR: path.join(dir, 'devices') }
  for (const k of ['SWAPLAB_DB', 'SWAPLAB_ENGINE_MODULE', 'SWAPLAB_ENGINE_OPTIONS']) delete env[k]
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  return { child, done: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))) }
}

/** The newest TypeScript source the CLI bundle is built from. */
function newestSource(): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 }
  for (const folder of ['main', 'engine', 'experiments']) {
    for (const f of fs.readdirSync(path.join(ROOT, folder), { recursive: true }).map(String)) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts') || f.includes('testing')) continue
      const m = fs.statSync(path.join(ROOT, folder, f)).mtimeMs
      if (m > newest.mtimeMs) newest = { file: path.join(folder, f), mtimeMs: m }
    }
  }
  return newest
}

describe.skipIf(!fs.existsSync(BUILT))('built swaplab CLI with the real engine', () => {
  beforeAll(() => {
    // A stale bundle would test old code (and may refuse a database the sources migrated).
    const src = newestSource()
    if (src.mtimeMs > fs.statSync(BUILT).mtimeMs) throw new Error(`out/main/cli.js is older than ${src.file}; run npm run build first`)
  })

  it('runs a preset sweep into a fresh database, compares it and exports CSV a spreadsheet opens', async () => {
    const run = await start(['run', '--preset', 'quick', '--db', db]).done
    expect(run.stderr).toMatch(/6 runs queued/)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/experiment 1: 6 done/)

    const cmp = await start(['compare', '--db', db]).done
    expect(cmp.code).toBe(0)
    expect(cmp.stdout).toMatch(/^metric\s+legacy \(n=3, baseline\)\s+swap-table P4 \(n=3\)/)
    expect(cmp.stdout).toMatch(/^sim_time_s\s+\S+/m)

    const out = path.join(dir, 'quick.csv')
    expect((await start(['export', '--db', db, '--format', 'csv', '--out', out]).done).code).toBe(0)
    const rows = parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => r.variant)).toEqual(['legacy', 'swap-table P4'])
    expect(Number(rows[0].sim_time_s_mean)).toBeGreaterThan(0)
    const samples = parse(fs.readFileSync(path.join(dir, 'quick-samples.csv'), 'utf8'), { columns: true, to: 5 }) as Record<
      string,
      string
    >[]
    expect(Object.keys(samples[0])).toEqual(['run_id', 't_sim_ns', 't_wall_ms', 'ops', 'metric', 'value'])
  })

  it('exits 2 on bad input before anything starts, naming the field', async () => {
    const r = await start(['run', '--db', db, '--design', 'swap-table', '--phase', '7', '--workload', 'usemem']).done
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/designs\.0\.options\.phase: must be one of 1, 2, 3, 4; got 7/)
  })

  it('leaves a database whose next open marks the run interrupted when killed mid-run', async () => {
    const { child, done } = start([
      'run',
      '--db',
      db,
      '--design',
      'cluster',
      '--workload',
      'usemem',
      '--tasks',
      '4',
      '--size-bytes',
      '256MiB',
      '--passes',
      '50',
      '--memory-limit',
      '64MiB',
      '--device-size',
      '2GiB',
      '--metadata-only',
      '--sample-interval-ns',
      '100000',
      '--quiet'
    ])
    let store: RunStore | null = null
    const deadline = Date.now() + 60_000
    for (;;) {
      try {
        // Let the CLI create the database: opening first would make it here.
        if (fs.existsSync(db)) store ??= RunStore.open(db)
        const r = store?.listRuns()[0]
        if (store && r?.status === 'running' && store.countSamples(r.id) > 0) break
      } catch {
        // the CLI has not created the database yet
      }
      if (Date.now() > deadline) throw new Error('the run did not start')
      await new Promise((r) => setTimeout(r, 20))
    }
    store!.close()
    child.kill('SIGKILL')
    await done
    const reopened = RunStore.open(db)
    const [run] = reopened.listRuns()
    expect(run.status).toBe('interrupted')
    expect(reopened.countSamples(run.id)).toBeGreaterThan(0)
    reopened.close()
  })
})
