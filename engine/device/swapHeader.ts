// The Linux swap header in page 0 (union swap_header in include/linux/swap.h), laid out
// exactly as mkswap writes it for a 4 KiB page: version 1, last_page, nr_badpages, UUID,
// label, and the SWAPSPACE2 magic in the last 10 bytes of the page.

import { PAGE_SIZE } from '../types'

export const SWAP_MAGIC = 'SWAPSPACE2'
const INFO = 1024 /** offset of the info struct, after bootbits[1024] */

export interface SwapHeaderInfo {
  version: number
  lastPage: number
  nrBadPages: number
  uuid: Uint8Array
  label: string
}

export function buildSwapHeader(nrPages: number, uuid: Uint8Array, label: string): Buffer {
  if (uuid.length !== 16) throw new Error('swap header: uuid must be 16 bytes')
  const page = Buffer.alloc(PAGE_SIZE)
  page.writeUInt32LE(1, INFO) // version
  page.writeUInt32LE(nrPages - 1, INFO + 4) // last_page
  page.writeUInt32LE(0, INFO + 8) // nr_badpages
  page.set(uuid, INFO + 12) // sws_uuid[16]
  const lbl = Buffer.from(label, 'utf8').subarray(0, 15)
  page.set(lbl, INFO + 28) // sws_volume[16], NUL terminated
  page.write(SWAP_MAGIC, PAGE_SIZE - 10, 'latin1')
  return page
}

export function parseSwapHeader(page: Buffer): SwapHeaderInfo {
  if (page.length < PAGE_SIZE) throw new Error('swap header: short page')
  const magic = page.toString('latin1', PAGE_SIZE - 10, PAGE_SIZE)
  if (magic !== SWAP_MAGIC) throw new Error(`swap header: bad magic ${JSON.stringify(magic)}`)
  const end = page.indexOf(0, INFO + 28)
  return {
    version: page.readUInt32LE(INFO),
    lastPage: page.readUInt32LE(INFO + 4),
    nrBadPages: page.readUInt32LE(INFO + 8),
    uuid: new Uint8Array(page.subarray(INFO + 12, INFO + 28)),
    label: page.toString('utf8', INFO + 28, end > 0 && end < INFO + 44 ? end : INFO + 44)
  }
}

export function formatUuid(u: Uint8Array): string {
  const h = Buffer.from(u).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
