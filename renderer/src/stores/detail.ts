// One run in full: its record, config, summary and samples, and its note.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { RunDetail, SampleSeries } from '../../../experiments/api'
import { lab } from '../lib/labClient'

/** Points asked of the lab per run: it decimates, so long runs stay cheap to send. */
export const DETAIL_MAX_POINTS = 4000

export const useDetail = defineStore('detail', () => {
  const run = shallowRef<RunDetail | null>(null)
  const series = shallowRef<SampleSeries | null>(null)
  const error = ref<string | null>(null)
  const noteDraft = ref('')
  const noteSaved = ref(true)
  let generation = 0

  async function open(runId: number): Promise<void> {
    const mine = ++generation
    error.value = null
    try {
      const [r, s] = await Promise.all([lab().getRun(runId), lab().getSamples(runId, DETAIL_MAX_POINTS)])
      if (mine !== generation) return
      run.value = r
      series.value = s
      noteDraft.value = r.note
      noteSaved.value = true
    } catch (e) {
      if (mine !== generation) return
      run.value = null
      series.value = null
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  async function saveNote(): Promise<void> {
    if (!run.value) return
    await lab().setNote(run.value.id, noteDraft.value)
    run.value = { ...run.value, note: noteDraft.value }
    noteSaved.value = true
  }

  function editNote(text: string): void {
    noteDraft.value = text
    noteSaved.value = text === run.value?.note
  }

  /** "slow, rerun" -> ['slow', 'rerun']: tags are words or phrases separated by commas. */
  async function saveTags(text: string): Promise<void> {
    if (!run.value) return
    const tags = [
      ...new Set(
        text
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      )
    ]
    await lab().setTags(run.value.id, tags)
    run.value = { ...run.value, tags: [...tags].sort() }
  }

  return { run, series, error, noteDraft, noteSaved, open, saveNote, editNote, saveTags }
})
