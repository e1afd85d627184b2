// Kernel images a run can name (the host, cached and fetchable Debian kernels): asked of the
// lab once, when a kernel design is first shown (listing what apt can fetch is slow).
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { KernelList } from '../../../experiments/api'
import { lab } from '../lib/labClient'

export const useKernels = defineStore('kernels', () => {
  const list = shallowRef<KernelList | null>(null)
  const error = ref<string | null>(null)
  let loading: Promise<void> | null = null

  function load(): Promise<void> {
    loading ??= lab()
      .kernels()
      .then((k) => {
        list.value = k
      })
      .catch((e: unknown) => {
        error.value = e instanceof Error ? e.message : String(e)
        loading = null
      })
    return loading
  }
  return { list, error, load }
})
