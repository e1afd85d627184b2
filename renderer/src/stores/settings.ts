// UI settings that survive restarts (localStorage: the app's own profile in Electron, the
// origin's storage in the browser): table columns, axis choice, baseline, compare choices.
import { defineStore } from 'pinia'
import { reactive, watch } from 'vue'
import type { XAxis } from '../charts/datasets'
import type { SampleField } from '../../../engine/pure'

export const SETTINGS_KEY = 'swaplab.settings.v1'

export const RUN_COLUMNS = [
  'id',
  'status',
  'experiment',
  'design',
  'workload',
  'trial',
  'throughput',
  'simTime',
  'metadataPeak',
  'fallback',
  'wallTime',
  'tags',
  'createdAt'
] as const
export type RunColumn = (typeof RUN_COLUMNS)[number]

export interface Settings {
  runColumns: RunColumn[]
  xAxis: XAxis
  baselineRunId: number | null
  compareFields: SampleField[]
  differencesOnly: boolean
  groupByExperiment: boolean
  sort: { column: RunColumn; dir: 'asc' | 'desc' }
}

export function defaultSettings(): Settings {
  return {
    runColumns: ['id', 'status', 'experiment', 'design', 'workload', 'throughput', 'simTime', 'metadataPeak', 'createdAt'],
    xAxis: 'sim',
    baselineRunId: null,
    compareFields: ['throughputMBps', 'metadataBytes', 'swapUsedSlots'],
    differencesOnly: true,
    groupByExperiment: false,
    sort: { column: 'id', dir: 'desc' }
  }
}

/** Stored settings merged over the defaults; anything unreadable falls back to the default. */
export function loadSettings(storage: Pick<Storage, 'getItem'> | undefined): Settings {
  const d = defaultSettings()
  try {
    const raw = storage?.getItem(SETTINGS_KEY)
    if (!raw) return d
    const s = JSON.parse(raw) as Partial<Settings>
    return {
      runColumns:
        Array.isArray(s.runColumns) && s.runColumns.length
          ? s.runColumns.filter((c) => (RUN_COLUMNS as readonly string[]).includes(c))
          : d.runColumns,
      xAxis: s.xAxis === 'sim' || s.xAxis === 'wall' || s.xAxis === 'ops' ? s.xAxis : d.xAxis,
      baselineRunId: typeof s.baselineRunId === 'number' ? s.baselineRunId : null,
      compareFields: Array.isArray(s.compareFields) ? s.compareFields : d.compareFields,
      differencesOnly: typeof s.differencesOnly === 'boolean' ? s.differencesOnly : d.differencesOnly,
      groupByExperiment: typeof s.groupByExperiment === 'boolean' ? s.groupByExperiment : d.groupByExperiment,
      sort: s.sort && (RUN_COLUMNS as readonly string[]).includes(s.sort.column) ? s.sort : d.sort
    }
  } catch {
    return d
  }
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage
  } catch {
    return undefined
  }
}

export const useSettings = defineStore('settings', () => {
  const settings = reactive(loadSettings(storage()))
  watch(
    settings,
    (s) => {
      try {
        storage()?.setItem(SETTINGS_KEY, JSON.stringify(s))
      } catch {
        // Storage full or disabled: settings then last for this session only.
      }
    },
    { deep: true, flush: 'sync' }
  )
  return { settings }
})
