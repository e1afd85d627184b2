// A swap device backed by a real sparse file: page 0 holds a Linux swap header, page N
// holds slot N. Pages go through the page cache (Node cannot do O_DIRECT). Writes to
// adjacent slots are merged into one pwrite, as the block layer merges plugged bios; the
// plug is flushed before any read and at close, so reads always see every write.
// fsyncPerBatch adds an fdatasync after every flushed batch for durability studies.

import * as fs from 'node:fs'
import { randomBytes } from 'node:crypto'
import { PAGE_SIZE, type IoLog } from '../types'
import { CorruptionError } from '../errors'
import { buildSwapHeader } from './swapHeader'
import { encodePage, pageViews, verifyPage, type PageView } from './pageCodec'
import { newIoStats, type PageStore } from './pageStore'
import { IO_READ, IO_SYNC, IO_WRITE } from './ioRecorder'

const MAX_BATCH = 512
/** Pages merged into one write at most (1 MiB, a typical max_sectors_kb). */
const PLUG_PAGES = 256

export class FileDevice implements PageStore {
  readonly kind = 'file' as const
  readonly stats = newIoStats()
  private fd: number
  private readonly buf = Buffer.allocUnsafe(MAX_BATCH * PAGE_SIZE) /** read buffer */
  private readonly plug = Buffer.allocUnsafe(PLUG_PAGES * PAGE_SIZE) /** merged writes not yet issued */
  private readonly bufPages: PageView[] = pageViews(this.buf)
  private readonly plugPageViews: PageView[] = pageViews(this.plug)
  private plugSlot = -1 /** first slot of the plug */
  private plugPages = 0
  private readonly pattern = Buffer.alloc(8)
  private readonly origins = new Uint32Array(MAX_BATCH)
  private readonly vpns = new Uint32Array(MAX_BATCH)
  private readonly gens = new Uint32Array(MAX_BATCH)

  constructor(
    readonly path: string,
    readonly index: number,
    readonly nrPages: number,
    private readonly fsyncPerBatch: boolean,
    /** Logs every call for a raw replay (bench); undefined in normal runs. */
    private readonly recorder?: IoLog
  ) {
    this.fd = fs.openSync(path, 'w+', 0o600)
    recorder?.openDevice(index, nrPages * PAGE_SIZE)
    try {
      fs.ftruncateSync(this.fd, nrPages * PAGE_SIZE)
      const uuid = randomBytes(16)
      uuid[6] = (uuid[6] & 0x0f) | 0x40
      uuid[8] = (uuid[8] & 0x3f) | 0x80
      this.pwrite(buildSwapHeader(nrPages, uuid, `swaplab${index}`), PAGE_SIZE, 0)
    } catch (e) {
      this.close()
      throw e
    }
  }

  stage(i: number, origin: number, vpn: number, gen: number): void {
    this.origins[i] = origin
    this.vpns[i] = vpn
    this.gens[i] = gen
  }

  write(slot: number, n: number): void {
    if (n > MAX_BATCH) throw new Error(`write batch of ${n} pages exceeds ${MAX_BATCH}`)
    let i = 0
    while (i < n) {
      if (this.plugPages === PLUG_PAGES || (this.plugPages > 0 && this.plugSlot + this.plugPages !== slot + i)) this.flush()
      if (this.plugPages === 0) this.plugSlot = slot + i
      const room = Math.min(n - i, PLUG_PAGES - this.plugPages)
      for (let k = 0; k < room; k++, i++)
        encodePage(this.plugPageViews[this.plugPages + k], this.index, slot + i, this.origins[i], this.vpns[i], this.gens[i], this.pattern)
      this.plugPages += room
    }
    const s = this.stats
    s.pagesWritten += n
    s.bytesWritten += n * PAGE_SIZE
  }

  /** Issues the merged writes. */
  flush(): void {
    if (this.plugPages === 0) return
    this.pwrite(this.plug, this.plugPages * PAGE_SIZE, this.plugSlot * PAGE_SIZE)
    if (this.fsyncPerBatch) {
      fs.fdatasyncSync(this.fd)
      if (this.recorder !== undefined) this.recorder.record(this.index, IO_SYNC, 0, 0)
    }
    this.stats.writeCalls++
    this.plugPages = 0
  }

  read(slot: number, n: number): void {
    if (n > MAX_BATCH) throw new Error(`read batch of ${n} pages exceeds ${MAX_BATCH}`)
    this.flush()
    const len = n * PAGE_SIZE
    let got = 0
    while (got < len) {
      const r = fs.readSync(this.fd, this.buf, got, len - got, slot * PAGE_SIZE + got)
      if (r === 0) throw new CorruptionError(this.index, slot + Math.floor(got / PAGE_SIZE), 'short read: device file truncated')
      got += r
    }
    if (this.recorder !== undefined) this.recorder.record(this.index, IO_READ, slot * PAGE_SIZE, len, this.buf)
    for (let i = 0; i < n; i++) {
      const bad = verifyPage(this.bufPages[i], this.index, slot + i, this.origins[i], this.vpns[i], this.gens[i])
      if (bad) throw new CorruptionError(this.index, slot + i, bad)
    }
    const s = this.stats
    s.pagesRead += n
    s.bytesRead += len
    s.verifiedReads += n
    s.readCalls++
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        this.flush()
      } catch {
        // The run is ending anyway; the file is about to be removed.
      }
      fs.closeSync(this.fd)
      this.fd = -1
    }
  }

  private pwrite(buf: Buffer, len: number, pos: number): void {
    let done = 0
    try {
      while (done < len) done += fs.writeSync(this.fd, buf, done, len - done, pos + done)
      if (this.recorder !== undefined) this.recorder.record(this.index, IO_WRITE, pos, len, buf)
    } catch (e) {
      const err = e as NodeJS.ErrnoException
      if (err.code === 'ENOSPC')
        throw new Error(
          `swap device file ${this.path}: no space left on the disk holding it (wrote ${pos + done} of ${this.nrPages * PAGE_SIZE} bytes)`,
          { cause: e }
        )
      throw new Error(`swap device file ${this.path}: write failed: ${err.message}`, { cause: e })
    }
  }
}
