// `swaplab calibrate`: from counted or simulated records to a profile file that --cost-profile
// accepts; bad input named, exit 2.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runCli, type CliIo } from './commands'
import { runEngine, resolveEngineConfig, parseCostProfile } from '../../engine/index'
import { COST } from '../../engine/pure'
import { loadCostProfileFile } from '../lab/costProfileFile'
import { tempDir } from '../lab/testing/fixtures'

function io(): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
    stderrTty: false,
    env: {},
    appVersion: 'test'
  }
  return o
}

const MiB = 2 ** 20

describe('swaplab calibrate', () => {
  it('refuses to run without measured runs or an output, and names a bad record', async () => {
    const dir = tempDir()
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    let x = io()
    expect(await runCli(['calibrate', '--out', path.join(dir, 'p.json')], x)).toBe(2)
    expect(x.err).toContain('calibrate needs --runs FILE')
    x = io()
    const runs = path.join(dir, 'runs.json')
    fs.writeFileSync(
      runs,
      JSON.stringify([
        {
          label: 'a',
          counts: { systemNs: {}, elapsedNs: {}, systemBaseNs: 1, elapsedBaseNs: 1 },
          measured: { systemTimeNs: -1, wallTimeNs: 5 }
        }
      ])
    )
    expect(await runCli(['calibrate', '--runs', runs, '--out', path.join(dir, 'p.json')], x)).toBe(2)
    expect(x.err).toContain('runs.0 (a): measured.systemTimeNs must be a positive number of ns')
    x = io()
    expect(await runCli(['calibrate', '--runs', runs, '--out', path.join(dir, 'p.json'), '--groups', 'cpu'], x)).toBe(2)
    expect(x.err).toContain('--groups: unknown cost group "cpu"')
    expect(fs.existsSync(path.join(dir, 'p.json'))).toBe(false)
  })

  it('fits simulated runs to times measured under a known profile and writes a profile --cost-profile accepts', async () => {
    const dir = tempDir()
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const truth = { paths: 1.4, metadata: 0.7, lock: 1.8 }
    const shapes = [
      { design: 'legacy', random: false },
      { design: 'legacy', random: true },
      { design: 'cluster', random: false },
      { design: 'cluster', random: true }
    ] as const
    const records = shapes.map(({ design, random }) => {
      const config = {
        design,
        workload: { name: 'usemem' as const, params: { tasks: 1, sizeBytes: 2 * MiB, passes: 2, random } },
        memoryLimitBytes: MiB,
        devices: [{ sizeBytes: 64 * MiB, preset: 'zram' as const }],
        storage: 'metadata-only' as const,
        cpus: 1
      }
      const m = runEngine({ ...resolveEngineConfig(config), costScale: truth })
      return {
        label: `${design} ${random ? 'random' : 'sequential'}`,
        config,
        measured: { systemTimeNs: m.systemTimeNs, wallTimeNs: m.simTimeNs }
      }
    })
    const runs = path.join(dir, 'runs.json')
    fs.writeFileSync(runs, JSON.stringify(records))
    const out = path.join(dir, 'fitted.json')
    const x = io()
    expect(await runCli(['calibrate', '--runs', runs, '--out', out, '--groups', 'paths,metadata,lock', '--iterations', '1'], x)).toBe(0)
    expect(x.out).toMatch(/legacy random\s+[\d.]+/)
    expect(x.out).toMatch(/factors: device x1\.000, paths x1\.400, metadata x0\.700\d*, lock x1\.800/)
    expect(x.out).toMatch(/RMS relative error: \+[\d.]+ % before, \+0\.0 % after/)
    const profile = JSON.parse(fs.readFileSync(out, 'utf8'))
    expect(profile.cost.faultBase).toBeCloseTo(COST.faultBase * 1.4, 2)
    expect(profile.calibration.residuals).toHaveLength(4)
    expect(parseCostProfile(profile, out).name).toBe(out)
    expect('field' in loadCostProfileFile(out)).toBe(false)
  }, 120_000)
})
