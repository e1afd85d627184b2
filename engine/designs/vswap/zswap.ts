// The zswap pool as the virtual swap space uses it: a compressed copy per virtual slot,
// with no physical slot behind it. Page bytes are built with the same codec the file
// device writes (identity, pattern, CRC), compressed with raw deflate, and checked on
// every load. The pool charges each object at its zsmalloc size class; entries are kept
// in LRU order (oldest first) for writeback when the pool is full.

import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { PAGE_SIZE } from '../../types'
import { CorruptionError, invariant } from '../../errors'
import { encodePage, pageViews, verifyPage } from '../../device/pageCodec'
import { zsObjectBytes } from './sizes'

const ZLIB_FAST = { level: 1 }

/** Device number written into zswap page images (no physical device holds them). */
export const ZSWAP_DEV = 0xfffe

export interface ZswapEntry {
  data: Buffer | null /** compressed page; null when storage is metadata-only (size kept) */
  len: number /** compressed length */
  bytes: number /** pool bytes charged: the zsmalloc object size */
  origin: number /** identity the page must have on load */
  vpn: number
  gen: number
}

export class ZswapPool {
  /** Entries by virtual slot in LRU order: Map iteration order is insertion order. */
  readonly entries = new Map<number, ZswapEntry>()
  poolBytes = 0 /** sum of entry.bytes: the pool's size (zswap_pool_total_size) */
  reachedFull = false /** zswap_pool_reached_full: set at the limit, cleared under the accept threshold */
  private readonly page = Buffer.alloc(PAGE_SIZE)
  private readonly pattern = Buffer.alloc(8)
  private readonly pageView = pageViews(this.page)[0]

  constructor(
    readonly limitBytes: number /** zswap max pool size */,
    private readonly keepData: boolean /** false for metadata-only runs: sizes are real, bytes are dropped */
  ) {}

  /** zswap_compress: the page image of slot v with this identity, deflated. */
  compress(v: number, origin: number, vpn: number, gen: number): ZswapEntry {
    encodePage(this.pageView, ZSWAP_DEV, v, origin, vpn, gen, this.pattern)
    // Fastest deflate level: zswap's compressors (lzo-rle, lz4, zstd at low levels) trade ratio for speed.
    const out = deflateRawSync(this.page, ZLIB_FAST)
    return { data: this.keepData ? out : null, len: out.length, bytes: zsObjectBytes(out.length), origin, vpn, gen }
  }

  add(v: number, e: ZswapEntry): void {
    invariant(!this.entries.has(v), () => `virtual slot ${v} stored in zswap twice`)
    this.entries.set(v, e)
    this.poolBytes += e.bytes
  }

  remove(v: number): ZswapEntry {
    const e = this.entries.get(v)
    invariant(e, () => `virtual slot ${v} has no zswap entry`)
    this.entries.delete(v)
    this.poolBytes -= e.bytes
    return e
  }

  /** zswap_decompress + check: the page must be exactly what was stored for this identity. */
  load(v: number, origin: number, vpn: number, gen: number): void {
    const e = this.entries.get(v)
    invariant(e, () => `virtual slot ${v} has no zswap entry`)
    if (!e.data) return
    const page = inflateRawSync(e.data)
    if (page.length !== PAGE_SIZE) throw new CorruptionError(ZSWAP_DEV, v, `zswap copy decompressed to ${page.length} bytes`)
    const bad = verifyPage(pageViews(page)[0], ZSWAP_DEV, v, origin, vpn, gen)
    if (bad) throw new CorruptionError(ZSWAP_DEV, v, `zswap copy of virtual slot ${v}: ${bad}`)
  }

  /** Pool bytes and entries add up. */
  check(): void {
    let bytes = 0
    for (const e of this.entries.values()) {
      invariant(e.bytes === zsObjectBytes(e.len), () => `zswap entry of ${e.len} bytes charged ${e.bytes}`)
      bytes += e.bytes
    }
    invariant(bytes === this.poolBytes, () => `zswap pool holds ${bytes} bytes, accounted ${this.poolBytes}`)
    invariant(this.poolBytes <= this.limitBytes, () => `zswap pool ${this.poolBytes} bytes exceeds its limit ${this.limitBytes}`)
  }
}
