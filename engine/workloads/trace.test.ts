// Trace replay: line parsing of both formats, streaming of the shipped (gzipped) fixtures,
// and replays on every design with the page counts the recordings hold.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EngineConfigInput } from '../config'
import { listFixtures, openTrace, resolveTraceSource } from '../device/traceFile'
import { PageAccessStream, parseCsvLine, parseLackeyLine, type LineAccess } from './traceParse'
import { designVariants, runBoth, runOnce, simulated } from './testKit'

const KiB = 1024
const MiB = 2 ** 20

/**
 * What the recordings hold, counted independently of the engine (a Python pass over the
 * uncompressed lackey output): access lines, distinct 4 KiB pages, runs of one page.
 */
const LS = { lines: 777_390, accesses: 777_365, distinctPages: 268, pageAccesses: 406_971 }
const HELLO = { accesses: 54_827, distinctPages: 569, pageAccesses: 19_165 }

const line = (): LineAccess => ({ task: -1, first: -1, last: -1, write: false })

describe('trace line parsing', () => {
  it('lackey: instruction fetches and loads read, stores and modifies write, banners are skipped', () => {
    const a = line()
    expect(parseLackeyLine('I  0401ab70,3', a)).toBe(true)
    expect(a).toEqual({ task: 0, first: 0x0401a, last: 0x0401a, write: false })
    expect(parseLackeyLine(' L 1fff000688,8', a)).toBe(true)
    expect(a).toMatchObject({ first: 0x1fff000, write: false })
    expect(parseLackeyLine(' S 04222cf8,8', a)).toBe(true)
    expect(a).toMatchObject({ first: 0x4222, write: true })
    expect(parseLackeyLine(' M 04222cf8,4', a)).toBe(true)
    expect(a.write).toBe(true)
    for (const skip of ['==26495== Lackey, an example Valgrind tool', '==1== ', '', 'garbage', ' X 1234,4', ' L ,8', ' L 12zz,8'])
      expect(parseLackeyLine(skip, a), skip).toBe(false)
  })

  it('lackey: an access across a page boundary touches both pages; 64-bit addresses stay exact', () => {
    const a = line()
    expect(parseLackeyLine(' L 00001ffc,8', a)).toBe(true)
    expect([a.first, a.last]).toEqual([1, 2])
    expect(parseLackeyLine(' L 00001ff8,8', a)).toBe(true)
    expect([a.first, a.last]).toEqual([1, 1])
    expect(parseLackeyLine(' S ffffffffff600ff8,16', a)).toBe(true)
    expect(a.first).toBe(Number(0xffffffffff600ff8n >> 12n))
    expect(a.last).toBe(a.first + 1)
  })

  it('csv: task,page,write rows with decimal or hex pages; bad rows name their line', () => {
    const a = line()
    expect(parseCsvLine('3,0x1f,1', 2, a)).toBe(true)
    expect(a).toEqual({ task: 3, first: 31, last: 31, write: true })
    expect(parseCsvLine(' 0 , 17 , 0 ', 3, a)).toBe(true)
    expect(a).toEqual({ task: 0, first: 17, last: 17, write: false })
    expect(parseCsvLine('# comment', 4, a)).toBe(false)
    expect(parseCsvLine('', 5, a)).toBe(false)
    expect(() => parseCsvLine('1,2', 6, a)).toThrow(/line 6: three fields/)
    expect(() => parseCsvLine('-1,2,0', 7, a)).toThrow(/line 7: task/)
    expect(() => parseCsvLine('1,abc,0', 8, a)).toThrow(/line 8: page/)
    expect(() => parseCsvLine('1,2,yes', 9, a)).toThrow(/line 9: write/)
  })

  it('runs of one page by one task collapse into one access that writes if any line wrote', () => {
    const s = new PageAccessStream('auto')
    const got: string[] = []
    const take = (n: number): void => {
      for (let k = 0; k < n; k++) got.push(`${s.outTask[k]}:${s.outPage[k]}:${s.outWrite[k] ? 'w' : 'r'}x${s.outCount[k]}`)
    }
    for (const l of ['task,page,write', '0,5,0', '0,5,1', '0,5,0', '1,5,0', '1,6,0', '', '1,6,0']) take(s.push(l))
    take(s.flush())
    expect(got).toEqual(['0:5:wx3', '1:5:rx1', '1:6:rx2'])
    expect(s.accessLines).toBe(6)
    expect(() => new PageAccessStream('auto').push('task,address,op')).toThrow(/header/)
  })
})

