// The command line's one option list per command: help lists every option it parses, every
// command refuses an unknown flag or a missing value in one line naming it (exit 2), and
// repeated flags accumulate.

import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { validateExperiment } from '../../experiments/schema'
import { DESIGN_CATALOGUE, WORKLOAD_CATALOGUE } from '../../engine/pure'
import { TOP_FIELDS } from '../../experiments/fields'
import { kebab } from './args'
import { buildProgram, runCli, type CliIo } from './commands'
import { experimentFromArgs, parseRunArgs } from './experimentFlags'

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

/** Every command and subcommand of the program, with its words (['kernels', 'fetch']). */
function allCommands(): { words: string[]; cmd: Command }[] {
  const program = buildProgram({ io: io(), exitCode: 0 })
  const out: { words: string[]; cmd: Command }[] = []
  const walk = (cmd: Command, words: string[]): void => {
    for (const sub of cmd.commands) {
      out.push({ words: [...words, sub.name()], cmd: sub })
      walk(sub, [...words, sub.name()])
    }
  }
  walk(program, [])
  return out
}

/** Operands a command needs before its options are looked at (show <id>, kernels fetch <version>). */
const operands = (cmd: Command): string[] => cmd.registeredArguments.filter((a) => a.required).map(() => '1')

describe('help comes from the option list', () => {
  const commands = allCommands().filter(({ words }) => !['help', 'version'].includes(words[0]))

  it('covers every command the docs promise', () => {
    const names = commands.map(({ words }) => words.join(' '))
    for (const c of [
      'run',
      'list',
      'show',
      'compare',
      'export',
      'import',
      'delete',
      'presets',
      'calibrate',
      'serve',
      'kernels list',
      'kernels fetch',
      'kernels remove'
    ])
      expect(names).toContain(c)
  })

  it('lists every option of every command, in `swaplab <command> --help` and `swaplab help <command>`', async () => {
    for (const { words, cmd } of commands) {
      const viaFlag = io()
      expect(await runCli([...words, '--help'], viaFlag)).toBe(0)
      const viaHelp = io()
      expect(await runCli(['help', ...words], viaHelp)).toBe(0)
      expect(viaHelp.out).toBe(viaFlag.out)
      expect(viaFlag.out).toMatch(new RegExp(`^Usage: swaplab ${words.join(' ')} `))
      for (const o of cmd.options) expect(viaFlag.out, `${words.join(' ')} --help lists ${o.long}`).toContain(`${o.long} `)
    }
  })

  it('gives run a flag, and a help line, for every design option, workload parameter and experiment field', async () => {
    const x = io()
    await runCli(['help', 'run'], x)
    const flags = [
      ...DESIGN_CATALOGUE.flatMap((d) => d.options.map((o) => o.key)),
      ...WORKLOAD_CATALOGUE.flatMap((w) => w.params.map((p) => p.key)),
      ...Object.keys(TOP_FIELDS)
    ].map((k) => `--${kebab(k)}`)
    for (const f of [...flags, '--design', '--sweep', '--set', '--param', '--memory-limit', '--device-size', '--json', '--quiet', '--db'])
      expect(x.out).toMatch(new RegExp(`^  ${f} `, 'm'))
  })

  it('lists every command in swaplab help, and swaplab alone prints it too', async () => {
    const a = io()
    expect(await runCli([], a)).toBe(0)
    const b = io()
    expect(await runCli(['help'], b)).toBe(0)
    expect(a.out).toBe(b.out)
    for (const name of ['run', 'list', 'show', 'compare', 'export', 'import', 'delete', 'presets', 'calibrate', 'kernels', 'serve'])
      expect(a.out).toMatch(new RegExp(`^  ${name}\\b`, 'm'))
  })
})

