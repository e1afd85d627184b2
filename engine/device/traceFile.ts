// Trace files on disk: lines streamed in fixed-size chunks (gzip inflated on the fly), so a
// trace far larger than memory replays, and where the shipped fixtures live. The only
// part of the trace workload that touches the file system (engine rule: node:fs only in
// engine/device/).

import * as fs from 'node:fs'
import * as path from 'node:path'
import { crc32 } from 'node:zlib'
import { Gunzip } from 'fflate'

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
      let crc = 0 /** CRC32 and length of the inflated data, checked against the gzip trailer */
      let size = 0
      try {
        for (;;) {
          const n = fs.readSync(fd, buf, 0, buf.length, null)
          if (n === 0 && !inflate) break
          t.bytesRead += n
          const data = inflate ? inflate.push(buf.subarray(0, n), n === 0) : buf.subarray(0, n)
          if (inflate) {
            crc = crc32(data, crc)
            size = (size + data.length) >>> 0
            if (n === 0) checkGzipTrailer(fd, st.size, crc, size)
          }
          // Traces are ASCII; latin1 decodes any byte, so a chunk may end mid-line safely.
          const text = rest + data.toString('latin1')
          const lines = text.split('\n')
          rest = lines.pop()!
          for (const l of lines) yield l.endsWith('\r') ? l.slice(0, -1) : l
          if (n === 0) break
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

/** The gzip trailer (CRC32 and length mod 2^32 of the data) must match what was inflated. */
function checkGzipTrailer(fd: number, fileSize: number, crc: number, size: number): void {
  const t = Buffer.alloc(8)
  fs.readSync(fd, t, 0, 8, fileSize - 8)
  if (t.readUInt32LE(0) !== crc >>> 0 || t.readUInt32LE(4) !== size)
    throw new Error(
      `corrupt gzip trace: CRC32 0x${(crc >>> 0).toString(16)} and length ${size} of the data do not match the trailer (0x${t.readUInt32LE(0).toString(16)}, ${t.readUInt32LE(4)})`
    )
}

/**
 * Synchronous streaming gunzip (fflate): one inflate state across chunks, so a .gz trace
 * streams like a plain one. Node's own zlib offers only asynchronous streams or whole-input
 * synchronous calls.
 */
class SyncGunzip {
  private parts: Uint8Array[] = []
  private readonly g = new Gunzip((chunk) => {
    this.parts.push(chunk)
  })

  /** Inflates the next chunk; `final` at the end of the file flushes what is left. */
  push(input: Buffer, final = false): Buffer {
    try {
      this.g.push(input, final)
    } catch (e) {
      throw new Error(`corrupt gzip trace: ${(e as Error).message}`, { cause: e })
    }
    const parts = this.parts
    this.parts = []
    return parts.length === 1 ? Buffer.from(parts[0].buffer, parts[0].byteOffset, parts[0].byteLength) : Buffer.concat(parts)
  }

  end(): void {
    this.parts = []
  }
}
