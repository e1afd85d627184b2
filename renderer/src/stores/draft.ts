// The experiment being designed: the config, its field errors as you type (the experiment
// schema from experiments/, the same one the CLI and the lab service use), the lab's preview
// of the runs it makes, and starting it.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ExperimentConfig, FieldError, RunPreview } from '../../../experiments/api'
import type { DesignName, WorkloadName } from '../../../engine/pure'
import { lab } from '../lib/labClient'
import { useCatalogue } from './catalogue'
import { fieldLabel, parseSweepValues, scratchConfig, specDefaults } from '../lib/configEdit'
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
  /** One line about the last config file opened or saved, and the fields a refused file or form has wrong. */
  const fileMessage = ref<string | null>(null)
  const fileErrors = ref<string[]>([])
  let generation = 0
  let timer: ReturnType<typeof setTimeout> | null = null

  function load(next: ExperimentConfig, from: string): void {
    config.value = structuredClone(next)
    source.value = from
    sweepText.value = (next.sweep?.axes ?? []).map((a) => a.values.join(', '))
    startError.value = null
    fileMessage.value = null
    fileErrors.value = []
  }

  function fromScratch(): void {
    const c = cat.catalogue
    if (c) load(scratchConfig(c.designs, c.workloads), 'scratch')
  }

  /** A config file the user opened (checked by the lab already); nothing starts. */
  function fromFile(next: ExperimentConfig, fileName: string): void {
    load(next, `file:${fileName}`)
  }

  /** The form's config, or the from-scratch one when the form has not been shown yet (a menu command before New experiment). */
  async function ensureConfig(): Promise<ExperimentConfig | null> {
    await cat.load()
    if (!config.value) fromScratch()
    return config.value
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

  // ---- Config files (the `swaplab run --config` format), for the form's buttons and the app menu ----
  const labelled = (e: FieldError): string =>
    e.field
      ? `${e.field}${e.field.startsWith('(') ? '' : ` (${fieldLabel(e.field, config.value, cat.catalogue)})`}: ${e.message}`
      : e.message

  /** Opening fills the form and starts nothing; a bad file is named field by field and the form is left alone. */
  async function openFile(): Promise<void> {
    fileErrors.value = []
    try {
      const opened = await lab().openConfig()
      if (!opened) return
      if (!opened.result.ok) {
        fileMessage.value = `${opened.fileName} was not opened: the form is unchanged.`
        fileErrors.value = opened.result.errors.map(labelled)
        return
      }
      fromFile(opened.result.config, opened.fileName)
      fileMessage.value = `Opened ${opened.fileName}. Nothing has started: check the form, then Start.`
    } catch (e) {
      fileMessage.value = `Could not open the file: ${e instanceof Error ? e.message : String(e)}`
    }
  }

  /** Saves the form as it is; a form with errors is not saved (a saved file runs as it is) and the message says which fields. */
  async function saveFile(): Promise<void> {
    fileErrors.value = []
    const c = await ensureConfig()
    if (!c) {
      fileMessage.value = `Not saved: ${cat.error ?? 'the form is not ready'}`
      return
    }
    const problems = check()
    if (problems.length) {
      fileMessage.value = `Not saved: fix the fields first, a saved file runs as it is (${problems.length} field${problems.length === 1 ? '' : 's'}).`
      fileErrors.value = problems.map(labelled)
      return
    }
    try {
      fileMessage.value = (await lab().saveConfig(JSON.parse(JSON.stringify(c)))).message
    } catch (e) {
      fileMessage.value = `Not saved: ${e instanceof Error ? e.message : String(e)}`
    }
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
    ensureConfig,
    check,
    fileMessage,
    fileErrors,
    openFile,
    saveFile,
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
