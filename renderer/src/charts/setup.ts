// Registers exactly the Chart.js parts the app uses (keeps the bundle small), the error-bar
// controller, and a white background so exported PNGs are not transparent.
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

const whiteBackground: Plugin = {
  id: 'swaplabBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart
    ctx.save()
    ctx.globalCompositeOperation = 'destination-over'
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, width, height)
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
    whiteBackground
  )
  Chart.defaults.font.family = getComputedStyleSafe('--font') ?? 'system-ui, sans-serif'
  Chart.defaults.font.size = 11
  Chart.defaults.color = '#4b5563'
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
