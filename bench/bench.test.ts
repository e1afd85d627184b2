// Smoke test: the bench still builds and runs end to end and writes its headline figures.
// It asserts that figures exist and are positive, never how fast anything is.

import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { expect, it } from 'vitest'

it('npm run bench -- --quick prints all five sections and writes the headline fields', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-bench-test-')), 'results.json')
  const r = spawnSync(process.execPath, ['scripts/bench.mjs', '--quick', '--out', out], {
    encoding: 'utf8',
    cwd: path.resolve(__dirname, '..'),
    timeout: 240_000
  })
  expect(r.status, r.stderr).toBe(0)
  for (const title of ['1. Device ceiling', '2. Metadata paths', '3. Scale', '4. Store', '5. Compare']) expect(r.stdout).toContain(title)
  const json = JSON.parse(fs.readFileSync(out, 'utf8'))
  expect(json.deviceRatio).toBeGreaterThan(0)
  // The fair baseline: the engine's own calls replayed raw.
  expect(json.replayRatio).toBeGreaterThan(0)
  expect(json.device.designs['swap-table P4'].replayMs).toBeGreaterThan(0)
  expect(json.device.designs['swap-table P4'].replayCalls).toBeGreaterThan(json.device.designs['swap-table P4'].writeCalls)
  expect(r.stdout).toMatch(/headline: deviceRatio [\d.]+ .*replayRatio [\d.]+/)
  expect(json.metadataOpsPerSec).toBeGreaterThan(0)
  expect(Object.keys(json.device.designs)).toEqual(['legacy', 'mthp-6.10', 'cluster', 'swap-table P1', 'swap-table P4', 'vswap 24 B'])
  expect(json.store.ingestSamplesPerSec).toBeGreaterThan(0)
  expect(json.store.seriesTenRunsMs).toBeGreaterThan(0)
  expect(json.compare).toMatchObject({ runs: 100, beforeMs: expect.any(Number), afterMs: expect.any(Number) })
  // Kernel runs where the host kernel can be used (root, swapon), else one line saying why not.
  expect(r.stdout).toMatch(/\n6\. Kernel: (skipped \(.+\)|the simulated run)/)
  if (json.kernel.skipped) expect(json.kernelRatio).toBeNull()
  else {
    expect(json.kernel.runs[0].kernelWallMs).toBeGreaterThan(0)
    expect(json.kernelRatio).toBeGreaterThan(0)
    expect(r.stdout).toMatch(/kernel: sim wall \/ kernel wall [\d.]+ \(median, host kernel /)
  }
  fs.rmSync(path.dirname(out), { recursive: true, force: true })
}, 300_000)
