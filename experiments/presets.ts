// The shipped presets: one JSON file each in ./presets, validated by the same schema as any
// user config. Each reproduces one claim of the swap-table proposal side by side.

import type { Preset } from './api'
import { validateExperiment, formatFieldErrors } from './schema'
import quick from './presets/quick.json'
import metadataByFill from './presets/metadata-by-fill.json'
import usememThroughput from './presets/usemem-throughput.json'
import mthpFragmentation from './presets/mthp-fragmentation.json'
import swapinPaths from './presets/swapin-paths.json'
import redisBgsave from './presets/redis-bgsave.json'
import swapTableVsVswap from './presets/swap-table-vs-vswap.json'

interface PresetFile {
  title: string
  shows: string
  config: unknown
}

const FILES: Record<string, PresetFile> = {
  quick,
  'metadata-by-fill': metadataByFill,
  'usemem-throughput': usememThroughput,
  'mthp-fragmentation': mthpFragmentation,
  'swapin-paths': swapinPaths,
  'redis-bgsave': redisBgsave,
  'swap-table-vs-vswap': swapTableVsVswap
}

function load(id: string, file: PresetFile): Preset {
  const r = validateExperiment(file.config)
  if (!r.ok) throw new Error(`preset ${id} is invalid:\n${formatFieldErrors(r.errors)}`)
  return { id, title: file.title, shows: file.shows, config: r.config }
}

let cache: Preset[] | null = null

export function presets(): Preset[] {
  cache ??= Object.entries(FILES).map(([id, file]) => load(id, file))
  return structuredClone(cache)
}

export function findPreset(id: string): Preset | undefined {
  return presets().find((p) => p.id === id)
}
