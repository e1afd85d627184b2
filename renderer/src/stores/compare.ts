// Compare the selected runs: trial statistics per group and deltas against the baseline
// chosen here (never a run the user did not add), and the runs' time series decimated by the
// lab. Selection, baseline, metrics and x axis live in the address (lib/compareState.ts).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CompareBaseline, CompareData, RunRecord, SeriesBuckets } from '../../../experiments/api'
import { lab } from '../lib/labClient'
import { decodeState, encodeState } from '../lib/compareState'
import { useRuns } from './runs'
import { useSettings } from './settings'
import { useNav } from './nav'
import { MAX_RUN_LINES } from '../charts/compareCharts'

/** Buckets per run: about one per 2 px of a half-width chart for a line per run; fewer when runs are averaged per group. */
export const SERIES_BUCKETS = 300
export const GROUP_SERIES_BUCKETS = 120

const bucketsFor = (runs: number): number => (runs > MAX_RUN_LINES ? GROUP_SERIES_BUCKETS : SERIES_BUCKETS)

export const useCompare = defineStore('compare', () => {
  const runsStore = useRuns()
  const nav = useNav()
  const { settings } = useSettings()
  const data = shallowRef<CompareData | null>(null)
  const series = shallowRef<SeriesBuckets[]>([])
  const loading = ref(false)
  const seriesLoading = ref(false)
  const error = ref<string | null>(null)
  const runIds = ref<number[]>([])
  const baseline = ref<CompareBaseline | null>(null)
  const metrics = ref<string[]>([])
  /** Milliseconds from asking the lab to having data (shown for the record, used by the e2e figure). */
  const loadMs = ref<number | null>(null)

  const runs = computed<RunRecord[]>(() =>
    runIds.value.map((id) => runsStore.all.find((r) => r.id === id)).filter((r): r is RunRecord => !!r)
  )
  /** The run pinned in Runs when it is not among the compared ones: offered, never added silently. */
  const pinnedOutside = computed<RunRecord | null>(() => {
    const id = settings.baselineRunId
    if (id === null || runIds.value.includes(id)) return null
    return runsStore.all.find((r) => r.id === id) ?? null
  })

  function writeUrl(): void {
    if (nav.view !== 'compare') return
    nav.setQuery(encodeState({ runIds: runIds.value, baseline: baseline.value, metrics: metrics.value, x: settings.xAxis }))
  }

  /**
   * Takes the comparison from the address when it names runs, else from the selection in Runs
   * (with the run pinned there as baseline when it is among them), then loads it.
   */
  async function open(): Promise<void> {
    const fromUrl = decodeState(nav.query)
    if (fromUrl.runIds.length) {
      runIds.value = fromUrl.runIds
      baseline.value = fromUrl.baseline
      metrics.value = fromUrl.metrics
      if (fromUrl.x) settings.xAxis = fromUrl.x
      runsStore.setSelection(fromUrl.runIds)
    } else {
      runIds.value = [...runsStore.selected]
      const pin = settings.baselineRunId
      baseline.value = pin !== null && runIds.value.includes(pin) ? { runId: pin } : null
    }
    writeUrl()
    await load()
  }

  async function load(): Promise<void> {
    const ids = runIds.value
    if (!ids.length) {
      data.value = null
      series.value = []
      return
    }
    loading.value = true
    error.value = null
    const t0 = performance.now()
    try {
      const [d, s] = await Promise.all([
        lab().compare(ids, baseline.value ?? undefined),
        lab().getSeries(ids, settings.compareFields, bucketsFor(ids.length))
      ])
      data.value = d
      series.value = s
      loadMs.value = Math.round(performance.now() - t0)
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    } finally {
      loading.value = false
    }
  }

  async function loadSeries(): Promise<void> {
    if (!runIds.value.length) return
    seriesLoading.value = true
    try {
      series.value = await lab().getSeries(runIds.value, settings.compareFields, bucketsFor(runIds.value.length))
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    } finally {
      seriesLoading.value = false
    }
  }

  async function setBaseline(b: CompareBaseline | null): Promise<void> {
    baseline.value = b
    writeUrl()
    try {
      data.value = await lab().compare(runIds.value, b ?? undefined)
      error.value = null
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  /** Adds runs (the pinned run, a kernel run) to the comparison. */
  async function addRuns(ids: number[], asBaseline = false): Promise<void> {
    runIds.value = [...new Set([...runIds.value, ...ids])]
    runsStore.setSelection(runIds.value)
    if (asBaseline && ids.length === 1) baseline.value = { runId: ids[0] }
    writeUrl()
    await load()
  }

  function setMetrics(m: string[]): void {
    metrics.value = m
    writeUrl()
  }

  return {
    data,
    series,
    loading,
    seriesLoading,
    error,
    runIds,
    baseline,
    metrics,
    loadMs,
    runs,
    pinnedOutside,
    open,
    load,
    loadSeries,
    setBaseline,
    addRuns,
    setMetrics,
    writeUrl
  }
})
