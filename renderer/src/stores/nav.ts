// Which view is shown, mirrored in location.hash so a reload keeps the place; Compare keeps
// its selection, baseline and choices in the hash's query (#/compare?runs=1-6&base=design:legacy).
import { defineStore } from 'pinia'
import { ref } from 'vue'

export type View = 'new' | 'running' | 'runs' | 'detail' | 'compare' | 'fidelity'

export interface Place {
  view: View
  runId: number | null
  /** The part after '?', without it ('' when none). */
  query?: string
}

export function parseHash(hash: string): Place {
  const m = /^#\/(new|running|runs|compare|fidelity|run\/(\d+))(?:\?(.*))?$/.exec(hash)
  if (!m) return { view: 'new', runId: null, query: '' }
  if (m[2]) return { view: 'detail', runId: Number(m[2]), query: '' }
  return { view: m[1] as View, runId: null, query: m[3] ?? '' }
}

export function placeHash(p: Place): string {
  const base = p.view === 'detail' ? `#/run/${p.runId}` : `#/${p.view}`
  return p.query ? `${base}?${p.query}` : base
}

export const useNav = defineStore('nav', () => {
  const initial = typeof location !== 'undefined' ? parseHash(location.hash) : { view: 'new' as View, runId: null, query: '' }
  const view = ref<View>(initial.view)
  const runId = ref<number | null>(initial.runId)
  const query = ref<string>(initial.query ?? '')

  function go(next: View, id: number | null = null, q = ''): void {
    view.value = next
    runId.value = next === 'detail' ? id : null
    query.value = q
    if (typeof history !== 'undefined' && typeof location !== 'undefined') {
      const hash = placeHash({ view: next, runId: runId.value, query: q })
      // A history entry per place, so the browser's back button goes back a view.
      if (location.hash !== hash) history.pushState(null, '', hash)
    }
  }

  /** Rewrites the current place's query without a new history entry (state of the view, not a new place). */
  function setQuery(q: string): void {
    query.value = q
    if (typeof history !== 'undefined' && typeof location !== 'undefined') {
      const hash = placeHash({ view: view.value, runId: runId.value, query: q })
      if (location.hash !== hash) history.replaceState(null, '', hash)
    }
  }

  // Back/forward and typed addresses.
  if (typeof window !== 'undefined') {
    const follow = (): void => {
      const p = parseHash(location.hash)
      view.value = p.view
      runId.value = p.runId
      query.value = p.query ?? ''
    }
    window.addEventListener('popstate', follow)
    window.addEventListener('hashchange', follow)
  }
  return { view, runId, query, go, setQuery }
})
