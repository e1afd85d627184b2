// Byte sizes as people write them ("64MiB", "1.5G", "4096"), for config files and CLI flags.
// Binary multiples throughout: the kernel and every swap tool count in KiB/MiB/GiB.

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  kb: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mb: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gb: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tb: 2 ** 40,
  tib: 2 ** 40
}

/** Parses "64MiB" / "2g" / "4096" to bytes; returns NaN when the text is not a size. */
export function parseBytes(text: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  if (!m) return Number.NaN
  const mult = MULTIPLIERS[m[2].toLowerCase()]
  return mult === undefined ? Number.NaN : Math.round(Number(m[1]) * mult)
}

/** Size strings become numbers; anything else is left for the schema to judge. */
export function bytesOrAsIs(v: unknown): unknown {
  if (typeof v !== 'string') return v
  const n = parseBytes(v)
  return Number.isNaN(n) ? v : n
}
