import * as fs from 'node:fs'
import * as path from 'node:path'
import { createHash } from 'node:crypto'
import { spawn } from 'node:child_process'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunStore, StoreError } from './store'
import { APPLICATION_ID, LATEST_VERSION } from './migrations'
import { processStartMs } from './processes'
import { deadPid, fakeSummary, newRun, samples, tempDir } from './testing/fixtures'

let dir: string
let file: string
beforeEach(() => {
  dir = tempDir()
  file = path.join(dir, 'runs.db')
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const hash = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex')
const sideFiles = (f: string): string[] => ['-wal', '-shm', '-journal'].filter((s) => fs.existsSync(f + s))

function refusal(f: string): StoreError {
  try {
    RunStore.open(f).close()
  } catch (e) {
    if (e instanceof StoreError) return e
    throw e
  }
  throw new Error('expected the store to refuse the file')
}

/** Frozen fixtures of every earlier schema version, as SQL (version 0 is an SQLite file with nothing in it). */
const FIXTURES: Record<number, string> = {
  0: '',
  1: fs.readFileSync(path.join(__dirname, 'fixtures', 'store-v1.sql'), 'utf8'),
  2: fs.readFileSync(path.join(__dirname, 'fixtures', 'store-v2.sql'), 'utf8'),
  3: fs.readFileSync(path.join(__dirname, 'fixtures', 'store-v3.sql'), 'utf8'),
  4: fs.readFileSync(path.join(__dirname, 'fixtures', 'store-v4.sql'), 'utf8')
}

function databaseAtVersion(f: string, version: number): void {
  const db = new Database(f)
  db.exec(FIXTURES[version])
  db.close()
}

describe('run store: opening and migrations', () => {
  it('creates a WAL database at the latest version in a folder that does not exist yet', () => {
    const nested = path.join(dir, 'a', 'b', 'runs.db')
    const store = RunStore.open(nested)
    expect(store.schemaVersion).toBe(LATEST_VERSION)
    store.close()
    const db = new Database(nested, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
    db.close()
  })

  it('initialises an empty (0-byte) file', () => {
    fs.writeFileSync(file, '')
    const store = RunStore.open(file)
    expect(store.schemaVersion).toBe(LATEST_VERSION)
    store.close()
  })

  it('has a fixture for every earlier version', () => {
    expect(Object.keys(FIXTURES).map(Number)).toEqual(Array.from({ length: LATEST_VERSION }, (_, v) => v))
  })

  for (let v = 0; v < LATEST_VERSION; v++) {
    it(`migrates a version ${v} database to ${LATEST_VERSION}, keeping its runs`, () => {
      databaseAtVersion(file, v)
      const store = RunStore.open(file)
      expect(store.schemaVersion).toBe(LATEST_VERSION)
      if (v >= 1) {
        const runs = store.listRuns()
        expect(runs.map((r) => [r.id, r.status, r.platform])).toEqual([
          [1, 'done', 'linux fixture'],
          // Owned by another host: not ours to call interrupted.
          [2, 'running', 'linux fixture']
        ])
        expect(store.getRun(1)).toMatchObject({
          note: 'kept across migrations',
          tags: ['fixture'],
          headline: { sim_time_s: 1e-9 },
          wallTimeMs: 1000.5
        })
        expect(store.getSamples(1).samples.map((x) => x.values.residentPages)).toEqual([10, 2048])
      }
      const e = store.createExperiment({ name: 'new', config: {} })
      const [id] = store.createRuns(e, [newRun()])
      store.markRunning(id)
      store.appendSamples(id, samples(3))
      store.close()
      const again = RunStore.open(file)
      expect(again.getRun(id)?.status).toBe('running')
      again.close()
    })
  }

  it('refuses a file that is not SQLite and leaves it unchanged', () => {
    fs.writeFileSync(file, 'design,metric\nlegacy,1\n'.repeat(50))
    const before = hash(file)
    const e = refusal(file)
    expect(e.problem).toBe('corrupt')
    expect(e.message).toContain('not an SQLite database')
    expect(e.message).toContain('left unchanged')
    expect(hash(file)).toBe(before)
    expect(sideFiles(file)).toEqual([])
  })

  it('refuses a store with a damaged page and leaves it unchanged', () => {
    const store = RunStore.open(file)
    const exp = store.createExperiment({ name: 'x', config: {} })
    const [run] = store.createRuns(exp, [newRun()])
    store.appendSamples(run, samples(5000))
    store.close()
    const pageSize = 4096
    const bytes = fs.readFileSync(file)
    // Scribble over interior pages (not page 1, whose header we check separately).
    for (let p = 3; p < 8; p++) bytes.fill(0xa5, p * pageSize, p * pageSize + 200)
    fs.writeFileSync(file, bytes)
    const before = hash(file)
    const e = refusal(file)
    expect(e.problem).toBe('corrupt')
    expect(e.message).toMatch(/damaged/)
    expect(hash(file)).toBe(before)
  })

  it('refuses a truncated file', () => {
    fs.writeFileSync(file, Buffer.from('SQLite format 3\0'))
    expect(refusal(file).problem).toBe('corrupt')
  })

  it('refuses a store from a newer version without touching it', () => {
    RunStore.open(file).close()
    const db = new Database(file)
    db.pragma(`user_version = ${LATEST_VERSION + 1}`)
    db.pragma('journal_mode = DELETE')
    db.close()
    const before = hash(file)
    const e = refusal(file)
    expect(e.problem).toBe('newer')
    expect(e.message).toContain(`store version ${LATEST_VERSION + 1}; this build reads up to version ${LATEST_VERSION}`)
    expect(hash(file)).toBe(before)
    expect(sideFiles(file)).toEqual([])
  })

  it("refuses another program's SQLite database", () => {
    const db = new Database(file)
    db.exec('CREATE TABLE bookmarks (url TEXT)')
    db.close()
    const before = hash(file)
    expect(refusal(file).problem).toBe('foreign')
    expect(hash(file)).toBe(before)
  })
})

describe('run store: runs and samples', () => {
  it('records a run through its life with summary, note and tags', () => {
    const store = RunStore.open(file)
    const exp = store.createExperiment({ name: 'exp', config: { name: 'exp' } })
    const [id] = store.createRuns(exp, [newRun({ point: { cpus: 4 }, trial: 2, seed: 3 })])
    expect(store.getRun(id)).toMatchObject({
      status: 'queued',
      point: { cpus: 4 },
      trial: 2,
      seed: 3,
      experimentName: 'exp',
      startedAt: null,
      headline: null
    })
    store.markRunning(id)
    expect(store.getRun(id)?.status).toBe('running')
    store.finishRun(id, { status: 'done', wallTimeMs: 12.5, summary: fakeSummary(), headline: { sim_time_s: 2 } })
    store.setNote(id, 'first try')
    store.setTags(id, ['b', 'a', 'a'])
    const run = store.getRun(id)!
    expect(run).toMatchObject({
      status: 'done',
      wallTimeMs: 12.5,
      note: 'first try',
      tags: ['a', 'b'],
      headline: { sim_time_s: 2 },
      config: { design: 'legacy' }
    })
    expect(run.summary?.simTimeNs).toBe(2e9)
    expect(run.startedAt && run.finishedAt && run.startedAt <= run.finishedAt).toBe(true)
    store.close()
  })

  it('keeps samples in order across batches, with fields unknown to the schema, and thins them on request', () => {
    const store = RunStore.open(file)
    const [id] = store.createRuns(store.createExperiment({ name: 'x', config: {} }), [newRun()])
    const batch = samples(1000)
    ;(batch[3].values as Record<string, number>).futureField = 42
    store.appendSamples(id, batch)
    store.appendSamples(id, samples(1001, 1000))
    const all = store.getSamples(id)
    expect(all.totalSamples).toBe(2001)
    expect(all.samples.map((s) => s.ops)).toEqual(Array.from({ length: 2001 }, (_, i) => i * 7))
    expect(all.samples[5]).toEqual(samples(1, 5)[0])
    expect((all.samples[3].values as Record<string, number>).futureField).toBe(42)
    const thin = store.getSamples(id, 100)
    expect(thin.samples.length).toBeLessThanOrEqual(100)
    expect(thin.samples.length).toBeGreaterThan(50)
    expect(thin.samples.at(-1)?.ops).toBe(2000 * 7)
    store.close()
  })

  it('decimates a series into min/mean/max buckets that agree with the samples, from a stored rollup once the run is done', () => {
    const store = RunStore.open(file)
    const [id] = store.createRuns(store.createExperiment({ name: 'x', config: {} }), [newRun()])
    store.markRunning(id)
    // 1000 samples with a spike in the middle: min/max buckets must keep it.
    const batch = samples(1000).map((s, i) => ({ ...s, values: { ...s.values, swpout: i === 501 ? 1e6 : i } }))
    store.appendSamples(id, batch.slice(0, 400))
    // While running: rolled up from the samples every time (nothing stored), so new samples show.
    expect(store.getSeries(id, ['swpout'], 10).totalSamples).toBe(400)
    store.appendSamples(id, batch.slice(400))
    const live = store.getSeries(id, ['swpout'], 10)
    expect(live.totalSamples).toBe(1000)
    store.finishRun(id, { status: 'done' })
    const done = store.getSeries(id, ['swpout', 'metadataBytes'], 10)
    // The second read comes from the stored rollup and is the same.
    expect(store.getSeries(id, ['swpout', 'metadataBytes'], 10)).toEqual(done)
    expect(done.tSimNs).toHaveLength(10)
    // Every bucket is 100 consecutive samples: compare with the samples themselves.
    for (let b = 0; b < 10; b++) {
      const part = batch.slice(b * 100, b * 100 + 100)
      const ys = part.map((s) => s.values.swpout)
      expect(done.fields.swpout.min[b]).toBe(Math.min(...ys))
      expect(done.fields.swpout.max[b]).toBe(Math.max(...ys))
      expect(done.fields.swpout.mean[b]).toBeCloseTo(ys.reduce((a, y) => a + y, 0) / 100, 6)
      expect(done.tSimNs[b]).toBeCloseTo(part.reduce((a, s) => a + s.tSimNs, 0) / 100, 3)
      expect(done.fields.metadataBytes.mean[b]).toBeCloseTo(part.reduce((a, s) => a + s.values.metadataBytes, 0) / 100, 6)
    }
    expect(done.fields.swpout.max[5]).toBe(1e6)
    expect(live.fields.swpout).toEqual(done.fields.swpout)
    expect(live.tSimNs).toEqual(done.tSimNs)
    store.close()
  })

  it('rolls up runs recorded before rollups existed on first use, and notices stale rollups', () => {
    const store = RunStore.open(file)
    const [id] = store.createRuns(store.createExperiment({ name: 'x', config: {} }), [newRun({ status: 'done' })])
    store.appendSamples(id, samples(50))
    const db = new Database(file)
    const rollups = (): number => (db.prepare('SELECT count(*) AS n FROM series_rollups WHERE run_id = ?').get(id) as { n: number }).n
    expect(rollups()).toBe(0)
    expect(store.getSeries(id, ['swpin'], 1000).tSimNs).toHaveLength(50)
    expect(rollups()).toBeGreaterThan(0)
    // More samples than the rollup knows (an import appending later): rolled up again, not served stale.
    store.appendSamples(id, samples(50, 50))
    expect(store.getSeries(id, ['swpin'], 1000).totalSamples).toBe(100)
    expect(store.getSeries(id, ['swpin'], 1000).tSimNs).toHaveLength(100)
    expect(store.getSeries(id, [], 5).tSimNs).toHaveLength(5)
    expect(() => store.getSeries(id, ['nope; DROP TABLE runs'], 5)).toThrow(/not a sample field/)
    // Deleting the run deletes its rollup.
    store.deleteRuns([id])
    expect(rollups()).toBe(0)
    db.close()
    store.close()
  })

  it('filters runs and deletes them with their samples and empty experiments', () => {
    const store = RunStore.open(file)
    const e1 = store.createExperiment({ name: 'one', config: {} })
    const e2 = store.createExperiment({ name: 'two', config: {} })
    const [a, b] = store.createRuns(e1, [newRun(), newRun({ design: 'vswap', variantLabel: 'vswap' })])
    const [c] = store.createRuns(e2, [newRun()])
    store.appendSamples(a, samples(10))
    expect(store.listRuns({ design: 'vswap' }).map((r) => r.id)).toEqual([b])
    expect(store.listRuns({ experimentId: e2 }).map((r) => r.id)).toEqual([c])
    expect(store.deleteRuns([a, c])).toBe(2)
    expect(store.countSamples(a)).toBe(0)
    expect(store.listRuns().map((r) => r.id)).toEqual([b])
    expect(store.getExperiment(e2)).toBeUndefined()
    expect(store.getExperiment(e1)?.name).toBe('one')
    store.close()
  })
})

describe('run store: crashes and concurrent readers', () => {
  it('marks runs of a dead process interrupted at the next open, keeping their samples', () => {
    const store = RunStore.open(file)
    const exp = store.createExperiment({ name: 'x', config: {} })
    const [running, queued, done, mine] = store.createRuns(exp, [newRun(), newRun(), newRun(), newRun()])
    store.markRunning(running)
    store.appendSamples(running, samples(250))
    store.finishRun(done, { status: 'done' })
    store.markRunning(mine)
    store.close()
    const gone = deadPid()
    const db = new Database(file)
    db.prepare('UPDATE runs SET owner_pid = ? WHERE id IN (?, ?)').run(gone, running, queued)
    db.close()

    const reopened = RunStore.open(file)
    expect(reopened.recoveredRunIds).toEqual([running, queued])
    const r = reopened.getRun(running)!
    expect(r.status).toBe('interrupted')
    expect(r.error).toContain(`pid ${gone}`)
    expect(r.finishedAt).not.toBeNull()
    expect(reopened.getRun(queued)?.status).toBe('interrupted')
    expect(reopened.getRun(done)?.status).toBe('done')
    // Owned by this (live) process: another process opening the file must not steal it.
    expect(reopened.getRun(mine)?.status).toBe('running')
    expect(reopened.getSamples(running).totalSamples).toBe(250)
    reopened.close()
  })

  it('treats a live process with the owner pid but another start time as a reused pid', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' })
    try {
      await new Promise((r) => setTimeout(r, 100))
      const store = RunStore.open(file)
      const [same, reused] = store.createRuns(store.createExperiment({ name: 'x', config: {} }), [newRun(), newRun()])
      store.close()
      const started = processStartMs(child.pid!)
      expect(started).not.toBeNull()
      const db = new Database(file)
      const own = db.prepare("UPDATE runs SET status = 'running', owner_pid = ?, owner_started_ms = ? WHERE id = ?")
      own.run(child.pid, started, same)
      own.run(child.pid, started! - 3_600_000, reused)
      db.close()
      const reopened = RunStore.open(file)
      expect(reopened.recoveredRunIds).toEqual([reused])
      expect(reopened.getRun(same)?.status).toBe('running')
      reopened.close()
    } finally {
      child.kill()
    }
  })

  it('lets a second process read while this one writes samples', async () => {
    const store = RunStore.open(file)
    const [id] = store.createRuns(store.createExperiment({ name: 'x', config: {} }), [newRun()])
    store.markRunning(id)
    const target = 40_000
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'testing', 'readerChild.ts'), file, String(id), String(target)],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    // Wait until the reader is up, then write in batches while it polls.
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 10))
    for (let i = 0; i < target; i += 1000) {
      store.appendSamples(id, samples(1000, i))
      await new Promise((r) => setTimeout(r, 5))
    }
    const code = await new Promise<number | null>((r) => child.on('exit', r))
    store.close()
    expect(err).toBe('')
    expect(code).toBe(0)
    const counts = out
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[0]))
    expect(counts.at(-1)).toBe(target)
    // The reader saw the table grow in between, i.e. it read during the writes, not after them.
    expect(new Set(counts.filter((n) => n > 0 && n < target)).size).toBeGreaterThan(2)
  })
})
