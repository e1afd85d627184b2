// What the lab offers: designs, workloads, device presets, presets. Loaded once.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { Catalogue, Preset } from '../../../experiments/api'
import { lab } from '../lib/labClient'

export const useCatalogue = defineStore('catalogue', () => {
  const catalogue = shallowRef<Catalogue | null>(null)
  const presets = shallowRef<Preset[]>([])
  const error = ref<string | null>(null)
  let loading: Promise<void> | null = null

  function load(): Promise<void> {
    loading ??= Promise.all([lab().catalogue(), lab().presets()])
      .then(([c, p]) => {
        catalogue.value = c
        presets.value = p
      })
      .catch((e: unknown) => {
        error.value = e instanceof Error ? e.message : String(e)
        loading = null
      })
    return loading
  }

  const design = (name: string) => catalogue.value?.designs.find((d) => d.name === name)
  const workload = (name: string) => catalogue.value?.workloads.find((w) => w.name === name)
  return { catalogue, presets, error, load, design, workload }
})