describe('bad words are refused in one line naming them, exit 2', () => {
  const commands = allCommands().filter(({ words }) => words[0] !== 'version')

  it('an unknown flag, on every command', async () => {
    for (const { words, cmd } of commands) {
      const x = io()
      expect(await runCli([...words, ...operands(cmd), '--bogus-flag'], x), words.join(' ')).toBe(2)
      expect(x.err).toMatch(/^swaplab: unknown option --bogus-flag\b.*\n$/)
      expect(x.out).toBe('')
    }
  })

  it('a flag that needs a value given none, or given another flag instead, on every command', async () => {
    for (const { words, cmd } of commands)
      for (const o of cmd.options.filter((o) => o.required)) {
        for (const tail of [[o.long!], [o.long!, '--json']]) {
          const x = io()
          expect(await runCli([...words, ...operands(cmd), ...tail], x), `${words.join(' ')} ${tail.join(' ')}`).toBe(2)
          expect(x.err.split('\n')[0]).toBe(`swaplab: ${o.long} needs a value`)
        }
      }
  })

  it('an unknown command, a stray argument, a value given to a flag that takes none', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], 'swaplab: unknown command "frobnicate"; expected one of run, list, show'],
      [['help', 'frobnicate'], 'swaplab: unknown command "frobnicate"'],
      [['run', 'quick'], 'swaplab: unexpected argument "quick"; run takes options only'],
      [['show', '1', '2'], 'swaplab: show takes one run id'],
      [['list', '--json=yes'], 'swaplab: --json takes no value; got "--json=yes"'],
      [['run', '--random=maybe'], 'swaplab: --random takes no value, or true or false; got "maybe"']
    ]
    for (const [argv, message] of cases) {
      const x = io()
      expect(await runCli(argv, x), argv.join(' ')).toBe(2)
      expect(x.err.startsWith(message), `${x.err} starts with ${message}`).toBe(true)
      expect(x.err.trim().split('\n')).toHaveLength(1)
    }
  })
})

describe('run flags', () => {
  it('accumulate when repeated: --design, --sweep, --set, --param', () => {
    const args = parseRunArgs([
      '--design',
      'legacy',
      '--design',
      'swap-table:phase=2',
      '--design',
      'vswap',
      '--workload',
      'usemem',
      '--sweep',
      'workload.params.tasks=1,2',
      '--sweep=cpus=1,4',
      '--set',
      'devices.0.preset=zram',
      '--set',
      'devices.1.preset=nvme',
      '--param',
      'passes=2',
      '--param',
      'random=true',
      '--trials',
      '1',
      '--trials',
      '3'
    ])
    expect(args.options.get('design')).toEqual(['legacy', 'swap-table:phase=2', 'vswap'])
    const c = experimentFromArgs(args) as Record<string, unknown>
    expect(c.designs).toEqual([
      { design: 'legacy', options: {} },
      { design: 'swap-table', options: { phase: 2 } },
      { design: 'vswap', options: {} }
    ])
    expect(c.sweep).toEqual({
      mode: 'grid',
      axes: [
        { path: 'workload.params.tasks', values: [1, 2] },
        { path: 'cpus', values: [1, 4] }
      ]
    })
    expect(c.devices).toEqual([{ preset: 'zram' }, { preset: 'nvme' }])
    expect(c.workload).toEqual({ name: 'usemem', params: { passes: 2, random: true } })
    // A flag that is not repeatable: the last one wins.
    expect(c.trials).toBe(3)
  })

  it('read sizes with units and let a flag turn off what a preset turned on', () => {
    const r = validateExperiment(
      experimentFromArgs(
        parseRunArgs(['--preset', 'quick', '--size-bytes', '96MiB', '--memory-limit=48MiB', '--random=false', '--device-size', '256MiB'])
      )
    )
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.workload.params).toMatchObject({ sizeBytes: 96 * 2 ** 20, random: false })
    expect(r.config.memoryLimitBytes).toBe(48 * 2 ** 20)
    expect(experimentFromArgs(parseRunArgs(['--preset', 'quick', '--random'])).workload).toMatchObject({ params: { random: true } })
  })
})
