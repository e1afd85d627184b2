import { describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { findRendererDir, parseServeArgs } from './serve'

describe('swaplab serve', () => {
  it('parses its options and names a bad one', () => {
    expect(parseServeArgs([])).toEqual({ port: 0, help: false })
    expect(parseServeArgs(['--port', '8123', '--db', 'x.db'])).toEqual({ port: 8123, db: resolve('x.db'), help: false })
    expect(parseServeArgs(['--port=0'])).toEqual({ port: 0, help: false })
    expect(() => parseServeArgs(['--port', '99999'])).toThrow(/--port must be an integer from 0 to 65535/)
    expect(() => parseServeArgs(['--db'])).toThrow(/--db needs a value/)
    expect(() => parseServeArgs(['--host', '0.0.0.0'])).toThrow(/unknown argument --host/)
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
