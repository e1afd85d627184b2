// Experiment config files: what the app saves and opens, in the format `swaplab run --config`
// reads (JSON of an ExperimentConfig; fields left out take the schema's defaults).

import type { ExperimentConfig, FieldError } from './api'
import { MAX_CONFIG_FILE_BYTES } from './api'
import { findUnsafeKey } from './sweep'

/** The file's text: the config as JSON, two-space indented, ending with a newline. */
export function configFileText(config: ExperimentConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`
}

/** A file name from the experiment's name: "Swap table vs vswap" -> "swap-table-vs-vswap.swaplab.json". */
export function configFileName(config: Pick<ExperimentConfig, 'name'>): string {
  const slug = String(config.name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return `${slug || 'experiment'}.swaplab.json`
}

/**
 * The JSON value of a config file, before the schema: not JSON, not an object or a key that
 * would reach Object.prototype is refused with one error naming where. The schema then names
 * bad fields as it does for the form and the CLI.
 */
export function parseConfigText(text: string): { ok: true; value: unknown } | { ok: false; errors: FieldError[] } {
  const bad = (field: string, message: string) => ({ ok: false as const, errors: [{ field, message }] })
  if (text.length > MAX_CONFIG_FILE_BYTES)
    return bad('(file)', `is ${text.length} characters; a config file has at most ${MAX_CONFIG_FILE_BYTES}`)
  let value: unknown
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (e) {
    return bad('(file)', `is not valid JSON: ${(e as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return bad('(file)', 'must hold one experiment config, a JSON object such as {"designs": [...], "workload": {...}}')
  const key = findUnsafeKey(value)
  if (key) return bad(key, `the key "${key.split('.').at(-1)}" is not allowed`)
  return { ok: true, value }
}
