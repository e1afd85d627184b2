import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { buildProgram, labCacheDir, programsDir } from './build'

const saved = { cache: process.env.SWAPLAB_CACHE, programs: process.env.SWAPLAB_PROGRAMS, path: process.env.PATH }
let tmp = ''
const hasCc = (() => {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
if (!hasCc) console.log('build.test: no `cc` on this machine: the compile tests are skipped (apt-get install gcc libc6-dev)')

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-buildtest-'))
  process.env.SWAPLAB_CACHE = path.join(tmp, 'cache')
})
afterAll(() => {
  for (const [k, v] of [
    ['SWAPLAB_CACHE', saved.cache],
    ['SWAPLAB_PROGRAMS', saved.programs],
    ['PATH', saved.path]
  ] as const)
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe('buildProgram', () => {
  it('finds the sources from the TypeScript module and honours SWAPLAB_CACHE', () => {
    expect(fs.existsSync(path.join(programsDir(), 'usemem.c'))).toBe(true)
    expect(labCacheDir()).toBe(path.join(tmp, 'cache'))
  })

  it.skipIf(!hasCc)('compiles a static binary into the cache, and reuses it', async () => {
    const bin = await buildProgram('usemem')
    expect(path.dirname(bin)).toBe(path.join(tmp, 'cache', 'programs'))
    expect(path.basename(bin)).toMatch(/^usemem-[0-9a-f]{16}$/)
    // static: an ELF without a program interpreter (no ld-linux to load shared libraries)
    const elf = fs.readFileSync(bin)
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    const phoff = Number(elf.readBigUInt64LE(0x20))
    const types = Array.from({ length: elf.readUInt16LE(0x38) }, (_, i) => elf.readUInt32LE(phoff + i * elf.readUInt16LE(0x36)))
    expect(types).toContain(1) // PT_LOAD
    expect(types).not.toContain(3) // PT_INTERP
    const mtime = fs.statSync(bin).mtimeMs
    expect(await buildProgram('usemem')).toBe(bin)
    expect(fs.statSync(bin).mtimeMs).toBe(mtime)
    // it runs and speaks the protocol
    const out = execFileSync(bin, ['--size', '64k', '--passes', '2']).toString()
    expect(out).toMatch(/^SWAPLAB start program=usemem/m)
    expect(out).toMatch(/^SWAPLAB result .*verified_pages=16 /m)
  })

  it.skipIf(!hasCc)('builds anew when a source changes, and reports a compile error with its text', async () => {
    const src = path.join(tmp, 'programs')
    fs.cpSync(programsDir(), src, { recursive: true })
    process.env.SWAPLAB_PROGRAMS = src
    try {
      const a = await buildProgram('usemem')
      fs.appendFileSync(path.join(src, 'swaplab.h'), '\n/* changed */\n')
      const b = await buildProgram('usemem')
      expect(b).not.toBe(a)
      fs.appendFileSync(path.join(src, 'usemem.c'), '\nthis is not C;\n')
      await expect(buildProgram('usemem')).rejects.toThrow(/building usemem.c with `cc -static -O2 -Wall` failed: .*\n.*error/s)
      expect(fs.readdirSync(path.join(tmp, 'cache', 'programs')).filter((f) => f.includes('.tmp-'))).toEqual([])
    } finally {
      delete process.env.SWAPLAB_PROGRAMS
    }
  })

  it('says what to install when there is no cc on the PATH', async () => {
    process.env.PATH = path.join(tmp, 'empty-bin')
    try {
      await expect(buildProgram('thp_swap_allocator_test')).rejects.toThrow(
        /no C compiler: `cc` is not on the PATH; .*apt-get install gcc libc6-dev/
      )
    } finally {
      process.env.PATH = saved.path
    }
  })

  it('rejects a programs folder that is not one', () => {
    process.env.SWAPLAB_PROGRAMS = tmp
    try {
      expect(() => programsDir()).toThrow(/holds no swaplab.h/)
    } finally {
      delete process.env.SWAPLAB_PROGRAMS
    }
  })
})

describe('the programs themselves', () => {
  it.skipIf(!hasCc)('usemem fails loudly on a corrupt page and on bad arguments', async () => {
    const bin = await buildProgram('usemem')
    const run = (args: string[]): { code: number; out: string } => {
      try {
        return { code: 0, out: execFileSync(bin, args).toString() }
      } catch (e) {
        const err = e as { status: number; stdout: Buffer }
        return { code: err.status, out: err.stdout.toString() }
      }
    }
    const bad = run(['--size', '64k', '--passes', '2', '--corrupt-page', '5'])
    expect(bad.code).toBe(5)
    expect(bad.out).toMatch(/^SWAPLAB error what=corruption task=0 page=5 expected_gen=1 .*msg=checksum%20mismatch$/m)
    expect(bad.out).not.toMatch(/SWAPLAB result/)
    const usage = run(['--tasks', '0'])
    expect(usage.code).toBe(2)
    expect(usage.out).toMatch(/what=usage/)
    // random, several tasks, reads and writes: every read-back verified, no error
    const ok = run(['--tasks', '3', '--size', '256k', '--passes', '3', '--random', '--write-ratio', '0.5', '--seed', '4'])
    expect(ok.code).toBe(0)
    expect(ok.out.match(/^SWAPLAB task /gm)).toHaveLength(3)
  })

  it.skipIf(!hasCc)('thp_swap_allocator_test checks its arguments', async () => {
    const bin = await buildProgram('thp_swap_allocator_test')
    let out = ''
    let code = 0
    try {
      execFileSync(bin, ['--order', '12'])
    } catch (e) {
      code = (e as { status: number }).status
      out = (e as { stdout: Buffer }).stdout.toString()
    }
    expect(code).toBe(2)
    expect(out).toMatch(/what=usage .*--order%20must%20be%201..9/)
  })
})
