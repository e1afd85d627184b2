// @vitest-environment happy-dom
// Ticks on round values (issue 11): byte axes step by 1, 2 or 5 x 10^k of one binary unit and
// label every tick in it; every chart of the app that shows bytes (the live and run charts,
// Compare's bars, sweeps and time series) draws such ticks. Today's Chart.js decimal steps
// read "976.6 KiB, 1.9 MiB, 2.9 MiB" on the Running view's metadata chart.
import { describe, expect, it } from 'vitest'
import { BasicPlatform, Chart, type ChartConfiguration } from 'chart.js'
import { Context } from 'svgcanvas'
import { BYTE_UNITS, fmtByteTick, roundByteTicks, zeroInAxisUnit } from './ticks'
import { compareBarOptions, errorBarOptions, lineOptions, seriesOptions, sweepOptions } from './options'
import { setupCharts } from './setup'

const KiB = 1024
const MiB = 1024 ** 2
const GiB = 1024 ** 3

/** Round: every tick a whole multiple of one step, the step 1, 2 or 5 x 10^k of one binary unit. */
function expectRound(ticks: number[]): void {
  const top = Math.max(...ticks.map(Math.abs))
  const unit = 1024 ** Math.min(4, Math.floor(Math.log(Math.max(top, 1)) / Math.log(1024) + 1e-12))
  const steps = ticks.slice(1).map((t, i) => (t - ticks[i]) / unit)
  const step = steps[0]
  for (const s of steps) expect(s).toBeCloseTo(step, 9)
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9)
  expect(
    [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6),
    `step ${step} of ${unit}`
  ).toBe(true)
  for (const t of ticks) expect(Math.abs(t / unit / step - Math.round(t / unit / step))).toBeLessThan(1e-6)
}

describe('a zero tick on a non-byte axis', () => {
  it('takes the unit of the axis’s largest tick', () => {
    const ms = (v: number): string => (v >= 1 ? `${v} s` : `${v * 1000} ms`)
    const ticks = [0, 0.2, 0.4].map((value) => ({ value }))
    expect(zeroInAxisUnit(0, ticks, ms)).toBe('0 ms')
    expect(zeroInAxisUnit(0.2, ticks, ms)).toBe('200 ms')
    expect(zeroInAxisUnit(0, [{ value: 0 }, { value: 2 }], ms)).toBe('0 s')
    expect(zeroInAxisUnit(0, [{ value: 0 }], ms)).toBe('0 ms')
  })
})

describe('round byte ticks', () => {
  it('step by 1, 2 or 5 x 10^k of one binary unit, from the range’s floor to its ceiling', () => {
    expect(roundByteTicks(0, 78 * KiB, 6)).toEqual([0, 20, 40, 60, 80].map((v) => v * KiB))
    expect(roundByteTicks(0, 3.3 * MiB, 6)).toEqual([0, 1, 2, 3, 4].map((v) => v * MiB))
    expect(roundByteTicks(0, 2.7e9, 6)).toEqual([0, 1, 2, 3].map((v) => v * GiB))
    expect(roundByteTicks(0, 500, 6)).toEqual([0, 100, 200, 300, 400, 500])
    expect(roundByteTicks(0, 3, 6)).toEqual([0, 1, 2, 3])
    // Decimal data (200 MB) on binary ticks.
    expect(roundByteTicks(0, 200e6, 6)).toEqual([0, 50, 100, 150, 200].map((v) => v * MiB))
    // Not from zero.
    expect(roundByteTicks(5.3 * MiB, 9.1 * MiB, 6)).toEqual([5, 6, 7, 8, 9, 10].map((v) => v * MiB))
  })

  it('never spill into the next unit at the top: 1010 KiB reads 0 … 1 MiB, not 1200 KiB', () => {
    const t = roundByteTicks(0, 1010 * KiB, 6)
    expect(t).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => v * MiB))
    expect(
      t.map((v) =>
        fmtByteTick(
          v,
          t.map((value) => ({ value }))
        )
      )
    ).toEqual(['0 MiB', '0.2 MiB', '0.4 MiB', '0.6 MiB', '0.8 MiB', '1 MiB'])
  })

  it('are round and within the tick budget over many ranges', () => {
    let seed = 7
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let n = 0; n < 2000; n++) {
      const max = 10 ** (rnd() * 12)
      const min = rnd() < 0.3 ? max * rnd() : 0
      const limit = 2 + Math.floor(rnd() * 9)
      const t = roundByteTicks(min, max, limit)
      expect(t.length, `${min}..${max}`).toBeLessThanOrEqual(limit)
      expect(t.length).toBeGreaterThanOrEqual(2)
      expect(t[0]).toBeLessThanOrEqual(min)
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(max)
      expectRound(t)
      // Every label in one unit, at most 3 significant digits.
      const labels = t.map((v) =>
        fmtByteTick(
          v,
          t.map((value) => ({ value }))
        )
      )
      expect(new Set(labels.map((l) => l.split(' ')[1])).size, labels.join(', ')).toBe(1)
      for (const l of labels) expect(BYTE_UNITS).toContain(l.split(' ')[1])
    }
  })
})

