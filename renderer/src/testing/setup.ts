// Shared set-up for renderer tests: a fresh Pinia, a fresh fake lab, empty storage.
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { mount, flushPromises } from '@vue/test-utils'
import type { Component } from 'vue'
import type { RunRecord } from '../../../experiments/api'
import { setLabClient } from '../lib/labClient'
import { createFakeLab, type FakeLab } from './fakeLab'

export interface TestLab {
  lab: FakeLab
  pinia: Pinia
}

export function freshLab(seed: Partial<RunRecord>[] = []): TestLab {
  localStorage.clear()
  sessionStorage.clear()
  history.replaceState(null, '', '/')
  const pinia = createPinia()
  setActivePinia(pinia)
  const lab = createFakeLab(seed)
  setLabClient(lab)
  return { lab, pinia }
}

export async function mountView(component: Component, t: TestLab) {
  const w = mount(component, { global: { plugins: [t.pinia] }, attachTo: document.body })
  await settle()
  return w
}

/** Lets promises, watchers and the draft's preview debounce run. */
export async function settle(ms = 0): Promise<void> {
  await flushPromises()
  if (ms) await new Promise((r) => setTimeout(r, ms))
  await flushPromises()
}
