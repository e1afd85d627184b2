// Chart colours from the page's theme (styles.css variables), light or dark as the system says
// (prefers-color-scheme). Reading chartTheme() inside a computed makes it follow a change of
// the system scheme: chart options are rebuilt and the charts redrawn, exports included.
import { ref } from 'vue'

export interface ChartTheme {
  dark: boolean
  /** Opaque background of charts and their exports. */
  background: string
  /** Titles drawn into exports. */
  title: string
  /** Ticks, axis titles, legend text. */
  text: string
  grid: string
  /** Parallel coordinates' vertical axes. */
  axis: string
}

export const LIGHT: ChartTheme = {
  dark: false,
  background: '#ffffff',
  title: '#1f2937',
  text: '#4b5563',
  grid: '#eef0f3',
  axis: '#c9ced6'
}

/** Bumped when the system scheme changes; a dependency of every chartTheme() reader. */
const version = ref(0)
let listening = false

/** The browser's window, where there is one (bench and unit tests load these modules in Node). */
interface Page {
  matchMedia?(query: string): { matches: boolean; addEventListener?(type: 'change', listener: () => void): void }
  getComputedStyle?(el: unknown): { getPropertyValue(name: string): string }
  document?: { documentElement: unknown }
}
const page = globalThis as unknown as Page

function darkQuery(): ReturnType<NonNullable<Page['matchMedia']>> | null {
  try {
    return page.matchMedia?.('(prefers-color-scheme: dark)') ?? null
  } catch {
    return null
  }
}

function cssVar(name: string): string | null {
  try {
    const v = page.getComputedStyle?.(page.document?.documentElement).getPropertyValue(name).trim()
    return v || null
  } catch {
    return null
  }
}

/** The chart colours in force (light values where the page has no styles, e.g. in unit tests). */
export function chartTheme(): ChartTheme {
  void version.value
  const q = darkQuery()
  if (q && !listening) {
    listening = true
    q.addEventListener?.('change', () => version.value++)
  }
  return {
    dark: !!q?.matches,
    background: cssVar('--panel') ?? LIGHT.background,
    title: cssVar('--ink') ?? LIGHT.title,
    text: cssVar('--chart-text') ?? LIGHT.text,
    grid: cssVar('--chart-grid') ?? LIGHT.grid,
    axis: cssVar('--chart-axis') ?? LIGHT.axis
  }
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The options with the theme's colours where they set none: the chart's text colour, each
 * scale's ticks, title and grid, the legend's labels. Colours an option sets stay.
 */
export function themed<T>(options: T, theme: ChartTheme): T {
  const o = { ...(options as Obj) }
  o.color ??= theme.text
  if (isObj(o.scales)) {
    const scales: Obj = {}
    for (const [id, sc] of Object.entries(o.scales)) {
      if (!isObj(sc)) {
        scales[id] = sc
        continue
      }
      const s = { ...sc }
      s.ticks = { color: theme.text, ...(isObj(s.ticks) ? s.ticks : {}) }
      if (isObj(s.title)) s.title = { color: theme.text, ...s.title }
      s.grid = { color: theme.grid, ...(isObj(s.grid) ? s.grid : {}) }
      s.border = { color: theme.axis, ...(isObj(s.border) ? s.border : {}) }
      scales[id] = s
    }
    o.scales = scales
  }
  const plugins = isObj(o.plugins) ? { ...o.plugins } : {}
  const legend = isObj(plugins.legend) ? { ...plugins.legend } : {}
  legend.labels = { color: theme.text, ...(isObj(legend.labels) ? legend.labels : {}) }
  plugins.legend = legend
  o.plugins = plugins
  return o as T
}
