// How a kernel run is marked wherever runs are listed (CLI tables, Runs, run detail, Compare):
// which kernel ran it, where, and what its numbers mean. Pure; RunRecord.kernel is the input.

import type { KernelMark } from './api'

/** "kernel 6.12.57+deb13-cloud-amd64 · VM · TCG", "kernel 6.18.1 · host". */
export function kernelBadgeText(k: KernelMark): string {
  const parts = [`kernel ${k.release}`, k.where === 'host' ? 'host' : 'VM']
  if (k.accel) parts.push(k.accel.toUpperCase())
  return parts.join(' · ')
}

/** What a reader must know before comparing this kernel's numbers with others. */
export function kernelCaveats(k: KernelMark): string[] {
  const out: string[] = []
  if (!k.timingsAreKernel) out.push('wall times are emulation (TCG), not kernel timings; the counters are the kernel’s')
  if (k.countersSystemWide)
    out.push('system-wide counters (/proc/vmstat counts the whole machine; the cgroup’s own where the kernel has them)')
  if (k.pairedDesign) out.push(`modelled by ${k.pairedDesign}`)
  if (k.bootAttempts && k.bootAttempts > 1)
    out.push(`booted ${k.bootAttempts} times${k.bootRetries?.length ? ` (${k.bootRetries.join('; ')})` : ''}`)
  if (k.swapRotational) out.push('rotational swap device (no SWP_SOLIDSTATE: the allocator’s rotational path)')
  return out
}

/** The short form for table cells: "wall times are emulation", "system-wide counters". */
export function kernelCaveatsShort(k: KernelMark): string[] {
  const out: string[] = []
  if (!k.timingsAreKernel) out.push('wall times are emulation')
  if (k.countersSystemWide) out.push('system-wide counters')
  return out
}
