// VM invariants, as CONFIG_DEBUG_VM's VM_BUG_ONs would check them: every pte against its
// folio, resident and swap pte counts, the memcg charge, the LRU, and each swap entry's count
// against the swap ptes that reference it. Run after faults and periodically when a run has
// checkInvariants on.

import { MEMCG_CHARGE_BATCH, MM_KMEM_PAGES, PTE_SPAN, TASK_KMEM_PAGES } from './memcg'
import { invariant } from '../errors'
import { pteEntry, type Mm } from './mmTypes'
import type { Vm } from './vm'

/** After a fault: the page is mapped by a live folio that holds it, with its data. */
export function checkMapped(vm: Vm, mm: Mm, vpn: number, f: number): void {
  const F = vm.folios
  invariant(F.isLive(f), () => `mm ${mm.id} page ${vpn}: the fault mapped freed folio ${f}`)
  invariant(
    vpn >= F.vpn[f] && vpn < F.vpn[f] + (1 << F.order[f]) && F.mappers(f).includes(mm.id),
    () =>
      `mm ${mm.id} page ${vpn}: the fault mapped folio ${f}, which holds pages ${F.vpn[f]}+${1 << F.order[f]} of mms ${F.mappers(f).join(',')}`
  )
  invariant(
    F.origin[f] === mm.origin[vpn] && F.gen[f] === mm.gen[vpn],
    () => `mm ${mm.id} page ${vpn}: mapped folio ${f} holds data ${F.origin[f]}/${F.gen[f]}, the page is ${mm.origin[vpn]}/${mm.gen[vpn]}`
  )
}

/** Cross-checks page tables, folios, memcg charge and swap counts. */
export function checkVm(vm: Vm): void {
  const F = vm.folios
  const refs = new Map<number, number>()
  let resident = 0
  for (const mm of vm.mms.values()) {
    let res = 0
    let sw = 0
    for (let v = 0; v < mm.npages; v++) {
      const p = mm.pte[v]
      if (p !== 0) invariant(mm.pteTable[Math.floor(v / PTE_SPAN)] === 1, () => `mm ${mm.id} page ${v}: a pte without its PTE page`)
      if (p > 0) {
        const f = p - 1
        invariant(F.isLive(f), () => `mm ${mm.id} page ${v} maps freed folio ${f}`)
        invariant(F.mappers(f).includes(mm.id), () => `folio ${f} does not list mm ${mm.id} as a mapper`)
        invariant(v >= F.vpn[f] && v < F.vpn[f] + (1 << F.order[f]), () => `mm ${mm.id} page ${v} outside its folio ${f}`)
        res++
      } else if (p < 0) {
        const e = pteEntry(p)
        refs.set(e, (refs.get(e) ?? 0) + 1)
        sw++
      }
    }
    invariant(res === mm.residentPages, () => `mm ${mm.id}: ${res} resident ptes, accounted ${mm.residentPages}`)
    invariant(sw === mm.swapPtes, () => `mm ${mm.id}: ${sw} swap ptes, accounted ${mm.swapPtes}`)
  }
  for (let f = 0; f < F.cap; f++) if (F.isLive(f)) resident += 1 << F.order[f]
  invariant(resident === vm.usedPages, () => `folios hold ${resident} pages, memcg charge is ${vm.usedPages}`)
  checkMemcg(vm)
  for (const [e, n] of refs)
    invariant(vm.design.count(e) === n, () => `swap entry ${e}: ${n} swap ptes reference it, count is ${vm.design.count(e)}`)
  let lru = 0
  for (let f = F.lruTail; f >= 0; f = F.lruPrevOf(f)) lru++
  invariant(lru === F.live && lru === F.lruLen, () => `LRU holds ${lru} folios, ${F.live} live, length ${F.lruLen}`)
}

/** The page counter is the folios plus the kernel and program pages plus the stocks; each stock within the batch. */
export function checkMemcg(vm: Vm): void {
  const m = vm.memcg
  let stock = 0
  for (let c = 0; c < m.stock.length; c++) {
    invariant(
      m.stock[c] >= 0 && m.stock[c] <= MEMCG_CHARGE_BATCH,
      () => `CPU ${c}: memcg stock ${m.stock[c]} outside 0..${MEMCG_CHARGE_BATCH}`
    )
    stock += m.stock[c]
  }
  invariant(stock === m.stockPages, () => `memcg stocks hold ${stock} pages, accounted ${m.stockPages}`)
  let tables = 0
  let program = 0
  let tasks = 0
  let withTasks = 0
  for (const mm of vm.mms.values()) {
    let pte = 0
    for (const t of mm.pteTable) pte += t
    invariant(pte === mm.ptePages, () => `mm ${mm.id}: ${pte} PTE pages flagged, accounted ${mm.ptePages}`)
    tables += mm.ptePages + mm.pmdPages
    program += mm.programPages
    tasks += mm.users
    if (mm.users > 0) withTasks++ // an mm's kernel memory is charged with its first task (Vm.newTask)
  }
  invariant(tables === m.pageTablePages, () => `address spaces hold ${tables} page-table pages, memcg charged ${m.pageTablePages}`)
  const kernel = tables + program + withTasks * MM_KMEM_PAGES + tasks * TASK_KMEM_PAGES
  invariant(kernel === m.kernelPages, () => `page tables, kernel and program memory are ${kernel} pages, memcg charged ${m.kernelPages}`)
  invariant(
    m.counter === vm.usedPages + m.kernelPages + m.stockPages,
    () => `memcg counter ${m.counter} is not folios ${vm.usedPages} + kernel ${m.kernelPages} + stocks ${m.stockPages}`
  )
}
