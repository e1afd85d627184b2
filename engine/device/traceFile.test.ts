// Trace files stream line by line, plain or gzip, and a damaged .gz says so.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openTrace } from './traceFile'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-trace-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const LINES = Array.from({ length: 200_000 }, (_, i) => `1,${(i * 7919) % 100_003},${i % 3 === 0 ? 1 : 0}`)

it('streams every line of a large gzip trace in order, over several passes', () => {
  const file = path.join(dir, 't.csv.gz')
  fs.writeFileSync(file, gzipSync(LINES.join('\n') + '\n'))
  const t = openTrace(file)
  for (let pass = 0; pass < 2; pass++) {
    const got = [...t.lines()]
    expect(got.length).toBe(LINES.length)
    expect(got[0]).toBe(LINES[0])
    expect(got[123_456]).toBe(LINES[123_456])
    expect(got.at(-1)).toBe(LINES.at(-1))
    expect(t.bytesRead).toBe(fs.statSync(file).size)
  }
})

it('reports a corrupt or truncated gzip trace as such', () => {
  const good = gzipSync(LINES.join('\n'))
  const bad = Buffer.from(good)
  for (let i = 100; i < 140; i++) bad[i] ^= 0xa5
  fs.writeFileSync(path.join(dir, 'bad.csv.gz'), bad)
  fs.writeFileSync(path.join(dir, 'cut.csv.gz'), good.subarray(0, good.length >> 1))
  expect(() => [...openTrace(path.join(dir, 'bad.csv.gz')).lines()]).toThrow(/corrupt gzip trace/)
  expect(() => [...openTrace(path.join(dir, 'cut.csv.gz')).lines()]).toThrow(/corrupt gzip trace/)
})
