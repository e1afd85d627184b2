// Registers exactly the Chart.js parts the app uses (keeps the bundle small), the error-bar
// controller, and an opaque background in the theme's panel colour so exported PNGs and SVGs
// are not transparent.
import {
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type Plugin
} from 'chart.js'
import { BarWithErrorBar, BarWithErrorBarsController } from 'chartjs-chart-error-bars'
import { chartTheme } from './theme'

/** An opaque background in the panel colour, so exported PNGs are never transparent. */
const whiteBackground: Plugin = {
  id: 'swaplabBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart
    ctx.save()
    ctx.globalCompositeOperation = 'destination-over'
    ctx.fillStyle = chartTheme().background
    ctx.fillRect(0, 0, width, height)
    ctx.restore()
  }
}

/** A title drawn into the chart itself (exports only: on screen the card carries it). Options: plugins.swaplabTitle.text. */
const exportTitle: Plugin = {
  id: 'swaplabTitle',
  beforeLayout(chart) {
    const text = (chart.options.plugins as Record<string, { text?: string } | undefined>).swaplabTitle?.text
    if (text) chart.options.layout = { ...chart.options.layout, padding: { top: 44, left: 16, right: 24, bottom: 12 } }
  },
  afterDraw(chart) {
    const text = (chart.options.plugins as Record<string, { text?: string } | undefined>).swaplabTitle?.text
    if (!text) return
    const { ctx } = chart
    ctx.save()
    ctx.fillStyle = chartTheme().title
    ctx.font = `600 18px ${Chart.defaults.font.family}`
    ctx.textBaseline = 'top'
    ctx.fillText(text, 16, 12)
    ctx.restore()
  }
}

let done = false
export function setupCharts(): void {
  if (done) return
  done = true
  Chart.register(
    LineController,
    LineElement,
    PointElement,
    LinearScale,
    CategoryScale,
    BarElement,
    Filler,
    Legend,
    Tooltip,
    BarWithErrorBarsController,
    BarWithErrorBar,
    whiteBackground,
    exportTitle
  )
  Chart.defaults.font.family = getComputedStyleSafe('--font') ?? 'system-ui, sans-serif'
  Chart.defaults.font.size = 11
  // Each chart's own colours come from the theme in force (charts/theme.ts themed()).
  Chart.defaults.color = chartTheme().text
  Chart.defaults.animation = false
}

function getComputedStyleSafe(name: string): string | null {
  try {
    const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
    return v || null
  } catch {
    return null
  }
}
