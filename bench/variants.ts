// Every design and option set the figure scripts measure, with the labels they print.

import type { DesignName, DesignOptions } from '../engine'

export interface Variant {
  label: string
  design: DesignName
  options: DesignOptions
}

export const VARIANTS: Variant[] = [
  { label: 'legacy', design: 'legacy', options: {} },
  { label: 'mthp-6.10', design: 'mthp-6.10', options: {} },
  { label: 'cluster', design: 'cluster', options: {} },
  { label: 'swap-table P1', design: 'swap-table', options: { phase: 1 } },
  { label: 'swap-table P2', design: 'swap-table', options: { phase: 2 } },
  { label: 'swap-table P3', design: 'swap-table', options: { phase: 3 } },
  { label: 'swap-table P4', design: 'swap-table', options: { phase: 4 } },
  { label: 'P4 memcg=shadow', design: 'swap-table', options: { phase: 4, memcgLayout: 'shadow' } },
  { label: 'vswap 24 B', design: 'vswap', options: { descriptorBytes: 24 } },
  { label: 'vswap 48 B', design: 'vswap', options: { descriptorBytes: 48 } },
  { label: 'vswap 64 B', design: 'vswap', options: { descriptorBytes: 64 } }
]

export const pick = (...labels: string[]): Variant[] => labels.map((l) => VARIANTS.find((v) => v.label === l)!)
