// Reads a cost profile file named on the command line (`--cost-profile FILE`). Only front ends
// the user types paths into may name one; the engine itself never reads files outside its
// device folder, so the constants travel in each run's engine config.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { ConfigError, parseCostProfile, type CostProfileSpec } from '../../engine/pure'
import type { FieldError } from '../../experiments/api'

/** The profile's constants, or the field error that says what is wrong with the file. */
export function loadCostProfileFile(file: string): CostProfileSpec | FieldError {
  const origin = path.resolve(file)
  let text: string
  try {
    text = fs.readFileSync(origin, 'utf8')
  } catch (e) {
    return {
      field: 'costProfile',
      message: `cannot read cost profile ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`
    }
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    return { field: 'costProfile', message: `cost profile ${file} is not valid JSON: ${(e as Error).message}` }
  }
  try {
    return parseCostProfile(data, origin)
  } catch (e) {
    if (e instanceof ConfigError) return { field: 'costProfile', message: e.message.replace(/^costProfile: /, '') }
    throw e
  }
}
