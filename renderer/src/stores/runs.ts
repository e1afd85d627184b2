// All recorded runs: the table's data, filters, selection (for compare and export) and the
// pinned baseline; kept current by lab events.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LabEvent, RunRecord } from '../../../experiments/api'
import { lab } from '../lib/labClient'
import { filterAndSort, groupByExperiment } from '../lib/runColumns'
import { useSettings, type RunColumn } from './settings'

/** How often Runs looks for runs another process (the CLI) added to the database. */
export const RUNS_POLL_MS = 3000

export const useRuns = defineStore('runs', () => {
  const { settings } = useSettings()
  const all = ref<RunRecord[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const filters = ref<Partial<Record<RunColumn, string>>>({})
  /** The search box: words found anywhere in a run, its tags and notes, or comparisons such as >1070. */
  const search = ref('')
  const selected = ref<number[]>([])
  const message = ref<string | null>(null)
  let unsubscribe: (() => void) | null = null
  let poll: ReturnType<typeof setInterval> | null = null
  let lastJson = ''

  async function refresh(): Promise<void> {
    try {
      const next = await lab().listRuns()
      // Unchanged lists are not re-rendered (the poll below runs every few seconds).
      const json = JSON.stringify(next)
      if (json !== lastJson || !loaded.value) all.value = next
      lastJson = json
      loaded.value = true
      error.value = null
      // Selections and the baseline may name runs deleted elsewhere (CLI, another window).
      selected.value = selected.value.filter((id) => all.value.some((r) => r.id === id))
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  function onEvent(e: LabEvent): void {
    if (e.type !== 'run-queued' && e.type !== 'run-started' && e.type !== 'run-finished') return
    const i = all.value.findIndex((r) => r.id === e.run.id)
    if (i >= 0) all.value[i] = e.run
    else all.value.push(e.run)
  }

  function init(): Promise<void> {
    unsubscribe ??= lab().subscribe(onEvent)
    // Runs recorded by another process (the CLI on the same database) raise no event here: look again now and then.
    poll ??= setInterval(() => {
      if (typeof document === 'undefined' || document.visibilityState === 'visible') void refresh()
    }, RUNS_POLL_MS)
    return refresh()
  }

  function dispose(): void {
    unsubscribe?.()
    unsubscribe = null
    if (poll) clearInterval(poll)
    poll = null
  }

  const rows = computed(() => filterAndSort([...all.value], filters.value, settings.sort, search.value))
  const groups = computed(() => groupByExperiment(rows.value))

  function sortBy(column: RunColumn): void {
    settings.sort =
      settings.sort.column === column
        ? { column, dir: settings.sort.dir === 'asc' ? 'desc' : 'asc' }
        : { column, dir: column === 'id' || column === 'createdAt' ? 'desc' : 'asc' }
  }

  function toggle(id: number): void {
    selected.value = selected.value.includes(id) ? selected.value.filter((x) => x !== id) : [...selected.value, id]
  }

  function setSelection(ids: number[]): void {
    selected.value = [...new Set(ids)]
  }

  function pinBaseline(id: number | null): void {
    settings.baselineRunId = settings.baselineRunId === id ? null : id
  }

  async function remove(ids: number[]): Promise<number> {
    const n = await lab().deleteRuns(ids)
    all.value = all.value.filter((r) => !ids.includes(r.id))
    selected.value = selected.value.filter((id) => !ids.includes(id))
    if (settings.baselineRunId !== null && ids.includes(settings.baselineRunId)) settings.baselineRunId = null
    message.value = `Deleted ${n} run${n === 1 ? '' : 's'}`
    return n
  }

  async function rerun(id: number): Promise<number[]> {
    const { runIds } = await lab().rerun(id)
    message.value = `Run #${id} queued again as #${runIds.join(', #')}`
    return runIds
  }

  async function exportCsv(ids: number[]): Promise<void> {
    try {
      message.value = (await lab().saveCsv(ids)).message
    } catch (e) {
      message.value = `Export failed: ${e instanceof Error ? e.message : String(e)}`
    }
  }

  const baselineRunId = computed(() => settings.baselineRunId)

  return {
    all,
    loaded,
    error,
    filters,
    search,
    selected,
    message,
    rows,
    groups,
    baselineRunId,
    init,
    dispose,
    refresh,
    onEvent,
    sortBy,
    toggle,
    setSelection,
    pinBaseline,
    remove,
    rerun,
    exportCsv
  }
})
