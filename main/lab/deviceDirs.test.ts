// Issue 12 item 3: device folders. The lab removes only folders it marked as its own (a
// marker file it writes), never a user's folder that merely looks like one, and it cleans
// every folder it used, including those under a --device-dir of a run that was killed.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cleanStaleDeviceDirs } from '../../engine/device/tempDir'
import { LabService } from './service'
import { deadPid, tempDir } from './testing/fixtures'
import { startCli, swaplab } from './testing/cliProcess'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const until = async (cond: () => boolean, ms = 30_000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('issue 12 item 3: stale device folder clean-up', () => {
  it('never removes a folder without the lab marker, whatever its name', async () => {
    const base = path.join(dir, 'devices')
    const dead = deadPid()
    const users = [`swaplab-${dead}-results`, `swaplab-2024-results`, `swaplab-${dead}-abcdef`]
    for (const u of users) {
      fs.mkdirSync(path.join(base, u), { recursive: true })
      fs.writeFileSync(path.join(base, u, 'data.txt'), 'a user file')
    }
    // A folder that even has the old owner file but not the lab's marker.
    fs.writeFileSync(path.join(base, `swaplab-${dead}-abcdef`, 'owner.json'), JSON.stringify({ pid: dead }))
    expect(cleanStaleDeviceDirs(base)).toEqual([])
    // Opening the lab (what every command, list included, does) leaves them too.
    const lab = new LabService({ dbPath: path.join(dir, 'runs.db'), deviceDir: base, appVersion: '9' })
    await lab.close()
    for (const u of users) expect(fs.readFileSync(path.join(base, u, 'data.txt'), 'utf8')).toBe('a user file')
  })

  it('cleans the folders of a killed run under --device-dir at the next open, and only those', async () => {
    const db = path.join(dir, 'runs.db')
    const custom = path.join(dir, 'custom-devices')
    const other = path.join(dir, 'default-devices')
    const run = startCli(
      [
        'run',
        ...['--design', 'legacy', '--workload', 'usemem', '--tasks', '2', '--size-bytes', '8MiB', '--memory-limit', '4MiB'],
        ...['--device-size', '64MiB', '--trials', '3', '--device-dir', custom, '--db', db, '--quiet']
      ],
      { deviceDir: other, fake: { steps: 400, stepMs: 20, writeDeviceFile: true } }
    )
    await until(() => fs.existsSync(custom) && fs.readdirSync(custom).length > 0)
    const runDirs = fs.readdirSync(custom)
    await until(() => fs.readdirSync(path.join(custom, runDirs[0])).some((f) => f.endsWith('.img')) || run.child.exitCode !== null)
    run.child.kill('SIGKILL')
    await run.done
    fs.mkdirSync(path.join(custom, 'swaplab-1-mine'))
    expect(fs.readdirSync(custom).sort()).toEqual([...runDirs, 'swaplab-1-mine'].sort())
    const list = await swaplab(['list', '--db', db], { deviceDir: other })
    expect(list.code, list.stderr).toBe(0)
    expect(fs.readdirSync(custom)).toEqual(['swaplab-1-mine'])
  })
})
