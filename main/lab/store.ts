// The run store: experiments, runs, samples, summaries, notes and tags in one SQLite file
// (better-sqlite3, WAL, so other processes can read while a run writes). An existing file is
// inspected read-only before anything is written: a damaged, foreign or newer file is
// refused and left exactly as it was.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import Database from 'better-sqlite3'
import type { DesignName, RunSummary, Sample } from '../../engine/pure'
import { variantLabel } from '../../experiments/sweep'
import type { KernelBadge, RunDetail, RunFilter, RunRecord, RunStatus, SampleSeries, SeriesBuckets } from '../../experiments/api'
import { APPLICATION_ID, LATEST_VERSION, MIGRATIONS, SAMPLE_COLUMNS_V1 } from './migrations'
import { OWN_START_MS, ownerAlive } from './processes'

export type StoreProblem = 'corrupt' | 'newer' | 'foreign' | 'unusable'

/** The database cannot be used; the message says why and what to do, and the file is untouched. */
export class StoreError extends Error {
  constructor(
    readonly problem: StoreProblem,
    message: string
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

export interface StoreOptions {
  /** Path of a better_sqlite3.node built for this runtime (Electron loads its own ABI build). */
  nativeBinding?: string
}

export interface NewExperiment {
  name: string
  config: unknown
  importedFrom?: string | null
  createdAt?: string
}

export interface NewRun {
  design: string
  variantLabel: string
  workload: string
  point: Record<string, number | string | boolean>
  trial: number
  seed: number
  storage: 'file' | 'metadata-only'
  config: unknown
  engineVersion: string
  appVersion: string
  platform: string
  /** Imported runs keep their recorded state; local runs start queued. */
  status?: RunStatus
  createdAt?: string
  startedAt?: string | null
  finishedAt?: string | null
  wallTimeMs?: number | null
  error?: string | null
}

export interface RunOutcome {
  status: Extract<RunStatus, 'done' | 'failed' | 'cancelled' | 'interrupted'>
  error?: string | null
  wallTimeMs?: number | null
  summary?: RunSummary | null
  headline?: Record<string, number> | null
}

const SQLITE_MAGIC = 'SQLite format 3\0'
/** Buckets of a finished run's stored rollup: charts ask for fewer and get them merged from these. */
export const ROLLUP_BUCKETS = 300

/** A run's samples in buckets: per bucket the sample count, mean times, and per field mean/min/max (NaN: not sampled). */
export interface Rollup {
  count: Float64Array
  tSim: Float64Array
  tWall: Float64Array
  ops: Float64Array
  fields: Map<string, { mean: Float64Array; min: Float64Array; max: Float64Array }>
}
const ALL_SAMPLE_FIELDS = new Set<string>(SAMPLE_COLUMNS_V1.map(([field]) => field))
const now = (): string => new Date().toISOString()
const SAMPLE_INSERT_COLUMNS = ['run_id', 'seq', 't_sim_ns', 't_wall_ms', 'ops', ...SAMPLE_COLUMNS_V1.map(([, c]) => c), 'extra']
const SAMPLE_ARITY = SAMPLE_INSERT_COLUMNS.length
const ROWS_PER_INSERT = 64

function fillSampleRow(args: unknown[], at: number, runId: number, seq: number, s: Sample): void {
  args[at] = runId
  args[at + 1] = seq
  args[at + 2] = s.tSimNs
  args[at + 3] = s.tWallMs
  args[at + 4] = s.ops
  const v = s.values as Record<string, number>
  for (let i = 0; i < SAMPLE_COLUMNS_V1.length; i++) args[at + 5 + i] = v[SAMPLE_COLUMNS_V1[i][0]] ?? null
  let extra: Record<string, number> | null = null
  for (const k in v) if (!ALL_SAMPLE_FIELDS.has(k)) (extra ??= {})[k] = v[k]
  args[at + SAMPLE_ARITY - 1] = extra ? JSON.stringify(extra) : null
}

/** Read-only look at an existing file; throws StoreError when it must not be opened for writing. */
function inspect(file: string, options: StoreOptions): void {
  const refuse = (problem: StoreProblem, why: string): never => {
    throw new StoreError(
      problem,
      `${file}: ${why}. The file was left unchanged; move it away or choose another database (--db or SWAPLAB_DB).`
    )
  }
  const header = Buffer.alloc(100)
  let got: number
  try {
    const fd = fs.openSync(file, 'r')
    try {
      got = fs.readSync(fd, header, 0, 100, 0)
    } finally {
      fs.closeSync(fd)
    }
  } catch (e) {
    throw new StoreError('unusable', `${file}: cannot read the database (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  if (got < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC)
    refuse('corrupt', 'not an SQLite database (the header is missing or damaged)')
  // A read-only connection still creates -wal and -shm files for a WAL database. When the file
  // is refused, those it created empty are removed again, so it is left exactly as it was found.
  // (Only on refusal and only empty ones: a live writer's WAL beside a good file is never touched.)
  const sideFiles = ['-wal', '-shm', '-journal'].map((s) => `${file}${s}`).filter((f) => !fs.existsSync(f))
  let refused = false
  let db: Database.Database | undefined
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding })
    const appId = db.pragma('application_id', { simple: true }) as number
    const version = db.pragma('user_version', { simple: true }) as number
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n
    if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0))
      refuse('foreign', 'an SQLite database of another program, not a Swap Lab run store')
    if (version > LATEST_VERSION)
      refuse(
        'newer',
        `written by a newer Swap Lab (store version ${version}; this build reads up to version ${LATEST_VERSION}); open it with that version`
      )
    const check = db.pragma('quick_check', { simple: true }) as string
    if (check !== 'ok') refuse('corrupt', `the database is damaged (${check})`)
  } catch (e) {
    // Only a damaged file: a foreign or newer database may be in use by its own program.
    refused = !(e instanceof StoreError) || e.problem === 'corrupt'
    if (e instanceof StoreError) throw e
    refuse('corrupt', `the database is damaged or unreadable (${(e as Error).message})`)
  } finally {
    try {
      db?.close()
    } finally {
      if (refused) removeCreatedSideFiles(file, sideFiles)
    }
  }
}

const sizeOf = (f: string): number | null => {
  try {
    return fs.statSync(f).size
  } catch {
    return null
  }
}

/**
 * Removes side files the inspection created beside a refused database: an empty -wal or
 * -journal, and the -shm (only an index of the WAL) when no WAL content exists.
 */
function removeCreatedSideFiles(file: string, created: string[]): void {
  const walBytes = sizeOf(`${file}-wal`) ?? 0
  for (const f of created) {
    const size = sizeOf(f)
    if (size === null) continue
    if (size === 0 || (f.endsWith('-shm') && walBytes === 0)) fs.rmSync(f, { force: true })
  }
}

/** Errors of the file system and of SQLite that mean the path cannot hold a database, as a reason. */
function unusableReason(e: unknown): string | null {
  const err = e as { code?: string; message?: string }
  switch (err.code) {
    case 'EROFS':
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
      return 'the file system is read-only'
    case 'EACCES':
    case 'EPERM':
    case 'SQLITE_PERM':
      return 'permission denied'
    case 'ENOSPC':
    case 'SQLITE_FULL':
      return 'the disk is full'
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_IOERR':
    case 'SQLITE_NOTADB':
      return `SQLite cannot open it (${err.message})`
    default:
      return null
  }
}

/**
 * Refuses paths that cannot hold a database before SQLite touches them (SQLite would create
 * a journal beside /dev/null, or fail with a bare "unable to open database file").
 */
function checkDbPath(file: string): void {
  let st: fs.Stats | undefined
  try {
    st = fs.statSync(file)
  } catch {
    st = undefined
  }
  if (st?.isDirectory()) throw new StoreError('unusable', `${file}: is a directory; give the path of a database file (--db or SWAPLAB_DB)`)
  if (st && !st.isFile())
    throw new StoreError(
      'unusable',
      `${file}: not a regular file (a device, pipe or socket); give the path of a database file (--db or SWAPLAB_DB)`
    )
  // The nearest folder that exists must be writable: SQLite writes its journal beside the database.
  let dir = path.dirname(path.resolve(file))
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  if (!fs.statSync(dir).isDirectory()) throw new StoreError('unusable', `${file}: ${dir} is not a folder`)
  try {
    fs.accessSync(dir, fs.constants.W_OK)
  } catch (e) {
    const why = unusableReason(e) ?? (e as Error).message
    throw new StoreError('unusable', `${file}: cannot write in the folder ${dir}: ${why}`)
  }
}

function migrate(db: Database.Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) === LATEST_VERSION) return
  db.transaction(() => {
    // Inside the write transaction, so two processes opening a fresh file cannot both migrate.
    const from = db.pragma('user_version', { simple: true }) as number
    for (let v = from; v < LATEST_VERSION; v++) db.exec(MIGRATIONS[v])
    if (from < LATEST_VERSION) db.pragma(`user_version = ${LATEST_VERSION}`)
  }).immediate()
}

interface RunRow {
  id: number
  experiment_id: number
  experiment_name: string
  design: string
  variant_label: string
  workload: string
  point: string
  trial: number
  seed: number
  status: RunStatus
  storage: 'file' | 'metadata-only'
  created_at: string
  started_at: string | null
  finished_at: string | null
  wall_time_ms: number | null
  error: string | null
  engine_version: string
  app_version: string
  platform: string
  note: string | null
  tags: string
  experiment_note: string
  experiment_tags: string
  headline: string | null
  kernel: string | null
}

/** For kernel runs, only the few fields of summary.kernel that tables show (the raw deltas stay in the summary). */
const KERNEL_BADGE_SQL = `CASE WHEN r.design = 'kernel' AND json_extract(s.summary, '$.kernel') IS NOT NULL THEN json_object(
    'release', json_extract(s.summary, '$.kernel.release'), 'where', json_extract(s.summary, '$.kernel.where'),
    'accel', json_extract(s.summary, '$.kernel.accel'), 'timingsAreKernel', json_extract(s.summary, '$.kernel.timingsAreKernel'),
    'countersSystemWide', json_extract(s.summary, '$.kernel.countersSystemWide'),
    'pairedDesign', json(json_extract(s.summary, '$.kernel.pairedDesign')),
    'bootAttempts', json_extract(s.summary, '$.kernel.bootAttempts'), 'bootRetries', json(json_extract(s.summary, '$.kernel.bootRetries')),
    'swapRotational', json_extract(s.summary, '$.kernel.swapRotational')) END`

const RUN_SELECT = `
  SELECT r.id, r.experiment_id, e.name AS experiment_name, r.design, r.variant_label, r.workload, r.point, r.trial, r.seed,
         r.status, r.storage, r.created_at, r.started_at, r.finished_at, r.wall_time_ms, r.error, r.engine_version,
         r.app_version, r.platform, n.body AS note, s.headline, ${KERNEL_BADGE_SQL} AS kernel,
         (SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.run_id = r.id ORDER BY tag)) AS tags,
         e.note AS experiment_note,
         (SELECT json_group_array(tag) FROM (SELECT tag FROM experiment_tags et WHERE et.experiment_id = r.experiment_id ORDER BY tag)) AS experiment_tags
  FROM runs r JOIN experiments e ON e.id = r.experiment_id
  LEFT JOIN notes n ON n.run_id = r.id
  LEFT JOIN summaries s ON s.run_id = r.id`

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    experimentName: r.experiment_name,
    design: r.design as RunRecord['design'],
    variantLabel: r.variant_label,
    workload: r.workload as RunRecord['workload'],
    point: JSON.parse(r.point),
    trial: r.trial,
    seed: r.seed,
    status: r.status,
    storage: r.storage,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    wallTimeMs: r.wall_time_ms,
    error: r.error,
    engineVersion: r.engine_version,
    appVersion: r.app_version,
    platform: r.platform,
    note: r.note ?? '',
    tags: JSON.parse(r.tags),
    experimentNote: r.experiment_note,
    experimentTags: JSON.parse(r.experiment_tags),
    headline: r.headline ? JSON.parse(r.headline) : null,
    ...(r.kernel ? { kernel: kernelBadge(JSON.parse(r.kernel)) } : {})
  }
}

function kernelBadge(k: Record<string, unknown>): KernelBadge {
  const paired = k.pairedDesign as { design: string; options: Record<string, unknown> } | null
  return {
    release: String(k.release ?? ''),
    where: k.where === 'host' ? 'host' : 'vm',
    accel: k.accel === 'kvm' || k.accel === 'tcg' ? k.accel : null,
    // SQLite's JSON functions give booleans as 1/0.
    timingsAreKernel: k.timingsAreKernel === 1 || k.timingsAreKernel === true,
    countersSystemWide: k.countersSystemWide === 1 || k.countersSystemWide === true,
    pairedDesign: paired?.design ? variantLabel({ design: paired.design as DesignName, options: paired.options ?? {} }) : null,
    ...(typeof k.bootAttempts === 'number' ? { bootAttempts: k.bootAttempts } : {}),
    ...(Array.isArray(k.bootRetries) ? { bootRetries: k.bootRetries.map(String) } : {}),
    ...(k.swapRotational === 1 || k.swapRotational === 0 || typeof k.swapRotational === 'boolean'
      ? { swapRotational: k.swapRotational === 1 || k.swapRotational === true }
      : {})
  }
}

export class RunStore {
  /** Runs found `queued` or `running` under a process that no longer exists, marked `interrupted` at open. */
  readonly recoveredRunIds: number[] = []
  /**
   * Set when runs of dead processes were found but could not be marked interrupted (the disk
   * is full or the file read-only): the store still opens so what is there can be read.
   */
  readonly recoveryWarning: string | null = null
  private readonly insertSamples: Database.Statement
  private readonly readSamples: Database.Statement
  private readonly insertByRows = new Map<number, Database.Statement>()
  private readonly nextSeq = new Map<number, number>()
  private readonly statements = new Map<string, Database.Statement>()

  private constructor(
    readonly file: string,
    private readonly db: Database.Database
  ) {
    this.insertSamples = this.insertStatement(ROWS_PER_INSERT)
    this.readSamples = db.prepare(
      `SELECT t_sim_ns, t_wall_ms, ops, ${SAMPLE_COLUMNS_V1.map(([, c]) => c).join(', ')}, extra FROM samples
       WHERE run_id = ? AND (seq % ? = 0 OR seq = (SELECT max(seq) FROM samples WHERE run_id = ?)) ORDER BY seq`
    )
    const orphans = this.findOrphans()
    try {
      this.markInterrupted(orphans)
      this.recoveredRunIds = orphans.map((r) => r.id)
    } catch (e) {
      const why = unusableReason(e)
      if (!why) throw e
      this.recoveryWarning = `run ${orphans.map((r) => r.id).join(', ')} ${orphans.length === 1 ? 'was' : 'were'} left unfinished by a process that stopped, but could not be marked interrupted: ${why}`
    }
  }

  /** Opens (creating and migrating if needed) the store at `file`; throws StoreError for files it must not touch. */
  static open(file: string, options: StoreOptions = {}): RunStore {
    if (file !== ':memory:') {
      checkDbPath(file)
      const exists = fs.existsSync(file) && fs.statSync(file).size > 0
      if (exists) inspect(file, options)
      else
        try {
          fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
        } catch (e) {
          throw new StoreError('unusable', `${file}: cannot create its folder: ${unusableReason(e) ?? (e as Error).message}`)
        }
    }
    let db: Database.Database
    try {
      db = new Database(file, { nativeBinding: options.nativeBinding })
    } catch (e) {
      const why = unusableReason(e)
      if (why) throw new StoreError('unusable', `${file}: cannot open the database: ${why}`)
      throw e
    }
    try {
      db.pragma('busy_timeout = 10000')
      db.pragma('journal_mode = WAL')
      // WAL + NORMAL: a crash of the app never tears a transaction; only a power cut may lose the last ones.
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
      migrate(db)
      return new RunStore(file, db)
    } catch (e) {
      db.close()
      const why = e instanceof StoreError ? null : unusableReason(e)
      if (why) throw new StoreError('unusable', `${file}: cannot open the database: ${why}`)
      throw e
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  inTransaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number
  }

  private findOrphans(): { id: number; status: RunStatus; owner_pid: number | null }[] {
    const host = os.hostname()
    const candidates = this.db
      .prepare("SELECT id, status, owner_pid, owner_host, owner_started_ms FROM runs WHERE status IN ('queued', 'running') ORDER BY id")
      .all() as {
      id: number
      status: RunStatus
      owner_pid: number | null
      owner_host: string | null
      owner_started_ms: number | null
    }[]
    // Runs owned by a live process (or one on another machine sharing the file) are left alone.
    return candidates.filter(
      (r) => r.owner_pid === null || (r.owner_host === host && r.owner_pid !== process.pid && !ownerAlive(r.owner_pid, r.owner_started_ms))
    )
  }

  private markInterrupted(orphans: { id: number; status: RunStatus; owner_pid: number | null }[]): void {
    if (orphans.length === 0) return
    const mark = this.db.prepare(
      "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status IN ('queued', 'running')"
    )
    this.db
      .transaction(() => {
        for (const r of orphans) {
          const what = r.status === 'running' ? 'ran it' : 'queued it'
          mark.run(now(), `interrupted: the process that ${what} (pid ${r.owner_pid ?? '?'}) stopped before the run finished`, r.id)
        }
      })
      .immediate()
  }

  createExperiment(e: NewExperiment): number {
    const r = this.db
      .prepare('INSERT INTO experiments (name, config, created_at, imported_from) VALUES (?, ?, ?, ?)')
      .run(e.name, JSON.stringify(e.config), e.createdAt ?? now(), e.importedFrom ?? null)
    return Number(r.lastInsertRowid)
  }

  /** Records runs of one experiment in one transaction; local runs are owned by this process. */
  createRuns(experimentId: number, runs: NewRun[]): number[] {
    const insert = this.db
      .prepare(`INSERT INTO runs (experiment_id, design, variant_label, workload, point, trial, seed, storage, status, config, created_at,
      started_at, finished_at, wall_time_ms, error, engine_version, app_version, platform, owner_pid, owner_host, owner_started_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    return this.db
      .transaction(() =>
        runs.map((r) => {
          const status = r.status ?? 'queued'
          const owned = status === 'queued' || status === 'running'
          const res = insert.run(
            experimentId,
            r.design,
            r.variantLabel,
            r.workload,
            JSON.stringify(r.point),
            r.trial,
            r.seed,
            r.storage,
            status,
            JSON.stringify(r.config),
            r.createdAt ?? now(),
            r.startedAt ?? null,
            r.finishedAt ?? null,
            r.wallTimeMs ?? null,
            r.error ?? null,
            r.engineVersion,
            r.appVersion,
            r.platform,
            owned ? process.pid : null,
            owned ? os.hostname() : null,
            owned ? OWN_START_MS : null
          )
          return Number(res.lastInsertRowid)
        })
      )
      .immediate()
  }

  markRunning(runId: number): void {
    this.db
      .prepare("UPDATE runs SET status = 'running', started_at = ?, owner_pid = ?, owner_host = ?, owner_started_ms = ? WHERE id = ?")
      .run(now(), process.pid, os.hostname(), OWN_START_MS, runId)
  }

  /** Ends a run: status, timing, error and summary in one transaction. */
  finishRun(runId: number, o: RunOutcome): void {
    this.db
      .transaction(() => {
        this.db
          .prepare('UPDATE runs SET status = ?, finished_at = ?, wall_time_ms = ?, error = ? WHERE id = ?')
          .run(o.status, now(), o.wallTimeMs ?? null, o.error ?? null, runId)
        if (o.summary) this.saveSummary(runId, o.summary, o.headline ?? {})
      })
      .immediate()
    this.nextSeq.delete(runId)
    try {
      this.rollUp(runId)
    } catch {
      // The rollup only speeds up charts: without it they roll up from the samples on demand.
    }
  }

  saveSummary(runId: number, summary: RunSummary, headline: Record<string, number>): void {
    this.db
      .prepare('INSERT OR REPLACE INTO summaries (run_id, summary, headline) VALUES (?, ?, ?)')
      .run(runId, JSON.stringify(summary), JSON.stringify(headline))
  }

  /** Appends samples in one transaction (callers batch them; one transaction per sample would be ~100x slower). */
  appendSamples(runId: number, samples: Sample[]): void {
    if (samples.length === 0) return
    this.db
      .transaction(() => {
        let seq = this.nextSeq.get(runId)
        if (seq === undefined)
          seq = ((this.db.prepare('SELECT max(seq) AS m FROM samples WHERE run_id = ?').get(runId) as { m: number | null }).m ?? -1) + 1
        // Rows go in groups of ROWS_PER_INSERT per statement: per-statement overhead dominates single-row inserts.
        const width = SAMPLE_ARITY
        let args: unknown[] = new Array(ROWS_PER_INSERT * width)
        let i = 0
        while (i < samples.length) {
          const rows = Math.min(ROWS_PER_INSERT, samples.length - i)
          if (rows < ROWS_PER_INSERT) args = new Array(rows * width)
          for (let r = 0; r < rows; r++, i++) fillSampleRow(args, r * width, runId, seq++, samples[i])
          ;(rows === ROWS_PER_INSERT ? this.insertSamples : this.insertStatement(rows)).run(args)
        }
        this.nextSeq.set(runId, seq)
      })
      .immediate()
  }

  private insertStatement(rows: number): Database.Statement {
    let st = this.insertByRows.get(rows)
    if (!st) {
      st = this.db.prepare(
        `INSERT INTO samples (${SAMPLE_INSERT_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => `(${SAMPLE_INSERT_COLUMNS.map(() => '?').join(', ')})`).join(', ')}`
      )
      this.insertByRows.set(rows, st)
    }
    return st
  }

  listRuns(filter: RunFilter & { ids?: number[] } = {}): RunRecord[] {
    const where: string[] = []
    const args: unknown[] = []
    const when = (sql: string, value: unknown): void => {
      where.push(sql)
      args.push(value)
    }
    if (filter.experimentId !== undefined) when('r.experiment_id = ?', filter.experimentId)
    if (filter.status) when('r.status = ?', filter.status)
    if (filter.design) when('r.design = ?', filter.design)
    if (filter.workload) when('r.workload = ?', filter.workload)
    if (filter.ids) when('r.id IN (SELECT value FROM json_each(?))', JSON.stringify(filter.ids))
    const sql = `${RUN_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id`
    return (this.db.prepare(sql).all(...args) as RunRow[]).map(toRecord)
  }

  getRun(runId: number): RunDetail | undefined {
    const row = this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(runId) as RunRow | undefined
    if (!row) return undefined
    const extra = this.db
      .prepare('SELECT r.config, s.summary FROM runs r LEFT JOIN summaries s ON s.run_id = r.id WHERE r.id = ?')
      .get(runId) as { config: string; summary: string | null }
    return { ...toRecord(row), config: JSON.parse(extra.config), summary: extra.summary ? JSON.parse(extra.summary) : null }
  }

  getExperiment(
    id: number
  ):
    | { id: number; name: string; config: unknown; createdAt: string; importedFrom: string | null; note: string; tags: string[] }
    | undefined {
    const r = this.db
      .prepare(
        `SELECT id, name, config, created_at, imported_from, note,
                (SELECT json_group_array(tag) FROM (SELECT tag FROM experiment_tags WHERE experiment_id = e.id ORDER BY tag)) AS tags
         FROM experiments e WHERE id = ?`
      )
      .get(id) as
      { id: number; name: string; config: string; created_at: string; imported_from: string | null; note: string; tags: string } | undefined
    return (
      r && {
        id: r.id,
        name: r.name,
        config: JSON.parse(r.config),
        createdAt: r.created_at,
        importedFrom: r.imported_from,
        note: r.note,
        tags: JSON.parse(r.tags)
      }
    )
  }

  /** The run's samples in order, thinned to at most maxPoints by taking every k-th (the last one always kept). */
  getSamples(runId: number, maxPoints = Infinity): SampleSeries {
    const total = (this.db.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ?').get(runId) as { n: number }).n
    const stride = total > maxPoints ? Math.ceil(total / Math.max(1, maxPoints - 1)) : 1
    // Rows as arrays (no per-row objects from the driver): this is the compare view's hot path.
    const rows = this.readSamples.raw(true).all(runId, stride, runId) as (number | string | null)[][]
    const n = SAMPLE_COLUMNS_V1.length
    const samples = rows.map((r): Sample => {
      const values: Record<string, number> = {}
      for (let i = 0; i < n; i++) if (r[3 + i] !== null) values[SAMPLE_COLUMNS_V1[i][0]] = r[3 + i] as number
      if (r[3 + n] !== null) Object.assign(values, JSON.parse(r[3 + n] as string))
      return { tSimNs: r[0] as number, tWallMs: r[1] as number, ops: r[2] as number, values: values as Sample['values'] }
    })
    return { runId, samples, totalSamples: total }
  }

  /**
   * A run's series of the given fields decimated to at most `buckets` buckets of consecutive
   * samples, each with the mean time and operations and the mean, min and max of each field:
   * what a chart a few hundred pixels wide can show. Finished runs are read from their rollup
   * (ROLLUP_BUCKETS buckets kept in the store, a few kilobytes per field) and merged down;
   * a running run, or one recorded before rollups existed, is rolled up from its samples.
   */
  getSeries(runId: number, fields: string[], buckets: number): SeriesBuckets {
    for (const f of fields) if (!ALL_SAMPLE_FIELDS.has(f)) throw new RangeError(`not a sample field: ${f}`)
    const total = this.sampleCount(runId)
    const out: SeriesBuckets = { runId, totalSamples: total, tSimNs: [], tWallMs: [], ops: [], fields: {} }
    for (const f of fields) out.fields[f] = { mean: [], min: [], max: [] }
    if (total === 0) return out
    const r = this.readRollup(runId, fields, total) ?? this.rollUp(runId, total)
    const k = r.count.length
    const n = Math.max(1, Math.min(buckets, k))
    // Merge rollup buckets j into output bucket floor(j * n / k): means weighted by sample counts.
    let j = 0
    for (let b = 0; b < n; b++) {
      let cnt = 0
      let ts = 0
      let tw = 0
      let op = 0
      const acc = fields.map(() => ({ sum: 0, cnt: 0, min: Infinity, max: -Infinity }))
      for (; j < k && Math.floor((j * n) / k) === b; j++) {
        const c = r.count[j]
        cnt += c
        ts += r.tSim[j] * c
        tw += r.tWall[j] * c
        op += r.ops[j] * c
        fields.forEach((f, i) => {
          const col = r.fields.get(f)!
          const m = col.mean[j]
          if (Number.isNaN(m)) return
          const a = acc[i]
          a.sum += m * c
          a.cnt += c
          if (col.min[j] < a.min) a.min = col.min[j]
          if (col.max[j] > a.max) a.max = col.max[j]
        })
      }
      if (cnt === 0) continue
      out.tSimNs.push(ts / cnt)
      out.tWallMs.push(tw / cnt)
      out.ops.push(op / cnt)
      fields.forEach((f, i) => {
        const a = acc[i]
        const o = out.fields[f]
        o.mean.push(a.cnt ? a.sum / a.cnt : null)
        o.min.push(a.cnt ? a.min : null)
        o.max.push(a.cnt ? a.max : null)
      })
    }
    return out
  }

  private cached(sql: string): Database.Statement {
    let st = this.statements.get(sql)
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)))
    return st
  }

  /** Samples of a run, from the primary key (seq runs 0..n-1): an index lookup, not a count. */
  private sampleCount(runId: number): number {
    const m = (this.cached('SELECT max(seq) AS m FROM samples WHERE run_id = ?').get(runId) as { m: number | null }).m
    return m === null ? 0 : m + 1
  }

  private readRollup(runId: number, fields: string[], total: number): Rollup | null {
    const rows = this.cached(
      `SELECT field, samples, data FROM series_rollups WHERE run_id = ? AND field IN (${['', ...fields].map(() => '?').join(', ')})`
    )
      .raw(true)
      .all(runId, '', ...fields) as [string, number, Buffer][]
    if (rows.length !== fields.length + 1 || rows.some((r) => r[1] !== total)) return null
    const f64 = (b: Buffer): Float64Array => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
    const time = f64(rows.find((r) => r[0] === '')![2])
    const k = time.length / 4
    const r: Rollup = {
      count: time.subarray(0, k),
      tSim: time.subarray(k, 2 * k),
      tWall: time.subarray(2 * k, 3 * k),
      ops: time.subarray(3 * k),
      fields: new Map()
    }
    for (const [f, , data] of rows) {
      if (f === '') continue
      const d = f64(data)
      r.fields.set(f, { mean: d.subarray(0, k), min: d.subarray(k, 2 * k), max: d.subarray(2 * k) })
    }
    return r
  }

  /** Rolls a run's samples up into ROLLUP_BUCKETS buckets (one pass in seq order); keeps it when the run has finished. */
  rollUp(runId: number, total = this.sampleCount(runId)): Rollup {
    const k = Math.max(1, Math.min(ROLLUP_BUCKETS, total))
    const nf = SAMPLE_COLUMNS_V1.length
    const count = new Float64Array(k)
    const tSim = new Float64Array(k)
    const tWall = new Float64Array(k)
    const ops = new Float64Array(k)
    const sum = Array.from({ length: nf }, () => new Float64Array(k))
    const cnt = Array.from({ length: nf }, () => new Float64Array(k))
    const min = Array.from({ length: nf }, () => new Float64Array(k).fill(Infinity))
    const max = Array.from({ length: nf }, () => new Float64Array(k).fill(-Infinity))
    const st = this.db.prepare(
      `SELECT seq, t_sim_ns, t_wall_ms, ops, ${SAMPLE_COLUMNS_V1.map(([, c]) => c).join(', ')} FROM samples WHERE run_id = ? ORDER BY seq`
    )
    for (const row of st.raw(true).iterate(runId) as Iterable<(number | null)[]>) {
      const b = Math.min(k - 1, Math.floor(((row[0] as number) * k) / total))
      count[b]++
      tSim[b] += row[1] as number
      tWall[b] += row[2] as number
      ops[b] += row[3] as number
      for (let i = 0; i < nf; i++) {
        const v = row[4 + i]
        if (v === null) continue
        sum[i][b] += v
        cnt[i][b]++
        if (v < min[i][b]) min[i][b] = v
        if (v > max[i][b]) max[i][b] = v
      }
    }
    for (let b = 0; b < k; b++) {
      const c = count[b] || 1
      tSim[b] /= c
      tWall[b] /= c
      ops[b] /= c
    }
    const r: Rollup = { count, tSim, tWall, ops, fields: new Map() }
    SAMPLE_COLUMNS_V1.forEach(([f], i) => {
      const mean = new Float64Array(k)
      for (let b = 0; b < k; b++) mean[b] = cnt[i][b] ? sum[i][b] / cnt[i][b] : NaN
      const lo = min[i].map((v) => (v === Infinity ? NaN : v))
      const hi = max[i].map((v) => (v === -Infinity ? NaN : v))
      r.fields.set(f, { mean, min: lo, max: hi })
    })
    const status = (this.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: RunStatus } | undefined)?.status
    if (status && status !== 'queued' && status !== 'running') this.saveRollup(runId, total, r)
    return r
  }

