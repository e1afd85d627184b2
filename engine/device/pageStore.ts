// Where page data goes: a real swap file (FileDevice) or nowhere (MetadataOnlyStore, for
// very large accounting runs; results say so). Callers stage the expected identity of
// each page of a batch, then write or read the batch at a slot offset.

export interface DeviceIoStats {
  pagesWritten: number
  pagesRead: number
  bytesWritten: number
  bytesRead: number
  verifiedReads: number
  writeCalls: number
  readCalls: number
}

export interface PageStore {
  readonly kind: 'file' | 'metadata-only'
  readonly path: string | null
  readonly stats: DeviceIoStats
  /** Identity of page i of the next batch. */
  stage(i: number, origin: number, vpn: number, gen: number): void
  /** Write n staged pages at slots [slot, slot+n). */
  write(slot: number, n: number): void
  /** Read n pages at [slot, slot+n) and verify them against the staged identities. */
  read(slot: number, n: number): void
  close(): void
}

export function newIoStats(): DeviceIoStats {
  return { pagesWritten: 0, pagesRead: 0, bytesWritten: 0, bytesRead: 0, verifiedReads: 0, writeCalls: 0, readCalls: 0 }
}

export class MetadataOnlyStore implements PageStore {
  readonly kind = 'metadata-only' as const
  readonly path = null
  readonly stats = newIoStats()
  stage(): void {}
  write(_slot: number, n: number): void {
    this.stats.pagesWritten += n
    this.stats.writeCalls++
  }
  read(_slot: number, n: number): void {
    this.stats.pagesRead += n
    this.stats.readCalls++
  }
  close(): void {}
}
