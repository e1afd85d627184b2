// Compare the selected runs: trial statistics per group from the lab, deltas against the
// pinned baseline, and each run's samples for the overlays.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CompareData, RunRecord } from '../../../experiments/api'
import { lab } from '../lib/labClient'
import { useRuns } from './runs'
import { useSettings } from './settings'
import type { SeriesInput } from '../charts/datasets'

/** Per run: 10 runs x 2000 points stay smooth; the lab decimates 100 000 samples to this. */
export const COMPARE_MAX_POINTS = 2000

export const useCompare = defineStore('compare', () => {
  const runsStore = useRuns()
  const { settings } = useSettings()
  const data = shallowRef<CompareData | null>(null)
  const series = shallowRef<SeriesInput[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  const runIds = ref<number[]>([])

  const runs = computed<RunRecord[]>(() =>
    runIds.value.map((id) => runsStore.all.find((r) => r.id === id)).filter((r): r is RunRecord => !!r)
  )

  /** Loads compare data for the selection (the baseline joins it when pinned). */
  async function load(ids: number[] = runsStore.selected): Promise<void> {
    const base = settings.baselineRunId
    const all = base !== null && runsStore.all.some((r) => r.id === base) && !ids.includes(base) ? [base, ...ids] : [...ids]
    runIds.value = all
    if (!all.length) {
      data.value = null
      series.value = []
      return
    }
    loading.value = true
    error.value = null
    try {
      const [d, ...s] = await Promise.all([
        lab().compare(all, base ?? undefined),
        ...all.map((id) => lab().getSamples(id, COMPARE_MAX_POINTS))
      ])
      data.value = d
      series.value = s.map((x) => {
        const r = runsStore.all.find((rr) => rr.id === x.runId)
        return { runId: x.runId, label: `#${x.runId} ${r?.variantLabel ?? ''}`.trim(), samples: x.samples }
      })
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    } finally {
      loading.value = false
    }
  }

  return { data, series, loading, error, runIds, runs, load }
})
