// The run queue as the lab reports it: which runs are queued or running, their progress,
// overall progress with ETA, and the live samples of running runs (for the live charts).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { LabEvent, ProgressInfo, RunRecord } from '../../../experiments/api'
import type { Sample } from '../../../engine/pure'
import { lab } from '../lib/labClient'

/** Live samples kept per run; older ones are thinned by half when exceeded. */
export const LIVE_SAMPLE_CAP = 200_000

const ACTIVE = new Set(['queued', 'running'])

export const useQueue = defineStore('queue', () => {
  /** Runs of this session's queue, in queue order (finished ones stay until cleared). */
  const runs = ref<RunRecord[]>([])
  const progress = ref<Record<number, ProgressInfo>>({})
  const lastProgress = shallowRef<ProgressInfo | null>(null)
  /** Plain arrays behind a version counter: reactive wrappers on 100k samples cost too much. */
  const live = new Map<number, Sample[]>()
  const liveVersion = ref(0)
  const watchedRunId = ref<number | null>(null)
  let unsubscribe: (() => void) | null = null

  function upsert(run: RunRecord): void {
    const i = runs.value.findIndex((r) => r.id === run.id)
    if (i >= 0) runs.value[i] = run
    else runs.value.push(run)
  }

  function onEvent(e: LabEvent): void {
    switch (e.type) {
      case 'run-queued':
        upsert(e.run)
        break
      case 'run-started':
        upsert(e.run)
        live.set(e.run.id, [])
        // Follow the newest running run unless the user picked one that still runs.
        if (watchedRunId.value === null || !ACTIVE.has(runs.value.find((r) => r.id === watchedRunId.value)?.status ?? ''))
          watchedRunId.value = e.run.id
        liveVersion.value++
        break
      case 'progress':
        progress.value[e.progress.runId] = e.progress
        lastProgress.value = e.progress
        break
      case 'samples': {
        let arr = live.get(e.runId)
        if (!arr) live.set(e.runId, (arr = []))
        for (const s of e.samples) arr.push(s)
        if (arr.length > LIVE_SAMPLE_CAP)
          live.set(
            e.runId,
            arr.filter((_, i) => i % 2 === 0)
          )
        liveVersion.value++
        break
      }
      case 'run-finished':
        upsert(e.run)
        if (e.run.status === 'done') progress.value[e.run.id] = { ...(progress.value[e.run.id] ?? emptyProgress(e.run.id)), fraction: 1 }
        break
      case 'queue-empty':
        lastProgress.value = lastProgress.value ? { ...lastProgress.value, etaSeconds: 0 } : null
        break
    }
  }

  /** Subscribes to lab events and picks up runs already queued or running (after a reload). */
  async function init(): Promise<void> {
    if (unsubscribe) return
    unsubscribe = lab().subscribe(onEvent)
    const [running, queued] = await Promise.all([lab().listRuns({ status: 'running' }), lab().listRuns({ status: 'queued' })])
    for (const r of [...running, ...queued].sort((a, b) => a.id - b.id)) if (!runs.value.some((x) => x.id === r.id)) runs.value.push(r)
    if (watchedRunId.value === null && running.length) watchedRunId.value = running[0].id
  }

  function dispose(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  async function cancel(target: number | 'all'): Promise<void> {
    await lab().cancel(target)
  }

  function clearFinished(): void {
    runs.value = runs.value.filter((r) => ACTIVE.has(r.status))
    for (const id of [...live.keys()]) if (!runs.value.some((r) => r.id === id)) live.delete(id)
    liveVersion.value++
  }

  function liveSamples(runId: number | null): Sample[] {
    void liveVersion.value // a dependency, so computeds re-run when samples arrive
    return runId === null ? [] : (live.get(runId) ?? [])
  }

  const active = computed(() => runs.value.filter((r) => ACTIVE.has(r.status)))
  const running = computed(() => runs.value.filter((r) => r.status === 'running'))

  /** Overall progress of the listed runs: finished count whole, running ones by their fraction. */
  const overall = computed(() => {
    const total = runs.value.length
    if (!total) return { fraction: 0, done: 0, total: 0, etaSeconds: null as number | null }
    let sum = 0
    let done = 0
    for (const r of runs.value) {
      if (ACTIVE.has(r.status)) sum += r.status === 'running' ? (progress.value[r.id]?.fraction ?? 0) : 0
      else {
        sum += 1
        done++
      }
    }
    const eta = active.value.length ? (lastProgress.value?.etaSeconds ?? null) : 0
    return { fraction: sum / total, done, total, etaSeconds: eta }
  })

  return {
    runs,
    progress,
    lastProgress,
    liveVersion,
    watchedRunId,
    init,
    dispose,
    onEvent,
    cancel,
    clearFinished,
    liveSamples,
    active,
    running,
    overall
  }
})

function emptyProgress(runId: number): ProgressInfo {
  return { runId, fraction: 0, simTimeNs: 0, runsDone: 0, runsTotal: 0, etaSeconds: null }
}
