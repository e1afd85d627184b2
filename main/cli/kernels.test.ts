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
