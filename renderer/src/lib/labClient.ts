// The one lab client of this window, set at start (main.ts) or by a test.
import type { LabClient } from '../transport/types'

let current: LabClient | null = null

export function setLabClient(client: LabClient): void {
  current = client
}

export function lab(): LabClient {
  if (!current) throw new Error('lab client not set: call setLabClient() first')
  return current
}
