// Page data format. Every page the engine writes carries its identity (origin task,
// virtual page, write generation), the slot it was written to, and a CRC32 of the whole
// page; every read checks all of them. The body is a pattern derived from the identity,
// so a page from another slot or generation never passes.

import { crc32 } from 'node:zlib'
import { PAGE_SIZE } from '../types'

export const PAGE_MAGIC = 0x504c5753 // "SWLP"
const HDR = 32
const CSUM = 24

export interface PageIdentity {
  origin: number
  vpn: number
  gen: number
}

/** Writes page content for an identity into buf at byte offset off. */
export function encodePage(buf: Buffer, off: number, dev: number, slot: number, origin: number, vpn: number, gen: number, pattern: Buffer): void {
  buf.writeUInt32LE(PAGE_MAGIC, off)
  buf.writeUInt32LE(origin >>> 0, off + 4)
  buf.writeUInt32LE(vpn >>> 0, off + 8)
  buf.writeUInt32LE(gen >>> 0, off + 12)
  buf.writeUInt32LE(slot % 4294967296 >>> 0, off + 16)
  buf.writeUInt32LE(dev >>> 0, off + 20)
  buf.writeUInt32LE(0, off + 24)
  buf.writeUInt32LE(0, off + 28)
  pattern.writeUInt32LE((Math.imul(origin ^ 0x9e3779b9, 0x85ebca6b) ^ vpn) >>> 0, 0)
  pattern.writeUInt32LE((Math.imul(vpn + 0x7f4a7c15, 0xc2b2ae35) ^ gen) >>> 0, 4)
  buf.fill(pattern, off + HDR, off + PAGE_SIZE)
  const c = crc32(buf.subarray(off, off + PAGE_SIZE))
  buf.writeUInt32LE(c, off + CSUM)
}

/**
 * Checks one page; returns null when it is intact and what it expected to be, otherwise
 * a short description of the first mismatch.
 */
export function verifyPage(buf: Buffer, off: number, dev: number, slot: number, origin: number, vpn: number, gen: number): string | null {
  const magic = buf.readUInt32LE(off)
  if (magic !== PAGE_MAGIC) return magic === 0 ? 'page never written (zeros)' : `bad magic 0x${magic.toString(16)}`
  const stored = buf.readUInt32LE(off + CSUM)
  buf.writeUInt32LE(0, off + CSUM)
  const c = crc32(buf.subarray(off, off + PAGE_SIZE))
  buf.writeUInt32LE(stored, off + CSUM)
  if (c !== stored) return `checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${c.toString(16)}`
  const o = buf.readUInt32LE(off + 4)
  const v = buf.readUInt32LE(off + 8)
  const g = buf.readUInt32LE(off + 12)
  const s = buf.readUInt32LE(off + 16)
  const d = buf.readUInt32LE(off + 20)
  if (d !== dev >>> 0 || s !== slot % 4294967296 >>> 0) return `page belongs to device ${d} slot ${s}`
  if (o !== origin >>> 0 || v !== vpn >>> 0 || g !== gen >>> 0)
    return `identity mismatch: found task ${o} page ${v} gen ${g}, expected task ${origin} page ${vpn} gen ${gen}`
  return null
}
