// The lab API contract: the one interface every front end (Electron preload, web bridge,
// CLI) uses to talk to the lab service. Types only; payloads are plain JSON-safe data.

import type {
  CostGroup,
  DesignName,
  DesignOptions,
  DeviceConfig,
  RunSummary,
  Sample,
  WorkloadName,
  DesignInfo,
  WorkloadInfo,
  KernelAccel,
  KernelWhere
} from '../engine/pure'

/** One design variant of an experiment: a design with its options (e.g. swap-table phase 2). */
export interface DesignVariant {
  design: DesignName
  options: DesignOptions
  /** Shown in tables and legends; defaults to design + options, e.g. "swap-table P2". */
  label?: string
}

/** One swept parameter: a dotted path into ExperimentConfig and the values it takes. */
export interface SweepAxis {
  /** e.g. "workload.params.tasks", "cpus", "memoryLimitBytes", "devices.0.preset". */
  path: string
  values: (number | string | boolean)[]
}

export interface ExperimentConfig {
  name: string
  designs: DesignVariant[]
  workload: { name: WorkloadName; params: Record<string, number | string | boolean> }
  devices: DeviceConfig[]
  storage: 'file' | 'metadata-only'
  memoryLimitBytes: number
  cpus: number
  seed: number
  /** Each trial runs with seed + trial index. */
  trials: number
  thpOrders: number[]
  pageCluster: number
  /** Simulated time between samples of the time series; 0 (the default): automatic, about 300 samples over each run's expected length. */
  sampleIntervalNs: number
  tickNs: number
  fsyncPerBatch: boolean
  checkInvariants: boolean
  /** grid: every combination of the axes; list: the i-th values of every axis together. */
  sweep: { mode: 'grid' | 'list'; axes: SweepAxis[] } | null
  /** Folder for device files. Only trusted front ends (the CLI) may set it; the lab picks it otherwise. */
  deviceDir?: string
  /**
   * The cost model simulated times come from: 'default' (engine/sim/cost.ts, also when absent),
   * 'host' (fitted to this machine's kernel by swaplab calibrate), or a profile file (CLI only).
   */
  costProfile?: string
  /**
   * Sensitivity runs: every simulated variant is rerun (each sweep point and trial) with each
   * cost group scaled by each factor; true means the default groups and factors. The extra
   * runs carry `sensitivity.<group>: factor` in their point, apart from the main groups.
   */
  sensitivity?: boolean | SensitivityOption
}

export interface SensitivityOption {
  groups: CostGroup[]
  /** Each a multiplier other than 1, e.g. [0.5, 2]. */
  factors: number[]
}

export interface FieldError {
  /** Dotted path of the field, e.g. "workload.params.tasks". */
  field: string
  message: string
}

export type ValidationResult = { ok: true; config: ExperimentConfig } | { ok: false; errors: FieldError[] }

export interface RunPreview {
  runs: number
  /** Rough wall-clock estimate for the whole experiment. */
  estimatedSeconds: number
  maxRuns: number
}

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'

/** One run as stored: a design variant x sweep point x trial. */
export interface RunRecord {
  id: number
  experimentId: number
  experimentName: string
  design: DesignName
  variantLabel: string
  workload: WorkloadName
  /** The sweep point of this run: path -> value. */
  point: Record<string, number | string | boolean>
  trial: number
  seed: number
  status: RunStatus
  storage: 'file' | 'metadata-only'
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  wallTimeMs: number | null
  error: string | null
  engineVersion: string
  appVersion: string
  platform: string
  note: string
  tags: string[]
  /** The experiment's own note and tags (shared by its runs); absent from stores older than them. */
  experimentNote?: string
  experimentTags?: string[]
  /** A few headline metrics for tables (null until done). */
  headline: Record<string, number> | null
  /** Kernel runs that finished: which kernel ran them (null for simulated runs and before the end). */
  kernel?: KernelBadge | null
}

/** What tables and badges show of a kernel run ("kernel 6.12.57 · VM · TCG"): from RunSummary.kernel. */
export interface KernelBadge {
  /** `uname -r` of the kernel that ran the workload. */
  release: string
  where: KernelWhere
  accel: KernelAccel
  /** False under TCG: wall and system times are emulation, not kernel timings. */
  timingsAreKernel: boolean
  /** True on the host: /proc/vmstat counts the whole machine, not only the workload. */
  countersSystemWide: boolean
  /** The simulated design the release is paired with ("cluster", "swap-table P1"), or null. */
  pairedDesign: string | null
  /** VM: QEMU boots the run took (2 when the first was not used), and why the earlier ones were not. */
  bootAttempts?: number
  bootRetries?: string[]
  /** The swap device was rotational as the kernel saw it at swapon (no SWP_SOLIDSTATE). */
  swapRotational?: boolean
}

