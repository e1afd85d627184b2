// What the host backend reads and writes in /proc and /sys, and the tools it runs: text and
// folder reads that tolerate a missing file, util-linux through execFile, the THP / mTHP and
// page-cluster knobs a run sets (mm/huge_memory.c's per-size `enabled`, vm.page-cluster), and
// the per-size mTHP stats (/sys/kernel/mm/transparent_hugepage/hugepages-*kB/stats).

import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { EngineConfig } from '../types'
import { parseMthpDump, type MthpStats } from './procfs'

const THP_DIR = '/sys/kernel/mm/transparent_hugepage'
const PAGE_CLUSTER = '/proc/sys/vm/page-cluster'
/** The multi-generational LRU's switch (CONFIG_LRU_GEN). */
const LRU_GEN = '/sys/kernel/mm/lru_gen/enabled'

/** A file's text; null when it cannot be read. */
export function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** A folder's entries; none when it cannot be read. */
export function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Runs a tool (util-linux is looked up in /usr/sbin and /sbin too); never rejects. */
export function exec(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } }, (err, stdout, stderr) => {
      const e = err as NodeJS.ErrnoException | null
      resolve({ ok: !e, out: `${stdout}${stderr}`.trim(), missing: e?.code === 'ENOENT' })
    })
  })
}

/** The word in brackets of a THP knob ("always [madvise] never" -> "madvise"), or the trimmed text. */
export function knobValue(text: string): string {
  const m = /\[([^\]]+)\]/.exec(text)
  return m ? m[1] : text.trim()
}

/** Every per-size mTHP stats folder, as the dump text the VM prints too. */
export function readMthpStats(root = THP_DIR): MthpStats {
  const out: string[] = []
  for (const d of readDir(root).filter((n) => /^hugepages-\d+kB$/.test(n))) {
    const stats = path.join(root, d, 'stats')
    for (const n of readDir(stats)) {
      const v = readText(path.join(stats, n))
      if (v !== null) out.push(`${d}/stats/${n}:${v.trim()}`)
    }
  }
  return parseMthpDump(out.join('\n'))
}

/** The knob files and values a run wants: per-size mTHP `enabled`, page-cluster, and with lru=classic the MGLRU switch. */
export function wantedKnobs(config: EngineConfig, thpRoot = THP_DIR, lruGen = LRU_GEN): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = []
  // The thp test, like the selftest's setup, enables only its own folio size; other workloads
  // get the run's thpOrders (anonymous faults may allocate those sizes).
  const orders =
    config.workload.name === 'thp-swap-allocator-test'
      ? [Number(config.workload.params.mthpOrder ?? 4)]
      : config.thpOrders.filter((k) => k > 0)
  const sizes = readDir(thpRoot).filter((d) => /^hugepages-\d+kB$/.test(d))
  if (sizes.length) {
    for (const d of sizes) {
      const order = Math.log2(Number(/\d+/.exec(d)![0]) / 4)
      out.push({ path: path.join(thpRoot, d, 'enabled'), value: orders.includes(order) ? 'always' : 'never' })
    }
  } else if (fs.existsSync(path.join(thpRoot, 'enabled'))) {
    // no per-size mTHP (before 6.8): only PMD THP, on the top-level knob
    out.push({ path: path.join(thpRoot, 'enabled'), value: orders.includes(9) ? 'always' : 'never' })
  }
  out.push({ path: PAGE_CLUSTER, value: String(config.pageCluster) })
  // lru=classic: MGLRU off where the kernel has it (restored after the run like every knob).
  if (config.designOptions.lru === 'classic' && fs.existsSync(lruGen)) out.push({ path: lruGen, value: 'n' })
  return out
}
