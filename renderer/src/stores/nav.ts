// Which view is shown, mirrored in location.hash so a reload keeps the place.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export type View = 'new' | 'running' | 'runs' | 'detail' | 'compare'

export interface Place {
  view: View
  runId: number | null
}

export function parseHash(hash: string): Place {
  const m = /^#\/(new|running|runs|compare|run\/(\d+))$/.exec(hash)
  if (!m) return { view: 'new', runId: null }
  if (m[2]) return { view: 'detail', runId: Number(m[2]) }
  return { view: m[1] as View, runId: null }
}

export function placeHash(p: Place): string {
  return p.view === 'detail' ? `#/run/${p.runId}` : `#/${p.view}`
}

export const useNav = defineStore('nav', () => {
  const initial = typeof location !== 'undefined' ? parseHash(location.hash) : { view: 'new' as View, runId: null }
  const view = ref<View>(initial.view)
  const runId = ref<number | null>(initial.runId)

  function go(next: View, id: number | null = null): void {
    view.value = next
    runId.value = next === 'detail' ? id : null
    if (typeof history !== 'undefined' && typeof location !== 'undefined') {
      const hash = placeHash({ view: next, runId: runId.value })
      // A history entry per place, so the browser's back button goes back a view.
      if (location.hash !== hash) history.pushState(null, '', hash)
    }
  }

  // Back/forward and typed addresses.
  if (typeof window !== 'undefined') {
    const follow = (): void => {
      const p = parseHash(location.hash)
      view.value = p.view
      runId.value = p.runId
    }
    window.addEventListener('popstate', follow)
    window.addEventListener('hashchange', follow)
  }
  return { view, runId, go }
})