describe('trace files', () => {
  it('fixture:NAME resolves to a shipped trace; the gzip fixture streams line by line', () => {
    expect(listFixtures()).toEqual(expect.arrayContaining(['hello', 'ls']))
    const file = resolveTraceSource('fixture:ls')
    expect(file.endsWith(path.join('engine', 'workloads', 'fixtures', 'ls.lackey.gz'))).toBe(true)
    // Small enough to commit: under 1 MiB.
    expect(fs.statSync(file).size).toBeLessThan(MiB)
    const t = openTrace(file)
    let n = 0
    let banner = 0
    for (const l of t.lines()) {
      n++
      if (l.startsWith('==')) banner++
    }
    expect(n).toBe(LS.lines)
    expect(banner).toBe(LS.lines - LS.accesses)
    expect(t.bytesRead).toBe(t.sizeBytes)
    expect(() => resolveTraceSource('fixture:nope')).toThrow(/no trace fixture "nope"; shipped: hello, ls/)
    expect(() => openTrace('/nonexistent/trace.csv')).toThrow(/does not exist/)
  })
})

describe('trace replay', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-trace-'))
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const trace = (source: string, over: Partial<EngineConfigInput> = {}, repeat = 1): EngineConfigInput => ({
    workload: { name: 'trace', params: { source, repeat } },
    devices: [{ sizeBytes: 8 * MiB, preset: 'nvme' }],
    memoryLimitBytes: 512 * KiB,
    ...over
  })

  for (const v of designVariants()) {
    it(`${v.label}: replays the hello fixture, swapping under the limit, on a device file and metadata-only alike`, () => {
      const { file, meta } = runBoth(trace('fixture:hello', { design: v.design, designOptions: v.designOptions }))
      expect(simulated(meta)).toEqual(simulated(file))
      expect(file.workloadMetrics).toEqual({ ...HELLO, traceTasks: 1 })
      // 569 pages against a 128-page limit: the 2 MiB read back backwards comes from swap.
      expect(file.counters.pswpout).toBeGreaterThan(300)
      expect(file.counters.pswpin).toBeGreaterThan(300)
      expect(file.device.verifiedReads).toBe(file.device.pagesRead)
    })
  }

  it('replays ls with the page counts of the recording, and repeat replays it again', () => {
    const once = runOnce(trace('fixture:ls', { memoryLimitBytes: 256 * KiB }))
    expect(once.workloadMetrics).toEqual({
      accesses: LS.accesses,
      pageAccesses: LS.pageAccesses,
      distinctPages: LS.distinctPages,
      traceTasks: 1
    })
    expect(once.operations).toBe(LS.pageAccesses)
    const twice = runOnce(trace('fixture:hello', {}, 2))
    expect(twice.workloadMetrics).toEqual({
      accesses: 2 * HELLO.accesses,
      pageAccesses: 2 * HELLO.pageAccesses,
      distinctPages: HELLO.distinctPages,
      traceTasks: 1
    })
  })

  it('replays a csv trace (plain and gzipped) with one address space per task', () => {
    const rows = ['task,page,write']
    // Task 0 writes 200 pages then reads them; task 7 writes 100 pages at far addresses.
    for (let p = 0; p < 200; p++) rows.push(`0,${p},1`)
    for (let p = 0; p < 100; p++) rows.push(`7,0x${(0x7f0000000 + p * 3).toString(16)},1`)
    for (let p = 0; p < 200; p++) rows.push(`0,${p},0`)
    const csv = path.join(dir, 'two.csv')
    fs.writeFileSync(csv, rows.join('\n') + '\n')
    fs.writeFileSync(csv + '.gz', zlib.gzipSync(fs.readFileSync(csv)))
    for (const source of [csv, csv + '.gz']) {
      const s = runOnce(trace(source, { design: 'swap-table' }), 'file')
      expect(s.workloadMetrics).toEqual({ accesses: 500, pageAccesses: 500, distinctPages: 300, traceTasks: 2 })
      expect(s.counters.pswpin).toBeGreaterThan(0)
    }
    const bad = path.join(dir, 'bad.csv')
    fs.writeFileSync(bad, 'task,page,write\n0,1,1\n0,x,1\n')
    expect(() => runOnce(trace(bad))).toThrow(/trace line 3: page/)
    const empty = path.join(dir, 'empty.lackey')
    fs.writeFileSync(empty, '==1== Lackey\n')
    expect(() => runOnce(trace(empty))).toThrow(/holds no accesses/)
  })

  it('the same trace and seed give the same simulated run', () => {
    const a = runOnce(trace('fixture:hello', { design: 'cluster' }))
    const b = runOnce(trace('fixture:hello', { design: 'cluster' }))
    expect(simulated(b)).toEqual(simulated(a))
  })
})
