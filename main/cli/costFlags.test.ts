// `swaplab run --cost-profile` and `--sensitivity*`: flags to config, and a run with the
// shipped host profile.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { describe, expect, it, onTestFinished } from 'vitest'
import { validateExperiment } from '../../experiments/schema'
import { experimentFromArgs, parseRunArgs } from './experimentFlags'
import { tempDir } from '../lab/testing/fixtures'

const build = (argv: string[]): Record<string, unknown> => experimentFromArgs(parseRunArgs(argv))
const base = ['--design', 'legacy', '--workload', 'usemem', '--tasks', '1', '--size-bytes', '8MiB', '--memory-limit', '4MiB']

describe('cost flags', () => {
  it('--cost-profile sets costProfile; --sensitivity and its groups and factors set sensitivity', () => {
    expect(build([...base, '--cost-profile', '/tmp/p.json']).costProfile).toBe('/tmp/p.json')
    expect(build([...base, '--sensitivity']).sensitivity).toBe(true)
    expect(build([...base, '--sensitivity-groups', 'device,lock', '--sensitivity-factors', '0.25,4']).sensitivity).toEqual({
      groups: ['device', 'lock'],
      factors: [0.25, 4]
    })
    const r = validateExperiment(build([...base, '--sensitivity-factors', '3']))
    expect(r.ok && r.config.sensitivity).toEqual({ groups: ['device', 'paths', 'metadata', 'lock'], factors: [3] })
    const bad = validateExperiment(build([...base, '--sensitivity-groups', 'disk']))
    expect(!bad.ok && bad.errors[0]).toMatchObject({ field: 'sensitivity.groups.0' })
  })

  it('swaplab run --sensitivity keeps the scaled runs out of the table and says under it whether each difference holds', () => {
    const dir = tempDir()
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const root = path.join(__dirname, '..', '..')
    const db = path.join(dir, 'x.db')
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'main', 'cli.ts'), ...args, '--db', db], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, SWAPLAB_DEVICE_DIR: path.join(dir, 'devices') }
      })
    const run = cli([
      'run',
      '--design',
      'legacy',
      '--design',
      'swap-table:phase=4',
      '--workload',
      'usemem',
      '--tasks',
      '2',
      '--size-bytes',
      '4MiB',
      '--random',
      '--memory-limit',
      '3MiB',
      '--device-size',
      '64MiB',
      '--sensitivity-groups',
      'device,lock',
      '--sensitivity-factors',
      '0.5,2',
      '--quiet'
    ])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain('experiment 1: 10 done')
    // The table has the two main groups only.
    expect(run.stdout).toMatch(/legacy \(n=1, baseline\)\s+swap-table P4 \(n=1\)/)
    expect(run.stdout).not.toMatch(/lock=2 \(n=/)
    expect(run.stdout).toContain('cost-model sensitivity')
    expect(run.stdout).toMatch(/swap-table P4 vs legacy\s+metadata_peak_bytes\s+robust \(-\d/)
    expect(run.stdout).toMatch(/swap-table P4 vs legacy\s+sim_time_s\s+(robust|depends on the cost model) \(/)
    const cmp = cli(['compare', '--metrics', 'sim_time_s,system_time_s'])
    expect(cmp.status, cmp.stderr).toBe(0)
    expect(cmp.stdout).toMatch(/swap-table P4 vs legacy\s+system_time_s\s+(robust|depends on the cost model)/)
  }, 180_000)

  it('swaplab run --cost-profile host runs with the shipped host profile and records it in the run', () => {
    const dir = tempDir()
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const root = path.join(__dirname, '..', '..')
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'main', 'cli.ts'),
        'run',
        ...base,
        '--cost-profile',
        'host',
        '--json',
        '--quiet',
        '--db',
        path.join(dir, 'x.db')
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, SWAPLAB_DEVICE_DIR: path.join(dir, 'devices') }
      }
    )
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {
      runs: { status: string; summary: { costProfile: { name: string; changed: { cost: object } } } }[]
    }
    expect(out.runs[0].status).toBe('done')
    expect(out.runs[0].summary.costProfile.name).toBe('host')
    expect(Object.keys(out.runs[0].summary.costProfile.changed.cost).length).toBeGreaterThan(0)
  }, 60_000)
})