/** Lays a chart out as the app would (800 x 300) and returns the y axis's tick labels. */
function yLabels(config: ChartConfiguration): string[] {
  setupCharts()
  const measure = { font: '', measureText: (t: string) => ({ width: t.length * 6 }) }
  const ctx = new Context({ width: 800, height: 300, ctx: measure })
  const canvas = { width: 800, height: 300, getContext: () => ctx }
  const chart = new Chart(
    canvas as unknown as HTMLCanvasElement,
    {
      ...config,
      options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
      platform: BasicPlatform
    } as ChartConfiguration
  )
  const labels = chart.scales.y.ticks.map((t) => String(t.label))
  chart.destroy()
  return labels
}

describe('the app’s charts put byte axes on round ticks', () => {
  const line = (max: number) => ({
    datasets: [{ label: 'metadata', data: Array.from({ length: 60 }, (_, i) => ({ x: i * 1.7, y: (max * i) / 59 })) }]
  })
  const bars = (max: number) => ({
    labels: ['a', 'b'],
    datasets: [
      {
        data: [
          { y: max * 0.6, yMin: max * 0.5, yMax: max * 0.7 },
          { y: max, yMin: max * 0.9, yMax: max }
        ]
      }
    ]
  })

  for (const max of [78 * KiB, 3.3 * MiB, 1010 * KiB, 200e6, 2.7e9])
    it(`${(max / MiB).toFixed(2)} MiB of data`, () => {
      const charts: [string, ChartConfiguration][] = [
        // The Running view's and Run detail's metadata chart.
        ['live metadata', { type: 'line', data: line(max), options: lineOptions('Simulated time (ms)', 'metadataBytes', false) }],
        ['Compare time series', { type: 'line', data: line(max), options: seriesOptions('Simulated time (ms)', 'metadataBytes') }],
        [
          'Compare sweep',
          {
            type: 'line',
            data: { labels: ['a', 'b'], datasets: [{ data: [max / 2, max] }] },
            options: sweepOptions('metadata_peak_bytes', 'cpus')
          }
        ],
        ['Compare bars', { type: 'barWithErrorBars' as 'bar', data: bars(max), options: compareBarOptions('metadata_peak_bytes') }],
        ['error bars', { type: 'barWithErrorBars' as 'bar', data: bars(max), options: errorBarOptions('metadata_peak_bytes') }]
      ] as [string, ChartConfiguration][]
      for (const [name, config] of charts) {
        const labels = yLabels(config)
        expect(labels.length, name).toBeGreaterThanOrEqual(2)
        const units = new Set(labels.map((l) => l.split(' ')[1]))
        expect(units.size, `${name}: ${labels.join(', ')}`).toBe(1)
        const unit = 1024 ** BYTE_UNITS.indexOf([...units][0] as (typeof BYTE_UNITS)[number])
        const values = labels.map((l) => Number(l.split(' ')[0]) * unit)
        expectRound(values)
        // The axis covers the data.
        expect(values[values.length - 1], name).toBeGreaterThanOrEqual(max * 0.999)
      }
    })
})
