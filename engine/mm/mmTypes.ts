// Address spaces and tasks (include/linux/mm_types.h: struct mm_struct, the page table it
// owns; struct task_struct reduced to its CPU and mm) and the swap pte encoding
// (include/linux/swapops.h: swp_entry_to_pte / pte_to_swp_entry).

import type { Program, SimTaskBase } from '../sim/scheduler'

/** An address space: page table plus the identity of the data each page should hold. */
export class Mm {
  readonly pte: Float64Array /** 0: none; > 0: folio id + 1; < 0: -(swap entry + 1) */
  readonly origin: Uint32Array /** mm whose data the page holds */
  readonly gen: Uint32Array /** write generation of that data */
  users = 0 /** tasks (threads) using it */
  raPrevVpn = -1 /** swap readahead state (per VMA in the kernel) */
  raPrevWin = 1
  raHits = 0
  residentPages = 0
  swapPtes = 0
  /** Page tables (memcg.ts): a flag per PTE page (2 MiB) and per PMD page (1 GiB), and their counts. */
  readonly pteTable: Uint8Array
  readonly pmdTable: Uint8Array
  ptePages = 0
  pmdPages = 0
  /** The program's own pages charged to the memcg (memcg.ts): usemem's generation array, stack, data. */
  programPages = 0
  /** Per-range folio orders (sorted, descending), like MADV_HUGEPAGE / MADV_NOHUGEPAGE on a VMA; elsewhere the run's thpOrders. */
  thpRanges: { start: number; end: number; orders: number[] }[] = []

  constructor(
    readonly id: number,
    readonly npages: number
  ) {
    this.pte = new Float64Array(npages)
    this.origin = new Uint32Array(npages)
    this.gen = new Uint32Array(npages)
    this.pteTable = new Uint8Array(Math.ceil(npages / 512))
    this.pmdTable = new Uint8Array(Math.ceil(npages / (512 * 512)))
  }
}

export class Task implements SimTaskBase {
  program: Program | null = null
  done = false
  constructor(
    readonly id: number,
    public cpu: number,
    readonly mm: Mm
  ) {}
}

/** swp_entry_to_pte: the pte value of a swap entry. */
export const swapPte = (entry: number): number => -(entry + 1)
/** pte_to_swp_entry: the swap entry of a swap pte (pte < 0). */
export const pteEntry = (pte: number): number => -pte - 1
