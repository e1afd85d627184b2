// Issue 12 at the command line: export never writes over a database or an existing file
// unasked, unusable paths get one line and exit 2 with nothing created beside them, and
// nonsense values are named and refused instead of silently accepted.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../lab/store'
import { tempDir } from '../lab/testing/fixtures'
import { mountTmpfs, swaplab, type CliResult } from '../lab/testing/cliProcess'

let dir: string
let db: string
let devices: string
const usemem = [
  '--workload',
  'usemem',
  '--tasks',
  '2',
  '--size-bytes',
  '8MiB',
  '--passes',
  '1',
  '--memory-limit',
  '4MiB',
  '--device-size',
  '64MiB'
]

const cli = (args: string[]): Promise<CliResult> => swaplab(args, { deviceDir: devices })
const runCount = (file = db): number => {
  const s = RunStore.open(file)
  try {
    return s.listRuns().length
  } finally {
    s.close()
  }
}
/** One line on stderr, no stack trace. */
const oneLine = (r: CliResult): void => {
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr).not.toMatch(/\n\s+at /)
}

beforeAll(async () => {
  dir = tempDir()
  db = path.join(dir, 'lab.db')
  devices = path.join(dir, 'devices')
  const r = await cli(['run', '--design', 'legacy', '--design', 'cluster', ...usemem, '--quiet', '--db', db])
  expect(r.code, r.stderr).toBe(0)
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('issue 12 item 1: export --out never overwrites the database, an SQLite file or (without --force) any file', () => {
  it('refuses to write the CSV or JSON export over the run database', async () => {
    const before = fs.readFileSync(db)
    for (const format of ['csv', 'json']) {
      const r = await cli(['export', '1', '--format', format, '--out', db, '--db', db])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(db)
      expect(r.stderr).toMatch(/SQLite database/)
      oneLine(r)
    }
    expect(fs.readFileSync(db).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0')
    expect(fs.readFileSync(db).length).toBe(before.length)
    expect(runCount()).toBe(2)
  })

  it('refuses any SQLite file by its header, whatever its name, even with --force', async () => {
    const other = path.join(dir, 'results.txt')
    fs.copyFileSync(db, other)
    const r = await cli(['export', '1', '--format', 'json', '--out', other, '--force', '--db', db])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/results\.txt.*SQLite database/)
    expect(fs.readFileSync(other).subarray(0, 15).toString('latin1')).toBe('SQLite format 3')
    expect(runCount(other)).toBe(2)
  })

  it('refuses to overwrite an existing file unless --force, and then replaces it whole', async () => {
    const out = path.join(dir, 'runs.json')
    fs.writeFileSync(out, 'keep me')
    const r = await cli(['export', '1', '--format', 'json', '--out', out, '--db', db])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/runs\.json: already exists.*--force/)
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me')
    const forced = await cli(['export', '1', '--format', 'json', '--out', out, '--force', '--db', db])
    expect(forced.code, forced.stderr).toBe(0)
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).runs).toHaveLength(1)
    // The samples file of a CSV export is checked the same way, before anything is written.
    const csv = path.join(dir, 'runs.csv')
    fs.writeFileSync(path.join(dir, 'runs-samples.csv'), 'keep me too')
    const r2 = await cli(['export', '1', '--format', 'csv', '--out', csv, '--db', db])
    expect(r2.code, r2.stderr).toBe(2)
    expect(r2.stderr).toMatch(/runs-samples\.csv: already exists/)
    expect(fs.existsSync(csv)).toBe(false)
    // Written through a temporary file and a rename: nothing else is left in the folder.
    expect(fs.readdirSync(dir).filter((f) => /\.tmp|~$/.test(f))).toEqual([])
  })
})

describe('issue 12 item 5: unusable paths give one line naming the path and the reason, exit 2, nothing created', () => {
  it('--db /dev/null', async () => {
    for (const f of ['/dev/null-journal', '/dev/null-wal', '/dev/null-shm']) fs.rmSync(f, { force: true })
    const r = await cli(['list', '--db', '/dev/null'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/\/dev\/null.*not a regular file/)
    oneLine(r)
    for (const f of ['/dev/null-journal', '/dev/null-wal', '/dev/null-shm']) expect(fs.existsSync(f), f).toBe(false)
  })

  it('--db on a directory', async () => {
    const r = await cli(['list', '--db', devices])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(devices)
    expect(r.stderr).toMatch(/is a directory/)
    oneLine(r)
  })

  it('--db in a read-only folder', async (ctx) => {
    const m = mountTmpfs(dir, 1 << 20)
    if ('skip' in m) return ctx.skip()
    try {
      execFileSync('mount', ['-o', 'remount,ro', m.dir])
      const file = path.join(m.dir, 'lab.db')
      const r = await cli(['list', '--db', file])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(file)
      expect(r.stderr).toMatch(/read-only/)
      oneLine(r)
      expect(fs.readdirSync(m.dir)).toEqual([])
    } finally {
      m.unmount()
    }
  })

  it('export --out to a directory or into a missing folder', async () => {
    const r = await cli(['export', '1', '--format', 'json', '--out', devices, '--db', db])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/is a directory/)
    expect(r.stderr).toContain(devices)
    oneLine(r)
    const missing = path.join(dir, 'no', 'such', 'folder', 'x.csv')
    const r2 = await cli(['export', '1', '--format', 'csv', '--out', missing, '--db', db])
    expect(r2.code, r2.stderr).toBe(2)
    expect(r2.stderr).toContain(missing)
    expect(r2.stderr).toMatch(/folder .* does not exist/)
    oneLine(r2)
    expect(fs.existsSync(path.join(dir, 'no'))).toBe(false)
  })
})

describe('issue 12 item 6: --set refuses __proto__, constructor and prototype', () => {
  it('names the segment and exits 2 without a stack trace', async () => {
    for (const p of ['__proto__.polluted=1', 'constructor.prototype.polluted=1', 'workload.params.__proto__=1']) {
      const r = await cli(['run', '--design', 'legacy', ...usemem, '--set', p, '--db', db])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(/(__proto__|constructor|prototype).*not allowed/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})

describe('issue 12 item 7: nonsense is named and refused with exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['list --experiment abc', ['list', '--experiment', 'abc'], /--experiment.*"abc"/],
    ['list --experiment -1', ['list', '--experiment', '-1'], /--experiment.*"-1"/],
    ['list --status bogus', ['list', '--status', 'bogus'], /--status.*"bogus".*queued, running, done/],
    ['list --design bogus', ['list', '--design', 'bogus'], /--design.*"bogus"/],
    ['delete 424242', ['delete', '424242'], /run 424242 does not exist/],
    ['delete 1 424242', ['delete', '1', '424242'], /run 424242 does not exist/]
  ]
  for (const [what, args, message] of cases)
    it(what, async () => {
      const r = await cli([...args, '--db', db])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(runCount()).toBe(2)
    })
})
