// The `swaplab` CLI as a separate process (main/cli.ts through tsx), for tests that need a
// real process: exit codes, signals, kill -9, several writers on one database.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import type { FakeEngineOptions } from './fakeEngine'

const ROOT = path.join(__dirname, '..', '..', '..')
const CLI = path.join(ROOT, 'main', 'cli.ts')
export const FAKE_ENGINE = path.join(ROOT, 'main', 'lab', 'testing', 'fakeEngine.ts')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliProcess {
  child: ChildProcess
  done: Promise<CliResult>
  /** What the process has written so far. */
  output(): { stdout: string; stderr: string }
}

export interface CliOptions {
  /** The fake engine and its options, or null for the real engine. */
  fake?: FakeEngineOptions | null
  deviceDir?: string
  env?: NodeJS.ProcessEnv
}

export function startCli(args: string[], o: CliOptions = {}): CliProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env }
  delete env.SWAPLAB_DB
  if (o.deviceDir) env.SWAPLAB_DEVICE_DIR = o.deviceDir
  const fake = o.fake === undefined ? { steps: 5, stepMs: 2 } : o.fake
  if (fake) Object.assign(env, { SWAPLAB_ENGINE_MODULE: FAKE_ENGINE, SWAPLAB_ENGINE_OPTIONS: JSON.stringify(fake) })
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, done, output: () => ({ stdout, stderr }) }
}

export const swaplab = (args: string[], o: CliOptions = {}): Promise<CliResult> => startCli(args, o).done

/**
 * Mounts a tmpfs of `bytes` at a new folder under `parent` (root only). Returns the folder and
 * how to unmount it, or null with the reason when mounting is not permitted here.
 */
export function mountTmpfs(parent: string, bytes: number): { dir: string; unmount(): void } | { skip: string } {
  const dir = fs.mkdtempSync(path.join(parent, 'tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (e) {
    fs.rmdirSync(dir)
    return { skip: `cannot mount a tmpfs (${(e as Error).message.split('\n')[0]}); run the tests as root to include this case` }
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' })
      fs.rmdirSync(dir)
    }
  }
}

/** Fills the file system of `dir` with a filler file until at most `leave` bytes are free. */
export function fillDisk(dir: string, leave = 0): string {
  const filler = path.join(dir, 'filler.bin')
  const fd = fs.openSync(filler, 'a')
  const chunk = Buffer.alloc(4096, 0x5a)
  try {
    for (;;) {
      const s = fs.statfsSync(dir)
      if (Number(s.bavail) * Number(s.bsize) <= leave) break
      fs.writeSync(fd, chunk)
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e
  } finally {
    fs.closeSync(fd)
  }
  return filler
}
