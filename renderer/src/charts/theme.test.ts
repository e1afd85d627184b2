// The theme's colours for charts (light and dark): what the options leave unset takes them.
import { describe, expect, it } from 'vitest'
import { LIGHT, themed } from './theme'

describe('chart theme', () => {
  it('colours ticks, titles, grids and legend text where the options set none, and keeps those they set', () => {
    const dark = { ...LIGHT, dark: true, text: '#c3cad5', grid: '#2a3340', axis: '#4b5563' }
    const o = themed(
      {
        scales: { x: { title: { display: true, text: 'x' }, grid: { color: 'red' } }, y: { ticks: { maxTicksLimit: 5 } } },
        plugins: { legend: { display: true } }
      },
      dark
    ) as Record<string, any>
    expect(o.color).toBe('#c3cad5')
    expect(o.scales.x.title).toEqual({ color: '#c3cad5', display: true, text: 'x' })
    expect(o.scales.x.grid.color).toBe('red')
    expect(o.scales.y.grid.color).toBe('#2a3340')
    expect(o.scales.y.ticks).toEqual({ color: '#c3cad5', maxTicksLimit: 5 })
    expect(o.plugins.legend.labels.color).toBe('#c3cad5')
  })
})
