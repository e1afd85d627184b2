// Issue 12 item 2: a full database disk. The command exits non-zero with the reason (a JSON
// error with --json), the remaining runs are reported failed or not started with the reason,
// and `list` still reads the database on the full disk.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunStore } from '../lab/store'
import { tempDir } from '../lab/testing/fixtures'
import { fillDisk, mountTmpfs, swaplab } from '../lab/testing/cliProcess'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const runArgs = (db: string, extra: string[] = []): string[] => [
  'run',
  ...['--design', 'legacy', '--workload', 'usemem', '--tasks', '2', '--size-bytes', '8MiB', '--memory-limit', '4MiB'],
  ...['--device-size', '64MiB', '--trials', '4', '--metadata-only', '--db', db, ...extra]
]
// Enough samples to fill what little space is left while run 1 records them.
const heavy = { steps: 40, stepMs: 1, samplesPerStep: 400 }

describe('issue 12 item 2: a full database disk', () => {
  for (const json of [false, true])
    it(`exits non-zero with the reason${json ? ' (a JSON error with --json)' : ''}, reports every run, and list still reads`, async (ctx) => {
      const m = mountTmpfs(dir, 3 * 2 ** 20)
      if ('skip' in m) return ctx.skip()
      try {
        const db = path.join(m.dir, 'lab.db')
        const first = await swaplab(runArgs(db, ['--trials', '1', '--quiet']), { deviceDir: path.join(dir, 'devices') })
        expect(first.code, first.stderr).toBe(0)
        fillDisk(m.dir, 256 * 1024)
        const r = await swaplab(runArgs(db, json ? ['--json', '--quiet'] : []), { fake: heavy, deviceDir: path.join(dir, 'devices') })
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
        expect(r.stderr).toMatch(/database or disk is full/)
        if (json) {
          const out = JSON.parse(r.stdout) as { error?: string; runs?: { status: string; error: string | null }[] }
          expect(out.error).toMatch(/database or disk is full/)
          if (out.runs) for (const run of out.runs) expect(run.status === 'failed' ? run.error : 'failed').toMatch(/full|not started/)
        } else {
          expect(r.stdout).toMatch(/failed/)
          expect(r.stdout + r.stderr).toMatch(/not started/)
        }
        // The disk is still full: list reads what is there, exit 0.
        const list = await swaplab(['list', '--db', db, '--json'], { deviceDir: path.join(dir, 'devices') })
        expect(list.code, list.stderr).toBe(0)
        const runs = JSON.parse(list.stdout) as { id: number; status: string }[]
        expect(runs.length).toBeGreaterThanOrEqual(1)
        expect(runs[0].status).toBe('done')
        // With room again, nothing is left queued or running: every run is accounted for.
        fs.rmSync(path.join(m.dir, 'filler.bin'))
        const s = RunStore.open(db)
        try {
          expect(s.listRuns().filter((x) => x.status === 'queued' || x.status === 'running')).toEqual([])
        } finally {
          s.close()
        }
      } finally {
        m.unmount()
      }
    })
})
