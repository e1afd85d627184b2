// The experiment being designed: the config, its field errors as you type (the experiment
// schema from experiments/, the same one the CLI and the lab service use), the lab's preview
// of the runs it makes, and starting it.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ExperimentConfig, FieldError, RunPreview } from '../../../experiments/api'
import type { DesignName, WorkloadName } from '../../../engine/pure'
import { lab } from '../lib/labClient'
import { useCatalogue } from './catalogue'
import { parseSweepValues, scratchConfig, specDefaults } from '../lib/configEdit'
import { validateExperiment } from '../../../experiments/schema'

/** Debounce for the lab's preview while typing: quick enough to feel live, slow enough not to flood IPC. */
export const PREVIEW_DELAY_MS = 150

export const useDraft = defineStore('draft', () => {
  const cat = useCatalogue()
  const config = ref<ExperimentConfig | null>(null)
  const source = ref<string>('scratch')
  const errors = shallowRef<FieldError[]>([])
  const preview = shallowRef<RunPreview | null>(null)
  const checking = ref(false)
  const starting = ref(false)
  const startError = ref<string | null>(null)
  /** Sweep values as typed, one string per axis ("1, 2, 4"). */
  const sweepText = ref<string[]>([])
  let generation = 0
  let timer: ReturnType<typeof setTimeout> | null = null

  function load(next: ExperimentConfig, from: string): void {
    config.value = structuredClone(next)
    source.value = from
    sweepText.value = (next.sweep?.axes ?? []).map((a) => a.values.join(', '))
    startError.value = null
  }

  function fromScratch(): void {
    const c = cat.catalogue
    if (c) load(scratchConfig(c.designs, c.workloads), 'scratch')
  }

  /** A config file the user opened (checked by the lab already); nothing starts. */
  function fromFile(next: ExperimentConfig, fileName: string): void {
    load(next, `file:${fileName}`)
  }

  /** "Open as new experiment": a recorded run's config; nothing starts. */
  function fromRun(next: ExperimentConfig, runId: number): void {
    load(next, `run:${runId}`)
  }

  function fromPreset(id: string): void {
    const p = cat.presets.find((x) => x.id === id)
    if (p) load(p.config, id)
  }

  /** Field errors from the schema, at once; the preview (run count, time) from the lab after a pause. */
  function check(): FieldError[] {
    if (!config.value) return []
    const snapshot = JSON.parse(JSON.stringify(config.value)) as unknown
    const v = validateExperiment(snapshot)
    errors.value = v.ok ? [] : v.errors
    if (timer) clearTimeout(timer)
    timer = null
    const mine = ++generation
    if (!v.ok) {
      preview.value = null
      checking.value = false
      return errors.value
    }
    checking.value = true
    timer = setTimeout(() => {
      timer = null
      lab()
        .preview(snapshot)
        .then((p) => {
          if (mine === generation) preview.value = p
        })
        .catch((e: unknown) => {
          if (mine === generation) errors.value = [{ field: '', message: e instanceof Error ? e.message : String(e) }]
        })
        .finally(() => {
          if (mine === generation) checking.value = false
        })
    }, PREVIEW_DELAY_MS)
    return errors.value
  }

  watch(config, check, { deep: true })

  function addDesign(name: DesignName): void {
    const info = cat.design(name)
    config.value?.designs.push({ design: name, options: specDefaults(info?.options ?? []) })
  }

  function removeDesign(i: number): void {
    config.value?.designs.splice(i, 1)
  }

  function setDesign(i: number, name: DesignName): void {
    const d = config.value?.designs[i]
    if (!d) return
    d.design = name
    d.options = specDefaults(cat.design(name)?.options ?? [])
    delete d.label
  }

  function setWorkload(name: WorkloadName): void {
    if (!config.value) return
    config.value.workload = { name, params: specDefaults(cat.workload(name)?.params ?? []) }
    // Axes over the old workload's params no longer apply.
    if (config.value.sweep) {
      const keep = config.value.sweep.axes
        .map((a, i) => ({ a, t: sweepText.value[i] }))
        .filter(({ a }) => !a.path.startsWith('workload.params.'))
      config.value.sweep.axes = keep.map((k) => k.a)
      sweepText.value = keep.map((k) => k.t)
      if (!keep.length) config.value.sweep = null
    }
  }

  function addSweepAxis(path: string): void {
    if (!config.value) return
    config.value.sweep ??= { mode: 'grid', axes: [] }
    config.value.sweep.axes.push({ path, values: [] })
    sweepText.value.push('')
  }

  function setSweepText(i: number, text: string): void {
    sweepText.value[i] = text
    const axis = config.value?.sweep?.axes[i]
    if (axis) axis.values = parseSweepValues(text)
  }

  function removeSweepAxis(i: number): void {
    const s = config.value?.sweep
    if (!s) return
    s.axes.splice(i, 1)
    sweepText.value.splice(i, 1)
    if (!s.axes.length) config.value!.sweep = null
  }

  const canStart = computed(() => !!config.value && !starting.value && errors.value.length === 0)

  /** Validates once more and starts; returns the new run ids, or null when nothing started. */
  async function start(): Promise<number[] | null> {
    if (!config.value || starting.value) return null
    startError.value = null
    const problems = check()
    if (problems.length) return null
    starting.value = true
    try {
      const { runIds } = await lab().start(JSON.parse(JSON.stringify(config.value)))
      return runIds
    } catch (e) {
      startError.value = e instanceof Error ? e.message : String(e)
      return null
    } finally {
      starting.value = false
    }
  }

  return {
    config,
    source,
    errors,
    preview,
    checking,
    starting,
    startError,
    sweepText,
    load,
    fromScratch,
    fromPreset,
    fromFile,
    fromRun,
    check,
    addDesign,
    removeDesign,
    setDesign,
    setWorkload,
    addSweepAxis,
    setSweepText,
    removeSweepAxis,
    canStart,
    start
  }
})
