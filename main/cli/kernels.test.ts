import { describe, expect, it } from 'vitest'
import { runCli, type CliIo } from './commands'

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stderrTty: false, env: {}, appVersion: 't' }
}

describe('swaplab kernels', () => {
  it('has help text of its own, also from swaplab help kernels', async () => {
    for (const argv of [['kernels'], ['kernels', '--help'], ['help', 'kernels']]) {
      const x = io()
      expect(await runCli(argv, x)).toBe(0)
      expect(x.out.join('')).toMatch(/Usage: swaplab kernels <list\|fetch\|remove>/)
    }
    const all = io()
    await runCli(['help'], all)
    expect(all.out.join('')).toMatch(/kernels +list\|fetch\|remove/)
  })

  it('refuses an unknown subcommand and a fetch or remove without one version, as bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['kernels', 'boot'], /unknown kernels command "boot"; expected list, fetch or remove/],
      [['kernels', 'fetch'], /takes one version, e.g. swaplab kernels fetch 6.12/],
      [['kernels', 'remove', 'a', 'b'], /takes one version/],
      [['kernels', 'list', '--bogus'], /unknown option --bogus/]
    ]
    for (const [argv, message] of cases) {
      const x = io()
      expect(await runCli(argv, x)).toBe(2)
      expect(x.err.join('')).toMatch(message)
    }
  })

  it('says which kernel runs the run flags take', async () => {
    const x = io()
    await runCli(['help', 'run'], x)
    expect(x.out.join('')).toMatch(/kernel:image=host/)
    expect(x.out.join('')).toMatch(/kernel:image=\/path\/to\/bzImage\[,modules=DIR\]/)
  })
})

describe('compare tables with kernel runs', () => {
  it('name the release beside the variant, show – where a run did not measure, and state each caveat once', async () => {
    const { compareTable } = await import('./commands')
    const stats = (mean: number) => ({
      n: 1,
      mean,
      stddev: 0,
      median: mean,
      min: mean,
      max: mean,
      ci95Low: mean,
      ci95High: mean,
      identical: true
    })
    const vm = {
      release: '6.12.117+deb13-cloud-amd64',
      where: 'vm' as const,
      accel: 'tcg' as const,
      timingsAreKernel: false,
      countersSystemWide: false,
      pairedDesign: 'cluster'
    }
    const text = compareTable(
      {
        groups: [
          {
            key: '1/kernel debian-6.12/random=false',
            experimentId: 1,
            experimentName: 'e',
            variantLabel: 'kernel debian-6.12',
            point: { 'workload.params.random': false },
            runIds: [1],
            metrics: { pswpout: stats(12576) },
            kernel: vm
          },
          {
            key: '1/kernel debian-6.12/random=true',
            experimentId: 1,
            experimentName: 'e',
            variantLabel: 'kernel debian-6.12',
            point: { 'workload.params.random': true },
            runIds: [2],
            metrics: { pswpout: stats(3958) },
            kernel: vm
          },
          {
            key: '1/cluster',
            experimentId: 1,
            experimentName: 'e',
            variantLabel: 'cluster',
            point: {},
            runIds: [3],
            metrics: { pswpout: stats(12288), sim_time_s: stats(0.04) },
            kernel: null
          }
        ],
        baseline: { variant: 'cluster', runId: null, chosen: true, kernel: false },
        baselineKeys: ['1/cluster'],
        baselineKey: '1/cluster',
        deltas: {},
        significance: {},
        sweep: [],
        configs: {}
      },
      ['pswpout', 'sim_time_s']
    )
    expect(text).toMatch(/kernel debian-6\.12 random=false \[6\.12\.117\+deb13-cloud-amd64 · VM · TCG\]/)
    expect(text.split('\n').find((l) => l.startsWith('sim_time_s'))).toMatch(/^sim_time_s\s+-\s+-\s+0\.04$/)
    expect(text.match(/kernel debian-6\.12: wall times are emulation/g)).toHaveLength(1)
  })
})
