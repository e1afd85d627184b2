import { describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { findRendererDir, type ServeOptions } from './serve'
import { buildProgram, runCli, serveOptions } from './cli/commands'
import { parsedArgs } from './cli/args'
import type { CliContext } from './cli/program'

describe('swaplab serve', () => {
  it('parses its options and names a bad one', async () => {
    // The real option list of `swaplab serve`, its action replaced so nothing is served.
    const parse = (argv: string[]): ServeOptions => {
      const cli: CliContext = { io: { stdout: () => {}, stderr: () => {}, stderrTty: false, env: {}, appVersion: 't' }, exitCode: 0 }
      const program = buildProgram(cli)
      const serve = program.commands.find((c) => c.name() === 'serve')!
      let options: ServeOptions | undefined
      serve.action(() => void (options = serveOptions(parsedArgs(serve))))
      program.parse(['serve', ...argv], { from: 'user' })
      return options!
    }
    expect(parse([])).toEqual({ port: 0 })
    expect(parse(['--port', '8123', '--db', 'x.db'])).toEqual({ port: 8123, db: resolve('x.db') })
    expect(parse(['--port=0'])).toEqual({ port: 0 })
    const refused = async (argv: string[]): Promise<string> => {
      let err = ''
      const code = await runCli(['serve', ...argv], {
        stdout: () => {},
        stderr: (t) => void (err += t),
        stderrTty: false,
        env: {},
        appVersion: 't'
      })
      expect(code).toBe(2)
      return err
    }
    expect(await refused(['--port', '99999'])).toMatch(/--port must be an integer from 0 to 65535/)
    expect(await refused(['--db'])).toMatch(/--db needs a value/)
    expect(await refused(['--host', '0.0.0.0'])).toMatch(/unknown option --host/)
  })

  it('finds the built renderer beside the bundled CLI, not the source folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'swaplab-serve-'))
    mkdirSync(join(root, 'renderer'))
    writeFileSync(join(root, 'renderer', 'index.html'), '<script src="./src/main.ts"></script>')
    mkdirSync(join(root, 'out', 'main'), { recursive: true })
    expect(findRendererDir(join(root, 'main'))).toBeNull()
    mkdirSync(join(root, 'out', 'renderer', 'assets'), { recursive: true })
    writeFileSync(join(root, 'out', 'renderer', 'index.html'), '')
    expect(findRendererDir(join(root, 'out', 'main'))).toBe(join(root, 'out', 'renderer'))
    expect(findRendererDir(join(root, 'out', 'main', 'chunks'))).toBe(join(root, 'out', 'renderer'))
    expect(findRendererDir(join(root, 'main'))).toBe(join(root, 'out', 'renderer'))
    rmSync(root, { recursive: true, force: true })
  })
})
