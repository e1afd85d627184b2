// Page data format. Every page the engine writes carries its identity (origin task,
// virtual page, write generation), the slot it was written to, and a CRC32 of the whole
// page; every read checks all of them. The body is a pattern derived from the identity,
// so a page from another slot or generation never passes.
// Callers pass per-page views (a 4 KiB Buffer and a Uint32Array over it) made once, so the
// hot path allocates nothing.

import { crc32 } from 'node:zlib'
import { PAGE_SIZE } from '../types'

export const PAGE_MAGIC = 0x504c5753 // "SWLP"
const HDR = 32
const CSUM_WORD = 6 /** word index of the checksum in the header */

/** A 4 KiB page inside a larger buffer, as bytes and as little-endian words. */
export interface PageView {
  bytes: Buffer
  words: Uint32Array
}

/** Views of every page of a buffer whose length is a multiple of 4 KiB (made once). */
export function pageViews(buf: Buffer): PageView[] {
  if (buf.byteOffset % 4 !== 0) buf = Buffer.from(buf) // word views need 4-byte alignment
  const out: PageView[] = []
  for (let off = 0; off + PAGE_SIZE <= buf.length; off += PAGE_SIZE)
    out.push({ bytes: buf.subarray(off, off + PAGE_SIZE), words: new Uint32Array(buf.buffer, buf.byteOffset + off, HDR / 4) })
  return out
}

/** Writes page content for an identity into the view. */
export function encodePage(p: PageView, dev: number, slot: number, origin: number, vpn: number, gen: number, pattern: Buffer): void {
  const w = p.words
  w[0] = PAGE_MAGIC
  w[1] = origin
  w[2] = vpn
  w[3] = gen
  w[4] = slot % 4294967296
  w[5] = dev
  w[6] = 0
  w[7] = 0
  pattern.writeUInt32LE((Math.imul(origin ^ 0x9e3779b9, 0x85ebca6b) ^ vpn) >>> 0, 0)
  pattern.writeUInt32LE((Math.imul(vpn + 0x7f4a7c15, 0xc2b2ae35) ^ gen) >>> 0, 4)
  p.bytes.fill(pattern, HDR, PAGE_SIZE)
  w[CSUM_WORD] = crc32(p.bytes)
}

/**
 * Checks one page; returns null when it is intact and what it expected to be, otherwise
 * a short description of the first mismatch.
 */
export function verifyPage(p: PageView, dev: number, slot: number, origin: number, vpn: number, gen: number): string | null {
  const w = p.words
  const magic = w[0]
  if (magic !== PAGE_MAGIC) return magic === 0 ? 'page never written (zeros)' : `bad magic 0x${magic.toString(16)}`
  const stored = w[CSUM_WORD]
  w[CSUM_WORD] = 0
  const c = crc32(p.bytes)
  w[CSUM_WORD] = stored
  if (c !== stored) return `checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${c.toString(16)}`
  if (w[5] !== dev >>> 0 || w[4] !== slot % 4294967296) return `page belongs to device ${w[5]} slot ${w[4]}`
  if (w[1] !== origin >>> 0 || w[2] !== vpn >>> 0 || w[3] !== gen >>> 0)
    return `identity mismatch: found task ${w[1]} page ${w[2]} gen ${w[3]}, expected task ${origin} page ${vpn} gen ${gen}`
  return null
}
