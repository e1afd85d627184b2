// An optional log of every pread/pwrite/fdatasync a run's file devices issue (device, offset,
// length, in issue order), and its raw replay on fresh files: the fair baseline for the
// engine's wall time (`npm run bench`), since it is exactly the I/O the engine did, merged
// writes and all. Off unless a recorder is passed in the run's hooks; a device without one
// pays a single undefined check per I/O call.

import * as fs from 'node:fs'
import * as path from 'node:path'
import type { IoLog } from '../types'

export const IO_READ = 0
export const IO_WRITE = 1
export const IO_SYNC = 2
export type IoOp = typeof IO_READ | typeof IO_WRITE | typeof IO_SYNC

export interface IoRecord {
  device: number
  op: IoOp
  offset: number
  length: number
}

export class IoRecorder implements IoLog {
  /** Devices seen, by index, with their file size. */
  readonly devices: { index: number; sizeBytes: number }[] = []
  private ops = new Uint8Array(4096)
  private devs = new Uint8Array(4096)
  private offsets = new Float64Array(4096)
  private lengths = new Float64Array(4096)
  length = 0 /** records logged */
  /** Copies of the bytes each write carried and each read returned (tests only: costs memory). */
  readonly data: (Buffer | null)[] | null

  constructor(options: { keepData?: boolean } = {}) {
    this.data = options.keepData ? [] : null
  }

  openDevice(index: number, sizeBytes: number): void {
    this.devices.push({ index, sizeBytes })
  }

  record(device: number, op: IoOp, offset: number, length: number, bytes?: Uint8Array): void {
    if (this.length === this.ops.length) this.grow()
    const i = this.length++
    this.ops[i] = op
    this.devs[i] = device
    this.offsets[i] = offset
    this.lengths[i] = length
    if (this.data) this.data.push(bytes ? Buffer.from(bytes.subarray(0, length)) : null)
  }

  get(i: number): IoRecord {
    return { device: this.devs[i], op: this.ops[i] as IoOp, offset: this.offsets[i], length: this.lengths[i] }
  }

  /** Totals per kind: calls and bytes. */
  totals(): { reads: number; writes: number; syncs: number; bytesRead: number; bytesWritten: number } {
    const t = { reads: 0, writes: 0, syncs: 0, bytesRead: 0, bytesWritten: 0 }
    for (let i = 0; i < this.length; i++) {
      if (this.ops[i] === IO_READ) {
        t.reads++
        t.bytesRead += this.lengths[i]
      } else if (this.ops[i] === IO_WRITE) {
        t.writes++
        t.bytesWritten += this.lengths[i]
      } else t.syncs++
    }
    return t
  }

  private grow(): void {
    const n = this.ops.length * 2
    const ops = new Uint8Array(n)
    ops.set(this.ops)
    const devs = new Uint8Array(n)
    devs.set(this.devs)
    const offsets = new Float64Array(n)
    offsets.set(this.offsets)
    const lengths = new Float64Array(n)
    lengths.set(this.lengths)
    this.ops = ops
    this.devs = devs
    this.offsets = offsets
    this.lengths = lengths
  }
}

export interface ReplayResult {
  /** Wall time of the replay: creating and sizing the files, every recorded call, closing. */
  ms: number
  files: string[]
}

/**
 * Issues the recorded calls raw (writeSync/readSync/fdatasyncSync, as the file device does) on
 * fresh sparse files of the same sizes in `dir`. Writes carry the recorded bytes when the
 * recorder kept them, a constant pattern otherwise. With `check`, every read must return the
 * bytes the engine read. The files are left for the caller to inspect or remove.
 */
export function replayIo(rec: IoRecorder, dir: string, options: { check?: boolean } = {}): ReplayResult {
  let max = 4096
  for (let i = 0; i < rec.length; i++) max = Math.max(max, rec.get(i).length)
  const buf = Buffer.alloc(max, 0x5a)
  const t0 = performance.now()
  const fds = new Map<number, number>()
  const files: string[] = []
  try {
    for (const d of rec.devices) {
      const file = path.join(dir, `replay${d.index}.img`)
      const fd = fs.openSync(file, 'w+', 0o600)
      fds.set(d.index, fd)
      files.push(file)
      fs.ftruncateSync(fd, d.sizeBytes)
    }
    for (let i = 0; i < rec.length; i++) {
      const { device, op, offset, length } = rec.get(i)
      const fd = fds.get(device)!
      if (op === IO_SYNC) {
        fs.fdatasyncSync(fd)
        continue
      }
      const src = rec.data?.[i] ?? buf
      if (op === IO_WRITE) {
        let done = 0
        while (done < length) done += fs.writeSync(fd, src, done, length - done, offset + done)
      } else {
        let got = 0
        while (got < length) {
          const r = fs.readSync(fd, buf, got, length - got, offset + got)
          if (r === 0) throw new Error(`replay: short read at device ${device} offset ${offset + got}`)
          got += r
        }
        if (options.check && rec.data?.[i] && !buf.subarray(0, length).equals(rec.data[i]!))
          throw new Error(`replay: read ${i} at device ${device} offset ${offset} returned other bytes than the engine read`)
      }
    }
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd)
  }
  return { ms: performance.now() - t0, files }
}
