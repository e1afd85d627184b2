// Axis ticks on round values of the unit the axis shows. Chart.js steps linear axes by 1, 2
// or 5 x 10^k of the raw value, which is round in s, ms, MB/s and counts but not in bytes:
// labelled in KiB, MiB or GiB (binary), steps of 200 000 bytes read "195.3 KiB", "390.6 KiB".
// Byte axes therefore get their own ticks: 1, 2 or 5 x 10^k of one binary unit, every label
// in that unit ("0 MiB, 1 MiB, 2 MiB, 3 MiB, 4 MiB"). Pure, so the generation is tested alone.
import type { Scale } from 'chart.js'
import { fmtNumber } from '../lib/format'
import { metricInfo } from '../lib/metrics'

export const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const

/** The binary unit (power of 1024) a byte value is shown in: the largest not above it. */
export function byteUnitIndex(value: number): number {
  let k = 0
  const a = Math.abs(value)
  while (k < BYTE_UNITS.length - 1 && a >= 1024 ** (k + 1)) k++
  return k
}

/** Decimal places of a step of 1, 2 or 5 x 10^j (j < 0 gives decimals). */
const decimals = (step: number): number => Math.max(0, -Math.floor(Math.log10(step) + 1e-9))

/**
 * Ticks from at most `maxTicks` values covering [min, max], each a whole multiple of a step of
 * 1, 2 or 5 x 10^j of one binary unit; the unit is the one the largest tick is shown in (so the
 * top tick never spills into the next unit as "1.17 MiB"). Bytes below 1 KiB step by whole bytes.
 */
export function roundByteTicks(min: number, max: number, maxTicks = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (max < min) [min, max] = [max, min]
  if (max === min) max = min + 1
  const limit = Math.max(2, Math.floor(maxTicks))
  let k = byteUnitIndex(Math.max(Math.abs(min), Math.abs(max)))
  for (;;) {
    const unit = 1024 ** k
    const lo = min / unit
    const hi = max / unit
    const span = hi - lo
    // The smallest 1-2-5 step that covers the range in at most `limit` ticks.
    let step = 10 ** Math.floor(Math.log10(span / (limit - 1)))
    for (let i = 0; ; i++) {
      const s = [1, 2, 5][i % 3] * step * 10 ** Math.floor(i / 3)
      if (k === 0 && s < 1) continue
      if (Math.ceil(hi / s - 1e-9) - Math.floor(lo / s + 1e-9) + 1 <= limit) {
        step = s
        break
      }
    }
    const first = Math.floor(lo / step + 1e-9)
    const last = Math.ceil(hi / step - 1e-9)
    const d = decimals(step)
    const ticks: number[] = []
    for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(d)) * unit)
    // A top tick of 1024 units or more reads better in the next unit (1 MiB, not 1024 KiB).
    const top = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]))
    if (byteUnitIndex(top) > k && k < BYTE_UNITS.length - 1) {
      k++
      continue
    }
    return ticks
  }
}

/** A byte tick in the unit of the axis's largest tick: "0 MiB", "1.5 MiB", "512 KiB". */
export function fmtByteTick(value: number, ticks: readonly { value: number }[]): string {
  const top = ticks.reduce((m, t) => Math.max(m, Math.abs(t.value)), Math.abs(value))
  const k = byteUnitIndex(top)
  return `${fmtNumber(value / 1024 ** k)} ${BYTE_UNITS[k]}`
}

/**
 * A tick of a non-byte axis as `fallback` formats it, except 0, which takes the unit of the
 * axis's largest tick ("0 ms" under "200 ms", not "0 s").
 */
export function zeroInAxisUnit(value: number, ticks: readonly { value: number }[], fallback: (v: number) => string): string {
  if (value !== 0) return fallback(value)
  const top = ticks.reduce((m, t) => (Math.abs(t.value) > Math.abs(m) ? t.value : m), 0)
  const unit = top === 0 ? null : /^[-+\d.,]+k?\s*(.*)$/.exec(fallback(top))?.[1]
  return unit ? `0 ${unit}` : fallback(0)
}

type RoundScale = Scale & { $roundRange?: { min: number; max: number } }

/**
 * Scale options for a linear axis showing `metric`: for a byte metric, hooks that replace
 * Chart.js's decimal ticks by roundByteTicks over the data's range (the axis then spans the
 * first to the last tick) and label every tick in one unit; for any other unit, nothing
 * (Chart.js's steps are round there). `fallback` formats ticks of other units.
 */
export function roundTickOptions(metric: string, fallback: (v: number) => string) {
  if (metricInfo(metric).unit !== 'bytes')
    return {
      ticks: { callback: (v: string | number, _i: number, ticks: { value: number }[]) => zeroInAxisUnit(Number(v), ticks, fallback) }
    }
  return {
    afterDataLimits(scale: Scale) {
      // The data's range (with beginAtZero applied): Chart.js widens min and max to its own ticks later.
      ;(scale as RoundScale).$roundRange = { min: scale.min, max: scale.max }
    },
    afterBuildTicks(scale: Scale) {
      const range = (scale as RoundScale).$roundRange ?? { min: scale.min, max: scale.max }
      const ticks = roundByteTicks(range.min, range.max, Math.max(2, scale.ticks.length))
      if (!ticks.length) return
      scale.ticks = ticks.map((value) => ({ value }))
      scale.min = ticks[0]
      scale.max = ticks[ticks.length - 1]
    },
    ticks: {
      callback: (v: string | number, _i: number, ticks: { value: number }[]) => fmtByteTick(Number(v), ticks)
    }
  }
}
