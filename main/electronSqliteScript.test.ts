// scripts/electron-sqlite.mjs, the part that must not touch the network: with --if-missing
// and a build already in place, `npm start` goes straight on.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const script = resolve(__dirname, '..', 'scripts', 'electron-sqlite.mjs')

describe('electron-sqlite script', () => {
  it('does nothing with --if-missing when the Electron build exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swaplab-native-'))
    writeFileSync(join(dir, 'better_sqlite3.node'), 'built earlier')
    const r = spawnSync(process.execPath, [script, '--if-missing'], {
      env: { ...process.env, SWAPLAB_NATIVE_DIR: dir },
      encoding: 'utf8',
      timeout: 10_000
    })
    expect(r.status).toBe(0)
    expect(r.stdout + r.stderr).toBe('')
    rmSync(dir, { recursive: true, force: true })
  })
})