/** One kernel image a run can name. */
export interface KernelImageInfo {
  /** The value of the image option: 'host' or 'debian-<Debian version>'. */
  image: string
  /** 'host': this machine's kernel; 'cached': a Debian kernel in the lab's cache; 'available': apt can fetch it (on first use). */
  kind: 'host' | 'cached' | 'available'
  /** `uname -r` where known before a run. */
  release: string | null
  /** Upstream Linux version (6.12.57) where known. */
  upstream: string | null
  /** Bytes in the cache (cached images). */
  sizeBytes: number | null
  /** Why a run on it cannot start here (no root, no QEMU), or null. */
  problem: string | null
}

export interface KernelList {
  images: KernelImageInfo[]
  /** Why apt could not be asked what it can fetch, or null. */
  aptProblem: string | null
}

export interface RunDetail extends RunRecord {
  /** The engine config this run was executed with. */
  config: unknown
  summary: RunSummary | null
}

export interface SampleSeries {
  runId: number
  /** Possibly decimated to at most maxPoints. */
  samples: Sample[]
  totalSamples: number
}

export interface MetricStats {
  n: number
  mean: number
  stddev: number
  median: number
  min: number
  max: number
  ci95Low: number
  ci95High: number
  /** Several trials, all exactly the same value (a deterministic workload): the interval has no width because there is no noise. */
  identical: boolean
}

/**
 * How a difference stands against trial noise: beyond it (Welch's t-test, p < 0.05), within
 * it (shown grey whatever its sign), exact (bit-identical trials on both sides: no noise), or
 * untested (one trial: noise unknown).
 */
export type DeltaVerdict = 'significant' | 'noise' | 'exact' | 'untested'

/**
 * The experiment's cost-model sensitivity result for a difference, where it has one
 * (experiments/sensitivity.ts, from the runs rerun with each cost group scaled): whether the
 * sign of the difference holds under every scaled cost model.
 */
export interface SensitivityResult {
  verdict: 'robust' | 'depends-on-cost-model'
  /** One line: which cost model parameters the sign depends on, or how far they were varied. */
  detail?: string
  /** The relative difference over the main and every scaled cost model (null when the baseline is 0 in one). */
  range?: { minRel: number; maxRel: number } | null
  /** The scaled cases whose sign differs from the main one. */
  flips?: { group: CostGroup; factor: number }[]
  /** How many scaled cases were judged. */
  cases?: number
}

/** A group's difference to its baseline group for one metric. */
export interface Delta {
  /** Relative difference of the means (0.1 = +10 %). */
  relative: number
  /** The group it is measured against: the baseline at the same sweep point. */
  baselineKey: string
  verdict: DeltaVerdict
  /** Two-sided p-value of the test; null when there was none. */
  p: number | null
  /** One readable line: the test and its outcome, or why there is none. */
  why: string
  sensitivity?: SensitivityResult
}

/** What marks a kernel run in comparisons (from RunSummary.kernel). */
/** What Compare needs to mark a kernel group: the badge of its runs (release, host or VM, whether timings are the kernel's, ...). */
export type KernelMark = Pick<KernelBadge, 'release' | 'where' | 'timingsAreKernel'> & Partial<KernelBadge>

/** Runs grouped by variant + sweep point, with trial statistics per metric. */
export interface CompareGroup {
  key: string
  experimentId: number
  experimentName: string
  variantLabel: string
  point: Record<string, number | string | boolean>
  runIds: number[]
  /** Metrics of finished runs; a metric a kernel run did not measure is absent (shown as '–'), never 0. */
  metrics: Record<string, MetricStats>
  /** Set when the group's runs ran on a real kernel: the kernel of its first finished run (its metrics are what that kernel measured). */
  kernel: KernelMark | null
}

/** Who the deltas are measured against. A design baseline is matched at each sweep point. */
export type CompareBaseline = { runId: number } | { variant: string }

export interface CompareData {
  /** Ordered: by experiment, then by the swept values (numerically), then by design in the experiment's order. */
  groups: CompareGroup[]
  /** The baseline in force, and whether the user chose it (false: the default, the first design of the first experiment). */
  baseline: { variant: string; runId: number | null; chosen: boolean; kernel: boolean } | null
  /** Keys of the baseline's groups (one per sweep point). */
  baselineKeys: string[]
  /** The first of baselineKeys (kept for one-point comparisons). */
  baselineKey: string | null
  /** metric -> group key -> relative difference to the baseline at the same sweep point (0.1 = +10 %). */
  deltas: Record<string, Record<string, number>>
  /** metric -> group key -> the difference with its test against trial noise. */
  significance: Record<string, Record<string, Delta>>
  /** The parameters that vary between the compared groups, in sweep order, with their values in order. */
  sweep: { path: string; values: (number | string | boolean)[] }[]
  /** Config fields per run, for the "differences only" table. */
  configs: Record<number, Record<string, string | number | boolean>>
  /**
   * Present when the compared runs include cost-model sensitivity runs: they are kept out of
   * the groups and judge each delta instead (Delta.sensitivity).
   */
  sensitivity?: { runIds: number[]; groups: CostGroup[]; factors: number[] }
}

