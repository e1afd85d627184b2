// Trace files on disk: lines streamed in fixed-size chunks (gzip inflated on the fly), so a
// trace far larger than memory replays, and where the shipped fixtures live. The only
// part of the trace workload that touches the file system (engine rule: node:fs only in
// engine/device/).

import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'

/** Bytes read from the file per chunk; gzip inflates 10-50x, so smaller reads for .gz. */
const CHUNK_BYTES = 1 << 20
const GZ_CHUNK_BYTES = 64 << 10
const FIXTURE_DIR = path.join('engine', 'workloads', 'fixtures')

export interface TraceFile {
  readonly path: string
  /** Size on disk (compressed size for .gz). */
  readonly sizeBytes: number
  /** Bytes of the file consumed so far by the current pass (for progress). */
  readonly bytesRead: number
  /** One pass over the lines, without line ends; may be called again for another pass. */
  lines(): Generator<string, void, void>
}

/** Trace file names in the fixtures folder: NAME.FORMAT[.gz]. */
const FIXTURE_FILE = /^([\w-]+)\.(lackey|csv)(\.gz)?$/

/** `fixture:NAME` names the trace NAME.* in the fixtures folder; anything else is a path. */
export function resolveTraceSource(source: string): string {
  if (!source.startsWith('fixture:')) return path.resolve(source)
  const name = source.slice('fixture:'.length)
  const dir = fixtureDir()
  const hit = fs.readdirSync(dir).find((f) => FIXTURE_FILE.exec(f)?.[1] === name)
  if (!hit) throw new Error(`no trace fixture "${name}"; shipped: ${listFixtures().join(', ')}`)
  return path.join(dir, hit)
}

/** Names of the shipped trace fixtures. */
export function listFixtures(): string[] {
  return fs
    .readdirSync(fixtureDir())
    .map((f) => FIXTURE_FILE.exec(f)?.[1])
    .filter((n): n is string => !!n)
    .sort()
}

/**
 * The fixtures folder, found by walking up to the package root from this module (the
 * TypeScript source in tests and tsx, or a bundled chunk in out/main), then from the cwd.
 */
export function fixtureDir(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, FIXTURE_DIR))) return path.join(dir, FIXTURE_DIR)
      if (path.dirname(dir) === dir) break
    }
  }
  throw new Error(`trace fixtures folder ${FIXTURE_DIR} not found above ${__dirname}`)
}

export function openTrace(file: string): TraceFile {
  const st = fs.statSync(file, { throwIfNoEntry: false })
  if (!st?.isFile()) throw new Error(`trace ${file} ${st ? 'is not a file' : 'does not exist'}`)
  const gz = file.endsWith('.gz')
  const t = {
    path: file,
    sizeBytes: st.size,
    bytesRead: 0,
    *lines(): Generator<string, void, void> {
      t.bytesRead = 0
      const fd = fs.openSync(file, 'r')
      const inflate = gz ? new SyncGunzip() : null
      const buf = Buffer.allocUnsafe(gz ? GZ_CHUNK_BYTES : CHUNK_BYTES)
      let rest = ''
      try {
        for (;;) {
          const n = fs.readSync(fd, buf, 0, buf.length, null)
          if (n === 0) break
          t.bytesRead += n
          const data = inflate ? inflate.push(buf.subarray(0, n)) : buf.subarray(0, n)
          // Traces are ASCII; latin1 decodes any byte, so a chunk may end mid-line safely.
          const text = rest + data.toString('latin1')
          const lines = text.split('\n')
          rest = lines.pop()!
          for (const l of lines) yield l.endsWith('\r') ? l.slice(0, -1) : l
        }
        if (rest) yield rest
      } finally {
        inflate?.end()
        fs.closeSync(fd)
      }
    }
  }
  return t
}

interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void
}

/**
 * Synchronous streaming gunzip. Node's zlib streams are asynchronous and its *Sync
 * functions take the whole input, so, like minizlib (node-tar's sync mode), this drives
 * the native zlib handle of a Gunzip directly: one inflate state across chunks.
 */
class SyncGunzip {
  private readonly z = zlib.createGunzip()
  private readonly handle: ZlibHandle
  private readonly state: Uint32Array /** [avail_out, avail_in] after each write */
  private readonly out = Buffer.allocUnsafe(256 * 1024)
  private error: Error | null = null

  constructor() {
    const z = this.z as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array }
    if (typeof z._handle?.writeSync !== 'function' || !(z._writeState instanceof Uint32Array))
      throw new Error('this Node.js version does not allow streaming a .gz trace synchronously; decompress it first (gunzip FILE)')
    this.handle = z._handle
    this.state = z._writeState
    this.z.on('error', (e) => (this.error = e))
  }

  push(input: Buffer): Buffer {
    const parts: Buffer[] = []
    let inOff = 0
    let inLen = input.length
    for (;;) {
      this.handle.writeSync(zlib.constants.Z_NO_FLUSH, input, inOff, inLen, this.out, 0, this.out.length)
      if (this.error) throw new Error(`corrupt gzip trace: ${this.error.message}`)
      const availOut = this.state[0]
      const availIn = this.state[1]
      const produced = this.out.length - availOut
      if (produced) parts.push(Buffer.from(this.out.subarray(0, produced)))
      inOff += inLen - availIn
      inLen = availIn
      // Output space left over means zlib took all it could from this input.
      if (availOut !== 0 && (availIn === 0 || produced === 0)) break
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts)
  }

  end(): void {
    this.z.close()
  }
}
