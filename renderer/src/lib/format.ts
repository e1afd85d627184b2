// Number formatting for tables, legends and axis ticks.
import { fmtBytes } from '../../../engine/pure'

export { fmtBytes }

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-'
  if (seconds < 1) return `${Math.max(0, Math.round(seconds * 1000))} ms`
  if (seconds < 90) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`
  const m = Math.floor(seconds / 60)
  if (m < 90) return `${m} min ${Math.round(seconds - m * 60)} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return '-'
  if (ns < 1e3) return `${round3(ns)} ns`
  if (ns < 1e6) return `${round3(ns / 1e3)} µs`
  if (ns < 1e9) return `${round3(ns / 1e6)} ms`
  return `${round3(ns / 1e9)} s`
}

/** 3 significant digits, with k/M/G for large counts. */
export function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-'
  const a = Math.abs(n)
  if (a >= 1e9) return `${round3(n / 1e9)}G`
  if (a >= 1e6) return `${round3(n / 1e6)}M`
  if (a >= 1e4) return `${round3(n / 1e3)}k`
  return String(round3(n))
}

function round3(n: number): number {
  if (n === 0) return 0
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(n))))
  return Number(n.toFixed(Math.min(digits, 6)))
}

/** "+12.3 %" against a baseline; relative is 0.123. */
export function fmtPercent(relative: number | null | undefined): string {
  if (relative === null || relative === undefined || !Number.isFinite(relative)) return '-'
  const pct = relative * 100
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±'
  return `${sign}${Math.abs(pct) < 10 ? Math.abs(pct).toFixed(1) : Math.round(Math.abs(pct))} %`
}

/** "2.5x" as a ratio to the baseline; relative 1.5 means 2.5 times the baseline. */
export function fmtTimes(relative: number | null | undefined): string {
  if (relative === null || relative === undefined || !Number.isFinite(relative)) return '-'
  const ratio = 1 + relative
  if (ratio <= 0) return '0x'
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(2)}x`
}

/** "2026-11-26 09:11"; short drops the year when it is this year ("11-26 09:11"). */
export function fmtDate(iso: string | null | undefined, short = false, now = new Date()): string {
  if (!iso) return '-'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const pad = (n: number): string => String(n).padStart(2, '0')
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return short && d.getFullYear() === now.getFullYear() ? day : `${d.getFullYear()}-${day}`
}

/** A config path as a reader says it: "workload.params.tasks" -> "tasks", "memoryLimitBytes" -> "memory limit". */
export function paramLabel(path: string): string {
  const last =
    path
      .split('.')
      .filter((p) => !/^\d+$/.test(p))
      .pop() ?? path
  const words = last
    .replace(/(Bytes|Ns|Ms)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
  // devices.1.preset -> "device 2 preset": say which device when the path names one.
  const dev = /^devices\.(\d+)\./.exec(path)
  return dev && Number(dev[1]) > 0 ? `device ${Number(dev[1]) + 1} ${words}` : words
}

/** A config value in human units by its path: bytes as MiB, nanoseconds as ms. */
export function fmtParam(path: string, value: number | string | boolean | null | undefined): string {
  if (value === null || value === undefined) return '–'
  if (typeof value !== 'number') return String(value)
  if (/Bytes$/.test(path)) return fmtBytes(value)
  if (/Ns$/.test(path)) return fmtNs(value)
  if (/Ms$/.test(path)) return fmtNs(value * 1e6)
  return String(value)
}

/** "tasks=8 · memory limit=16 MiB" for a sweep point. */
export function fmtPoint(point: Record<string, number | string | boolean>): string {
  return Object.entries(point)
    .map(([k, v]) => `${paramLabel(k)}=${fmtParam(k, v)}`)
    .join(' · ')
}
