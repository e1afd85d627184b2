// `swaplab fidelity` as a user runs it (a separate process through tsx): the report rebuilt
// from recorded runs (real runs of the fidelity set's first case on the host kernel, Debian
// 6.12 under TCG and their paired designs, e2e/fixtures/fidelity-runs.json), the markdown
// file, JSON, and the options it refuses. Running the set itself needs real kernels
// (main/lab/fidelity.test.ts runs it with a stand-in backend).

import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../lab/testing/fixtures'

const ROOT = path.join(__dirname, '..', '..')
const CLI = path.join(ROOT, 'main', 'cli.ts')
const FIXTURE = path.join(ROOT, 'e2e', 'fixtures', 'fidelity-runs.json')

let dir: string
let db: string
beforeEach(() => {
  dir = tempDir()
  db = path.join(dir, 'runs.db')
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function swaplab(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, SWAPLAB_DEVICE_DIR: path.join(dir, 'devices') }
  delete env.SWAPLAB_DB
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('swaplab fidelity', () => {
  it('rebuilds the report of recorded runs: table, markdown and JSON', () => {
    expect(swaplab(['fidelity', '--report', '--db', db])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no fidelity set is recorded/)
    })
    expect(swaplab(['import', FIXTURE, '--db', db]).code).toBe(0)
    const md = path.join(dir, 'fidelity.md')
    const r = swaplab(['fidelity', '--report', '--db', db, '--markdown', md])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^fidelity set 20261128T0740Z\n/)
    // Measured: the host's pswpout over three trials against swap-table P1, and 6.12 against cluster.
    expect(r.stdout).toMatch(
      /usemem-seq-1p-32M +host \(6\.18\.44[^)]*\) +swap-table P1 +pswpout +26,984 ± 1,303 +24,576 ± 0 +-8\.9 % +MISS/
    )
    expect(r.stdout).toMatch(
      /debian-6\.12\.117-1~deb12u1 \(6\.12\.117\+deb12-cloud-amd64\) +cluster +pswpout +25,088 ± 387 +24,576 ± 0 +-2\.0 % +ok/
    )
    // The set was recorded before the host profile was fitted: its rows say so (or that it is not fitted at all).
    expect(r.stdout).toMatch(/system time \(s\), host profile .*(no host-profile run in this set|host profile: not fitted)/)
    expect(r.stdout).toMatch(/worst pswpout: -8\.9 % \(usemem-seq-1p-32M, host\)/)
    const text = fs.readFileSync(md, 'utf8')
    expect(text).toMatch(/^## Fidelity set 20261128T0740Z/)
    expect(text).toMatch(/\| 6\.12\.117\+deb12-cloud-amd64 \(VM TCG\) \| cluster \| pswpin \| 16,433 ± 4 \| 16,384 ± 0 \| -0\.3 % \| ok/)
    // An existing file is kept without --force.
    expect(swaplab(['fidelity', '--report', '--db', db, '--markdown', md]).code).toBe(2)
    const json = swaplab(['fidelity', '--report', '--stamp', '20261128T0740Z', '--json', '--db', db])
    expect(json.code).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(report.pairs.map((p: { kernelImage: string }) => p.kernelImage)).toEqual(['host', 'debian-6.12.117-1~deb12u1'])
  }, 300_000)

  it('refuses options that do not go together, and unknown ones', () => {
    expect(swaplab(['fidelity', '--report', '--quick', '--db', db])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--report shows a recorded set/)
    })
    expect(swaplab(['fidelity', '--quick', '--cases', 'thp-small', '--db', db])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/not both/)
    })
    expect(swaplab(['fidelity', '--kernels', ',', '--db', db])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--kernels needs at least one/)
    })
    expect(swaplab(['fidelity', '--frobnicate', '--db', db])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown option --frobnicate/)
    })
    expect(swaplab(['help', 'fidelity']).stdout).toMatch(/thp-small +thp_swap_allocator_test -s/)
  }, 300_000)
})