/** Time series for Compare, decimated by the store into min/mean/max buckets, column-wise. */
export interface SeriesBuckets {
  runId: number
  totalSamples: number
  /** Per bucket: mean simulated time (ns), wall time (ms) and operations. */
  tSimNs: number[]
  tWallMs: number[]
  ops: number[]
  /** field -> per bucket mean, min and max of the samples in it (null where the field was not sampled). */
  fields: Record<string, { mean: (number | null)[]; min: (number | null)[]; max: (number | null)[] }>
}

export interface Preset {
  id: string
  title: string
  /** One line: what the preset shows. */
  shows: string
  config: ExperimentConfig
}

export interface Catalogue {
  designs: DesignInfo[]
  workloads: WorkloadInfo[]
  devicePresets: string[]
  appVersion: string
  engineVersion: string
  maxRuns: number
}

export interface ProgressInfo {
  runId: number
  /** 0..1 of the current run. */
  fraction: number
  simTimeNs: number
  runsDone: number
  runsTotal: number
  etaSeconds: number | null
}

/** The one event shape pushed to front ends. */
export type LabEvent =
  | { type: 'run-queued'; run: RunRecord }
  | { type: 'run-started'; run: RunRecord }
  | { type: 'progress'; progress: ProgressInfo }
  | { type: 'samples'; runId: number; samples: Sample[] }
  | { type: 'run-finished'; run: RunRecord }
  | { type: 'queue-empty' }

export interface ExportFiles {
  /** hyperfine-style summary: one row per run. */
  summaryCsv: string
  /** Long format: run_id, t_sim_ns, t_wall_ms, ops, metric, value. */
  samplesCsv: string
}

export interface RunFilter {
  experimentId?: number
  status?: RunStatus
  design?: DesignName
  workload?: WorkloadName
}

// ---------------------------------------------------------------------------------------------
// The fidelity report (experiments/fidelity.ts builds it; docs/fidelity.md is one)

export interface FidelitySkip {
  image: string
  /** The case skipped, or null when the kernel is skipped altogether. */
  caseId: string | null
  reason: string
}

export interface FidelityStat {
  n: number
  mean: number
  stddev: number
  min: number
  max: number
}

export type FidelityMetric =
  | 'pswpout'
  | 'pswpin'
  | 'readahead_pages'
  | 'readahead_hits'
  | 'major_faults'
  | 'mthp_fallback_per_iteration'
  | 'system_time_s'
  | 'system_time_s_host_profile'
  | 'throughput_bytes_per_s'
  | 'throughput_bytes_per_s_host_profile'

export interface FidelityRow {
  metric: FidelityMetric
  kernel: FidelityStat | null
  sim: FidelityStat | null
  /** Relative difference (sim - kernel) / kernel, or for fallback the worst iteration's difference in points. */
  diff: number | null
  diffKind: 'relative' | 'points'
  /** The goal this row is held to (5 % = 0.05, 5 points = 5), or null where the issue sets none. */
  goal: number | null
  /** Whether |diff| <= goal; null where there is no goal or nothing to compare. */
  meets: boolean | null
  /** Why a value is missing or how to read it ("not measured by the kernel", "worst: iteration 12"). */
  note?: string
}

export interface FidelityPair {
  caseId: string
  caseTitle: string
  kernelImage: string
  /** `uname -r`, from the runs. */
  kernelRelease: string
  where: 'host' | 'vm'
  accel: string
  /** What KernelBadge shows of the kernel runs (null when none finished). */
  kernel: KernelBadge | null
  /** The simulated design paired with the release ("swap-table P1"). */
  simLabel: string | null
  kernelRunIds: number[]
  simRunIds: number[]
  rows: FidelityRow[]
  /** Runs that did not finish, pairings that could not be made. */
  problems: string[]
}

export interface FidelityReport {
  stamp: string
  /** The cases of the set the runs cover, in the set's order. */
  caseIds: string[]
  pairs: FidelityPair[]
  /** Whether the host profile column is filled (false: "host profile: not fitted"). */
  hostProfile: boolean
  goals: { counterRelative: number; fallbackPoints: number; hostSystemTimeRelative: number }
  /** Per metric, the row furthest from its kernel over all pairs. */
  worst: { metric: FidelityMetric; caseId: string; kernelImage: string; diff: number | null; diffKind: 'relative' | 'points' }[]
  counts: { rows: number; meets: number; misses: number }
}

