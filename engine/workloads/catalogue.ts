// The workloads kernel developers run, as parameterised generators: their parameters,
// what they report, and how much memory they touch (for the memory-limit check).

import type { WorkloadName } from '../types'
import type { ParamSpec } from '../catalogueTypes'

const MiB = 2 ** 20
const GiB = 2 ** 30

export interface WorkloadInfo {
  name: WorkloadName
  title: string
  summary: string
  /** Names of the workload-specific results it reports. */
  reports: string[]
  params: ParamSpec[]
}

export const WORKLOAD_CATALOGUE: WorkloadInfo[] = [
  {
    name: 'usemem',
    title: 'usemem (vm-scalability)',
    summary:
      'N tasks each map and touch S bytes, sequentially or at random, for several passes inside a memory limit smaller than N x S; then unmap.',
    reports: ['throughputMBps', 'throughputMBpsPerTask', 'freeLatencyMsMean', 'freeLatencyMsMax'],
    params: [
      {
        key: 'tasks',
        label: 'Tasks',
        kind: 'int',
        min: 1,
        max: 256,
        default: 4,
        unit: 'count',
        help: 'Processes touching memory concurrently.'
      },
      {
        key: 'sizeBytes',
        label: 'Size per task',
        kind: 'int',
        min: 64 * 1024,
        max: 64 * GiB,
        default: 64 * MiB,
        unit: 'bytes',
        help: 'Bytes each task maps and touches.'
      },
      {
        key: 'passes',
        label: 'Passes',
        kind: 'int',
        min: 1,
        max: 1000,
        default: 2,
        unit: 'count',
        help: 'Times each task walks its whole mapping.'
      },
      {
        key: 'random',
        label: 'Random access (-R)',
        kind: 'bool',
        default: false,
        help: 'Touch pages in random order instead of sequentially.'
      },
      {
        key: 'barrier',
        label: 'Passes in step',
        kind: 'bool',
        default: false,
        help: 'Every task finishes a pass before any task starts the next, or unmaps after the last (a barrier after each pass), so all the tasks hold their memory at once whatever the scheduler does.'
      },
      {
        key: 'writeRatio',
        label: 'Write ratio',
        kind: 'number',
        min: 0,
        max: 1,
        default: 1,
        unit: 'ratio',
        help: 'Fraction of touches that write (usemem writes every page by default).'
      },
      {
        key: 'computeNsPerPage',
        label: 'User time per page',
        kind: 'int',
        min: 0,
        max: 1_000_000,
        default: 50,
        unit: 'ns',
        help: 'Simulated user-space work per touched page.'
      }
    ]
  },
  {
    name: 'fill',
    title: 'Fill the device',
    summary: 'One task touches enough memory to push the swap device to a target fill level, then stops: for metadata memory accounting.',
    reports: ['fillPercent', 'usedSlots'],
    params: [
      {
        key: 'targetPercent',
        label: 'Target fill',
        kind: 'number',
        min: 0,
        max: 100,
        default: 50,
        unit: 'percent',
        help: 'Percentage of the swap space to fill.'
      }
    ]
  },
  {
    name: 'thp-swap-allocator-test',
    title: 'thp_swap_allocator_test (selftest)',
    summary:
      'The mm selftest: a region of mTHP folios written and paged out (warm-up); each iteration swaps part of it in at random (aligned with -a), drops and re-dirties random aligned chunks, and pages the whole region out; reports mTHP fallback % per iteration.',
    reports: ['fallbackPercentPerIteration', 'smallFallbackPercentPerIteration', 'fallbackPercentMean', 'freeClustersPerIteration'],
    params: [
      {
        key: 'regionBytes',
        label: 'Region',
        kind: 'int',
        min: 2 * MiB,
        max: 4 * GiB,
        default: 60 * MiB,
        unit: 'bytes',
        help: 'Size of the mTHP region.'
      },
      { key: 'mthpOrder', label: 'mTHP order', kind: 'int', min: 1, max: 9, default: 4, help: 'Folio order of the region (4 = 64 KiB).' },
      {
        key: 'iterations',
        label: 'Iterations',
        kind: 'int',
        min: 1,
        max: 1000,
        default: 100,
        unit: 'count',
        help: 'Drop / re-dirty / page-out rounds.'
      },
      {
        key: 'dropBytes',
        label: 'Dropped per iteration',
        kind: 'int',
        min: 0,
        max: 4 * GiB,
        default: 16 * MiB,
        unit: 'bytes',
        help: 'Bytes dropped (MADV_DONTNEED) at random aligned offsets each iteration, each chunk re-dirtied at once (TOTAL_DONTNEED_MTHP).'
      },
      {
        key: 'swapinBytes',
        label: 'Swapped in per iteration',
        kind: 'int',
        min: 0,
        max: 4 * GiB,
        default: 16 * MiB,
        unit: 'bytes',
        help: 'Bytes of the region written at random offsets at the start of each iteration, swapping them in (random_swapin).'
      },
      {
        key: 'alignedSwapin',
        label: 'Aligned swapin (-a)',
        kind: 'bool',
        default: false,
        help: "Swap in whole mTHP-aligned chunks (the selftest's -a) instead of random 4 KiB pages."
      },
      {
        key: 'smallFolioArea',
        label: 'Small-folio area (-s)',
        kind: 'bool',
        default: false,
        help: "Also keep an area of 4 KiB folios (MADV_NOHUGEPAGE), swapped in at random 4 KiB offsets each iteration (the selftest's -s)."
      },
      {
        key: 'smallAreaBytes',
        label: 'Small-folio area size',
        kind: 'int',
        min: 4096,
        max: 1 * GiB,
        default: 4 * MiB,
        unit: 'bytes',
        help: 'Size of the small-folio area (MEMSIZE_SMALLFOLIO).'
      },
      {
        key: 'smallSwapinBytes',
        label: 'Small area swapped in per iteration',
        kind: 'int',
        min: 0,
        max: 1 * GiB,
        default: 1 * MiB,
        unit: 'bytes',
        help: 'Bytes of the small-folio area written at random 4 KiB offsets each iteration (TOTAL_DONTNEED_SMALLFOLIO).'
      }
    ]
  },
  {
    name: 'kbuild',
    title: 'Kernel build under a memcg limit',
    summary:
      'Many short-lived compiler-like tasks with mixed working sets, forking and exiting, with mTHP orders enabled; reports system time and per-order swpout / fallback.',
    reports: ['systemTimeMs', 'tasksCompleted', 'makespanMs'],
    params: [
      {
        key: 'jobs',
        label: 'Parallel jobs (-j)',
        kind: 'int',
        min: 1,
        max: 256,
        default: 8,
        unit: 'count',
        help: 'Tasks running at once.'
      },
      {
        key: 'totalTasks',
        label: 'Compile tasks',
        kind: 'int',
        min: 1,
        max: 100_000,
        default: 200,
        unit: 'count',
        help: 'Tasks started over the build.'
      },
      {
        key: 'wsMinBytes',
        label: 'Smallest working set',
        kind: 'int',
        min: 4096,
        max: 16 * GiB,
        default: 4 * MiB,
        unit: 'bytes',
        help: 'Smallest task working set.'
      },
      {
        key: 'wsMaxBytes',
        label: 'Largest working set',
        kind: 'int',
        min: 4096,
        max: 16 * GiB,
        default: 64 * MiB,
        unit: 'bytes',
        help: 'Largest task working set (log-uniform between the two).'
      },
      {
        key: 'touchesPerPage',
        label: 'Touches per page',
        kind: 'int',
        min: 1,
        max: 100,
        default: 3,
        unit: 'count',
        help: 'Average accesses to each working-set page during a task.'
      }
    ]
  },
  {
    name: 'redis-bgsave',
    title: 'Redis / Valkey with background save',
    summary:
      'One large task reads a keyspace with a Zipf distribution and periodically forks a child that reads all memory and exits; swap counts exceed 1.',
    reports: [
      'requestsPerSec',
      'requestLatencyUsP50',
      'requestLatencyUsP99',
      'requestLatencyUsP999',
      'requestLatencyUsMax',
      'bgsaves',
      'bgsavePagesRead'
    ],
    params: [
      {
        key: 'keyspaceBytes',
        label: 'Keyspace',
        kind: 'int',
        min: 1 * MiB,
        max: 64 * GiB,
        default: 256 * MiB,
        unit: 'bytes',
        help: 'Memory holding the keyspace.'
      },
      {
        key: 'requests',
        label: 'Requests',
        kind: 'int',
        min: 1,
        max: 100_000_000,
        default: 200_000,
        unit: 'count',
        help: 'Requests served in the run.'
      },
      { key: 'zipfS', label: 'Zipf exponent', kind: 'number', min: 0, max: 3, default: 0.99, help: 'Skew of key popularity.' },
      {
        key: 'writeRatio',
        label: 'Write ratio',
        kind: 'number',
        min: 0,
        max: 1,
        default: 0.1,
        unit: 'ratio',
        help: 'Fraction of requests that write.'
      },
      {
        key: 'bgsaveEvery',
        label: 'BGSAVE every',
        kind: 'int',
        min: 0,
        max: 100_000_000,
        default: 100_000,
        unit: 'count',
        help: 'Requests between background saves (0: never).'
      },
      {
        key: 'ioThreads',
        label: 'I/O threads',
        kind: 'int',
        min: 1,
        max: 64,
        default: 1,
        unit: 'count',
        help: 'Threads serving requests (sharing one mm).'
      }
    ]
  },
  {
    name: 'trace',
    title: 'Trace replay',
    summary: 'Replays a recorded page-access trace (valgrind lackey output or CSV), streamed from disk.',
    reports: ['accesses', 'pageAccesses', 'distinctPages', 'traceTasks'],
    params: [
      {
        key: 'source',
        label: 'Trace',
        kind: 'string',
        default: 'fixture:ls',
        help: 'A shipped fixture (fixture:ls, fixture:hello) or, from the CLI only, a file path (.gz is read compressed).'
      },
      {
        key: 'format',
        label: 'Format',
        kind: 'enum',
        values: ['auto', 'lackey', 'csv'],
        default: 'auto',
        help: 'lackey: valgrind --tool=lackey --trace-mem=yes; csv: task,page,write (see engine/workloads/README.md); auto tells them apart.'
      },
      { key: 'repeat', label: 'Repeat', kind: 'int', min: 1, max: 1000, default: 1, unit: 'count', help: 'Replays of the trace.' }
    ]
  }
]

/** Bytes of anonymous memory a workload touches at its peak, for the memory-limit check. */
export function workloadFootprintBytes(
  name: WorkloadName,
  p: Record<string, number | string | boolean>,
  deviceBytes: number,
  memoryLimitBytes: number
): number {
  switch (name) {
    case 'usemem':
      return Number(p.tasks) * Number(p.sizeBytes)
    case 'fill':
      return memoryLimitBytes + (deviceBytes * Number(p.targetPercent)) / 100
    case 'thp-swap-allocator-test':
      return Number(p.regionBytes) + (p.smallFolioArea ? Number(p.smallAreaBytes) : 0)
    case 'kbuild':
      return Number(p.jobs) * Number(p.wsMaxBytes)
    case 'redis-bgsave':
      return Number(p.keyspaceBytes)
    case 'trace':
      return Infinity // known only after reading the trace
  }
}
