// Plain-text tables and numbers for the terminal. Exports keep full precision; these are
// for reading.

/** 4 significant digits, thousands grouped: 1234567 -> "1,234,567", 0.0123456 -> "0.01235". */
export function fmtNum(x: number | undefined | null): string {
  if (x === undefined || x === null || Number.isNaN(x)) return '-'
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString('en-US')
  if (a !== 0 && a < 1e-3) return x.toExponential(3)
  return String(Number(x.toPrecision(4)))
}

export function fmtPercent(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return ''
  const p = ratio * 100
  return `${p >= 0 ? '+' : ''}${Math.abs(p) >= 100 ? p.toFixed(0) : p.toFixed(1)} %`
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-'
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  const m = Math.floor(seconds / 60)
  const s = Math.round(seconds % 60)
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`
}

/** Columns padded to their widest cell; numbers (and anything right-aligned) flush right. */
export function table(header: string[], rows: string[][], rightAlign: (col: number) => boolean = (c) => c > 0): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (rightAlign(c) ? (cell ?? '').padStart(widths[c]) : (cell ?? '').padEnd(widths[c])))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