export interface FidelityStartOptions {
  /** Kernel images to run the set on ('host', 'debian-6.12', ...); absent: the host plus one cached Debian kernel per simulated design. */
  kernels?: string[]
  /** The CI-sized set: fewer cases, one trial. */
  quick?: boolean
  /** Only these cases of the set (ids as in experiments/fidelity.ts FIDELITY_CASES). */
  cases?: string[]
  /** Add the runs to this existing set (e.g. another kernel, or cases run apart) instead of a new one. */
  stamp?: string
  /**
   * Simulate a recorded set again (the newest, or `stamp`) against its kernel runs, which are
   * kept: only the simulated designs run, for the kernels and cases the set recorded. The
   * report then uses each case's newest simulated runs.
   */
  resimulate?: boolean
}

export interface FidelityStarted {
  stamp: string
  experimentIds: number[]
  runIds: number[]
  /** Kernels (caseId null) or cases a kernel cannot run here, each with a one-line reason. */
  skipped: FidelitySkip[]
}

/** Implemented by the lab service in main; reached through IPC, HTTP or directly (CLI). */
export interface LabApi {
  catalogue(): Promise<Catalogue>
  presets(): Promise<Preset[]>
  validate(config: unknown): Promise<ValidationResult>
  preview(config: unknown): Promise<RunPreview>
  /**
   * Validates, records the runs as queued and starts them; returns at once. An invalid config
   * is refused before anything is recorded: the error's message has one "field: message" line
   * per problem (the lab service's InputError also carries them as `errors: FieldError[]`).
   */
  start(config: unknown): Promise<{ experimentId: number; runIds: number[] }>
  /** Re-runs a recorded run with the same config and seed, as a new experiment. */
  rerun(runId: number): Promise<{ experimentId: number; runIds: number[] }>
  /** Cancels one queued or running run, or all of them with 'all'. */
  cancel(target: number | 'all'): Promise<void>
  listRuns(filter?: RunFilter): Promise<RunRecord[]>
  getRun(runId: number): Promise<RunDetail>
  getSamples(runId: number, maxPoints?: number): Promise<SampleSeries>
  /** Several runs' series of the given fields, each decimated by the store to at most `buckets` min/mean/max buckets. */
  getSeries(runIds: number[], fields: string[], buckets: number): Promise<SeriesBuckets[]>
  /** A number is a baseline run id. Without a baseline, the first design of the first experiment is used (and said so). */
  compare(runIds: number[], baseline?: number | CompareBaseline): Promise<CompareData>
  deleteRuns(runIds: number[]): Promise<number>
  setNote(runId: number, note: string): Promise<void>
  setTags(runId: number, tags: string[]): Promise<void>
  /** CSV of the given runs; in Electron main shows a save dialog, in the browser a download. */
  exportCsv(runIds: number[]): Promise<ExportFiles>
  exportJson(runIds: number[]): Promise<string>
  importJson(json: string): Promise<{ runIds: number[] }>
  /** Kernel images a run can name: the host, cached Debian kernels and those apt can fetch (slow: asks apt). */
  kernels(): Promise<KernelList>
  /** The report of a fidelity set (the newest without a stamp) rebuilt from the recorded runs; null when there is none. */
  fidelityReport(stamp?: string): Promise<FidelityReport | null>
  /** Starts the fidelity set on the given kernels (every available one by default) and their paired designs; returns at once. */
  startFidelity(options?: FidelityStartOptions): Promise<FidelityStarted>
  /** Subscribes to lab events; returns the unsubscribe function. */
  subscribe(listener: (event: LabEvent) => void): () => void

  // ---- Config files, "open as new experiment", experiment notes and tags (issue 11) ----
  /**
   * Reads the text of an experiment config file (the format of `swaplab run --config`: JSON of
   * an ExperimentConfig, defaults filled in) and checks it as start would; records and starts
   * nothing. A file that is not JSON or has a bad field gets errors naming the field.
   */
  parseConfig(text: string): Promise<ValidationResult>
  /** The experiment config that makes one recorded run again as a new experiment: its design variant at its sweep point, its seed, one trial. */
  runConfig(runId: number): Promise<ExperimentConfig>
  setExperimentNote(experimentId: number, note: string): Promise<void>
  setExperimentTags(experimentId: number, tags: string[]): Promise<void>
}

/** Longest config file the lab reads (a config is a few kilobytes; a sweep of 1000 values is well under). */
export const MAX_CONFIG_FILE_BYTES = 1_000_000