  private saveRollup(runId: number, total: number, r: Rollup): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO series_rollups (run_id, field, samples, data) VALUES (?, ?, ?, ?)')
    const blob = (...parts: Float64Array[]): Buffer => {
      const all = new Float64Array(parts.reduce((s, p) => s + p.length, 0))
      let at = 0
      for (const p of parts) {
        all.set(p, at)
        at += p.length
      }
      return Buffer.from(all.buffer)
    }
    this.db.transaction(() => {
      put.run(runId, '', total, blob(r.count, r.tSim, r.tWall, r.ops))
      for (const [f, c] of r.fields) put.run(runId, f, total, blob(c.mean, c.min, c.max))
    })()
  }

  /** The ids among `runIds` that no run has (cheaper than reading the runs). */
  missingRuns(runIds: number[]): number[] {
    const found = new Set(
      this.db.prepare('SELECT id FROM runs WHERE id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(runIds)) as number[]
    )
    return runIds.filter((id) => !found.has(id))
  }

  countSamples(runId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ?').get(runId) as { n: number }).n
  }

  /** Deletes runs with everything recorded for them, and experiments left without runs; returns how many runs went. */
  deleteRuns(runIds: number[]): number {
    return this.db
      .transaction(() => {
        const ids = JSON.stringify(runIds)
        const n = this.db.prepare('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))').run(ids).changes
        this.db.prepare('DELETE FROM experiments WHERE id NOT IN (SELECT DISTINCT experiment_id FROM runs)').run()
        return n
      })
      .immediate()
  }

  /** Records a folder made for a run's device files, owned by this process. */
  addDeviceDir(dir: string, runId: number | null): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO device_dirs (path, run_id, owner_pid, owner_host, owner_started_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)'
      )
      .run(path.resolve(dir), runId, process.pid, os.hostname(), OWN_START_MS, now())
  }

  /** Forgets a device folder (it was removed). */
  dropDeviceDir(dir: string): void {
    this.db.prepare('DELETE FROM device_dirs WHERE path = ?').run(path.resolve(dir))
  }

  /** Device folders recorded by processes of this machine that no longer exist. */
  staleDeviceDirs(): { path: string; runId: number | null; ownerPid: number }[] {
    const rows = this.db
      .prepare('SELECT path, run_id, owner_pid, owner_started_ms FROM device_dirs WHERE owner_host = ? AND owner_pid != ? ORDER BY path')
      .all(os.hostname(), process.pid) as { path: string; run_id: number | null; owner_pid: number; owner_started_ms: number | null }[]
    return rows
      .filter((r) => !ownerAlive(r.owner_pid, r.owner_started_ms))
      .map((r) => ({ path: r.path, runId: r.run_id, ownerPid: r.owner_pid }))
  }

  setNote(runId: number, note: string): void {
    if (note === '') this.db.prepare('DELETE FROM notes WHERE run_id = ?').run(runId)
    else this.db.prepare('INSERT OR REPLACE INTO notes (run_id, body, updated_at) VALUES (?, ?, ?)').run(runId, note, now())
  }

  setTags(runId: number, tags: string[]): void {
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM tags WHERE run_id = ?').run(runId)
        const insert = this.db.prepare('INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)')
        for (const t of tags) insert.run(runId, t)
      })
      .immediate()
  }

  /** False when there is no such experiment. */
  setExperimentNote(experimentId: number, note: string): boolean {
    return this.db.prepare('UPDATE experiments SET note = ? WHERE id = ?').run(note, experimentId).changes > 0
  }

  /** False when there is no such experiment. */
  setExperimentTags(experimentId: number, tags: string[]): boolean {
    return this.db
      .transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM experiments WHERE id = ?').get(experimentId)) return false
        this.db.prepare('DELETE FROM experiment_tags WHERE experiment_id = ?').run(experimentId)
        const insert = this.db.prepare('INSERT OR IGNORE INTO experiment_tags (experiment_id, tag) VALUES (?, ?)')
        for (const t of tags) insert.run(experimentId, t)
        return true
      })
      .immediate()
  }
}
