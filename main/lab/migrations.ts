// The store's schema history. Each migration moves `PRAGMA user_version` from its index to
// index + 1 and is frozen once released: change the schema only by appending a migration
// (and a fixture of the old version for the migration tests).

/** Sample columns of schema v1, in order; fields the engine adds later go to `extra` (JSON). */
export const SAMPLE_COLUMNS_V1 = [
  ['residentPages', 'resident_pages'],
  ['swapUsedSlots', 'swap_used_slots'],
  ['swapCachePages', 'swap_cache_pages'],
  ['metadataBytes', 'metadata_bytes'],
  ['swpout', 'swpout'],
  ['swpin', 'swpin'],
  ['swpoutFallback', 'swpout_fallback'],
  ['pageRate', 'page_rate'],
  ['throughputMBps', 'throughput_mbps'],
  ['clustersFree', 'clusters_free'],
  ['clustersNonfull', 'clusters_nonfull'],
  ['clustersFrag', 'clusters_frag'],
  ['clustersFull', 'clusters_full'],
  ['clustersDiscard', 'clusters_discard'],
  ['hasCacheRetries', 'has_cache_retries'],
  ['folioLockWaits', 'folio_lock_waits'],
  ['majorFaults', 'major_faults']
] as const

/** 'SWAP' in ASCII: marks the file as a Swap Lab store (PRAGMA application_id). */
export const APPLICATION_ID = 0x53574150

export const MIGRATIONS: string[] = [
  // v0 -> v1: the first schema.
  `
  PRAGMA application_id = ${APPLICATION_ID};
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    config TEXT NOT NULL,                -- ExperimentConfig, JSON
    created_at TEXT NOT NULL,            -- ISO 8601
    imported_from TEXT                   -- exporter and platform of an imported export; NULL if run here
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    design TEXT NOT NULL,
    variant_label TEXT NOT NULL,
    workload TEXT NOT NULL,
    point TEXT NOT NULL,                 -- sweep point, JSON object
    trial INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    storage TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    config TEXT NOT NULL,                -- EngineConfig the run executes with, JSON
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    wall_time_ms REAL,
    error TEXT,
    engine_version TEXT NOT NULL,
    app_version TEXT NOT NULL,
    platform TEXT NOT NULL,
    owner_pid INTEGER,                   -- process that queued / runs it: a dead owner means a crash
    owner_host TEXT
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id);
  CREATE INDEX runs_by_status ON runs(status);
  CREATE TABLE samples (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t_sim_ns REAL NOT NULL,
    t_wall_ms REAL NOT NULL,
    ops REAL NOT NULL,
    ${SAMPLE_COLUMNS_V1.map(([, col]) => `${col} REAL`).join(',\n    ')},
    extra TEXT,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE summaries (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    summary TEXT NOT NULL,               -- RunSummary, JSON
    headline TEXT NOT NULL               -- a few metrics in base units, JSON
  );
  CREATE TABLE notes (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE tags (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
  ) WITHOUT ROWID;
  `,
  // v1 -> v2: when the owning process started, so a pid reused by another process after a
  // crash is not taken for the owner (the run would stay 'running' forever).
  `
  ALTER TABLE runs ADD COLUMN owner_started_ms INTEGER;
  `,
  // v2 -> v3: every folder the lab made for device files, with its owner process, so the
  // folders of a killed run are removed at the next open wherever they were (--device-dir).
  `
  CREATE TABLE device_dirs (
    path TEXT PRIMARY KEY,               -- absolute; the folder holds the lab's marker file
    run_id INTEGER,                      -- the run it was made for (no foreign key: it outlives a deleted run)
    owner_pid INTEGER NOT NULL,
    owner_host TEXT NOT NULL,
    owner_started_ms INTEGER,
    created_at TEXT NOT NULL
  );
  `,
  // v3 -> v4: each finished run's time series rolled up into min/mean/max buckets, so Compare
  // reads a few kilobytes per run instead of every sample.
  `
  CREATE TABLE series_rollups (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    field TEXT NOT NULL,                 -- a sample field; '' holds the bucket counts and times
    samples INTEGER NOT NULL,            -- samples of the run when rolled up (a mismatch means stale)
    data BLOB NOT NULL,                  -- little-endian float64: '' -> count, t_sim_ns, t_wall_ms, ops; field -> mean, min, max
    PRIMARY KEY (run_id, field)
  ) WITHOUT ROWID;
  `,
  // v4 -> v5: a note and tags on each experiment (runs have had theirs since v1), editable in
  // the app, searched in Runs and carried by exports.
  `
  ALTER TABLE experiments ADD COLUMN note TEXT NOT NULL DEFAULT '';
  CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (experiment_id, tag)
  ) WITHOUT ROWID;
  `
]

export const LATEST_VERSION = MIGRATIONS.length
