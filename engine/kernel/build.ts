// Builds the lab's own static C programs (engine/kernel/programs/*.c) with the system `cc`
// on first use, into a cache folder keyed by a hash of the sources, the flags and the
// compiler's version: a changed source or compiler gives a new binary, an unchanged one is
// reused. The binaries are static so they run both on the host and inside the lab's
// minimal initramfs (no shared libraries there).
//
// Where the sources are found: engine/kernel/programs is located by walking up from this
// module to the package root (the TypeScript source under tsx/vitest, or a bundled chunk
// in out/main/ after electron-vite, whose package root is the same checkout), then from the
// current directory. SWAPLAB_PROGRAMS overrides it with a folder holding the .c files.

import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

export type ProgramName = 'usemem' | 'thp_swap_allocator_test' | 'init'

export const CC_FLAGS = ['-static', '-O2', '-Wall'] as const
const PROGRAMS_DIR = path.join('engine', 'kernel', 'programs')
const INSTALL_HINT =
  'install a C compiler and the static C library: `apt-get install gcc libc6-dev` (Debian/Ubuntu) or `dnf install gcc glibc-static` (Fedora)'

/**
 * The lab's cache folder (built programs, kernel images, host-run state):
 * $SWAPLAB_CACHE, else $XDG_CACHE_HOME/swaplab, else ~/.cache/swaplab.
 */
export function labCacheDir(): string {
  if (process.env.SWAPLAB_CACHE) return path.resolve(process.env.SWAPLAB_CACHE)
  const xdg = process.env.XDG_CACHE_HOME
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'swaplab')
}

/** The folder holding the programs' C sources (see the header comment for how it is found). */
export function programsDir(): string {
  const env = process.env.SWAPLAB_PROGRAMS
  if (env) {
    if (!fs.existsSync(path.join(env, 'swaplab.h'))) throw new Error(`SWAPLAB_PROGRAMS=${env} holds no swaplab.h: not the programs folder`)
    return path.resolve(env)
  }
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const cand = path.join(dir, PROGRAMS_DIR)
      if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(cand, 'swaplab.h'))) return cand
      if (path.dirname(dir) === dir) break
    }
  }
  throw new Error(
    `the workload programs' sources (${PROGRAMS_DIR}) were not found above ${__dirname} or ${process.cwd()}; set SWAPLAB_PROGRAMS`
  )
}

interface Exec {
  code: number | null
  stdout: string
  stderr: string
  error?: NodeJS.ErrnoException
}

function run(cmd: string, args: string[], cwd?: string): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, maxBuffer: 4 << 20, env: process.env }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { code?: number | string }) | null
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        error: err && typeof err.code === 'string' ? err : undefined
      })
    })
  })
}

/** The first line of `cc --version`; throws a clear message when there is no `cc`. */
async function compilerVersion(): Promise<string> {
  const r = await run('cc', ['--version'])
  if (r.error?.code === 'ENOENT') throw new Error(`no C compiler: \`cc\` is not on the PATH; ${INSTALL_HINT}`)
  if (r.error || r.code !== 0)
    throw new Error(`the C compiler \`cc --version\` failed (${r.error?.message ?? r.stderr.trim()}); ${INSTALL_HINT}`)
  return r.stdout.split('\n')[0].trim()
}

/** Bytes of the sources a program depends on: its .c and every header of the folder. */
function sourceKey(dir: string, name: ProgramName): { src: string; hash: ReturnType<typeof createHash> } {
  const src = path.join(dir, `${name}.c`)
  if (!fs.existsSync(src)) throw new Error(`workload program source ${src} does not exist`)
  const hash = createHash('sha256')
  hash.update(`${name}\0`)
  hash.update(fs.readFileSync(src))
  for (const h of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.h'))
    .sort()) {
    hash.update(`\0${h}\0`)
    hash.update(fs.readFileSync(path.join(dir, h)))
  }
  return { src, hash }
}

const building = new Map<string, Promise<string>>()

/**
 * Compiles engine/kernel/programs/<name>.c with `cc -static -O2 -Wall` into
 * <labCacheDir()>/programs/<name>-<hash>, or reuses the binary already there, and returns its path.
 * Concurrent callers (and processes) are safe: the binary is written under a temporary name
 * and renamed into place.
 */
export async function buildProgram(name: ProgramName): Promise<string> {
  const dir = programsDir()
  const { src, hash } = sourceKey(dir, name)
  const cc = await compilerVersion()
  hash.update(`\0${CC_FLAGS.join(' ')}\0${cc}`)
  const outDir = path.join(labCacheDir(), 'programs')
  const out = path.join(outDir, `${name}-${hash.digest('hex').slice(0, 16)}`)
  if (isExecutable(out)) return out
  let p = building.get(out)
  if (!p) {
    p = compile(src, dir, outDir, out).finally(() => building.delete(out))
    building.set(out, p)
  }
  return p
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

async function compile(src: string, dir: string, outDir: string, out: string): Promise<string> {
  try {
    fs.mkdirSync(outDir, { recursive: true })
  } catch (e) {
    throw new Error(`cannot create the program cache ${outDir}: ${(e as Error).message} (set SWAPLAB_CACHE to a writable folder)`, {
      cause: e
    })
  }
  const tmp = `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const r = await run('cc', [...CC_FLAGS, '-I', dir, '-o', tmp, src])
  if (r.error || r.code !== 0) {
    fs.rmSync(tmp, { force: true })
    if (r.error?.code === 'ENOENT') throw new Error(`no C compiler: \`cc\` is not on the PATH; ${INSTALL_HINT}`)
    const err = r.stderr.trim()
    const missingStaticLibc = /cannot find -lc\b|cannot find -lpthread|crt1\.o|crti\.o/.test(err)
    const missingHeaders = /fatal error: [\w/.]+\.h: No such file/.test(err)
    const hint =
      missingStaticLibc || missingHeaders
        ? `the static C library or its headers are missing; ${INSTALL_HINT}`
        : `fix the source or the compiler; ${INSTALL_HINT}`
    const tail = err.split('\n').slice(-12).join('\n')
    throw new Error(`building ${path.basename(src)} with \`cc ${CC_FLAGS.join(' ')}\` failed: ${hint}\n${tail}`)
  }
  fs.chmodSync(tmp, 0o755)
  fs.renameSync(tmp, out)
  return out
}
