// One colour per run (or per field in single-run panels), stable by position; colour-blind
// friendly (Okabe-Ito first, then Tableau).
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#D55E00',
  '#56B4E9',
  '#8c564b',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#1f77b4',
  '#ff7f0e'
]

export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]
}

/** The same colour with alpha, for fills and bars. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16)
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`
}
