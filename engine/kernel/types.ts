// The contract of the real-kernel backend: what a kernel run is given and what it reports,
// beside the simulation. A kernel run executes the same workload (the lab's own static C
// programs) with real processes on a real Linux kernel, the host's or one booted in QEMU,
// swapping to the lab's own device file, and returns the same RunSummary as a simulated run
// with `kernel` filled in. Plain data only: it crosses worker and process boundaries.

import type { Counters, EngineConfig, RunSummary, Sample } from '../types'

/** Where a kernel run happens. */
export type KernelWhere = 'host' | 'vm'
/** How QEMU ran the guest; null on the host. Under TCG wall times are emulation, not kernel timings. */
export type KernelAccel = 'kvm' | 'tcg' | null

/**
 * The options of the `kernel` design (`--design kernel:image=host`, `kernel:image=debian-6.12`,
 * `kernel:image=/path/to/bzImage,modules=/path/to/lib/modules/<release>`).
 */
export interface KernelOptions {
  /** 'host', 'debian-<version>' (a Debian cloud kernel in the lab's cache, fetched on demand), or a bzImage path. */
  image: string
  /** A modules folder for a user's bzImage (the lib/modules/<release> tree); packaged images bring their own. */
  modules?: string
  /** VM only: 'auto' tries KVM and falls back to TCG. */
  accel?: 'auto' | 'kvm' | 'tcg'
}

/** What only a kernel run has; `RunSummary.kernel` is set exactly for kernel runs. */
export interface KernelRunInfo {
  /** `uname -r` of the kernel that ran the workload. */
  release: string
  where: KernelWhere
  accel: KernelAccel
  /** The image as given ('host', 'debian-6.12.57', a path). */
  image: string
  /** The simulated design that models this release (from engine/kernel/releases.ts), or null if none does. */
  pairedDesign: { design: string; options: Record<string, number | string | boolean> } | null
  /** False under TCG (and whenever the clock is not the kernel's): wall and system times are then labelled so. */
  timingsAreKernel: boolean
  /** True on the host: /proc/vmstat counts every process on the machine, not only the workload. */
  countersSystemWide: boolean
  /** Raw deltas of /proc/vmstat over the workload (only the fields that changed or matter to swap). */
  vmstatDelta: Record<string, number>
  /** Raw deltas of the per-size mTHP stats, by folder name ('hugepages-64kB' -> { swpout, swpout_fallback, ... }). */
  mthpDelta: Record<string, Record<string, number>>
  /** The workload cgroup's own statistics where the kernel keeps them (memory.stat / memory.events). */
  cgroup: { version: 1 | 2; stats: Record<string, number> } | null
  /** Which fields of RunSummary.counters carry the kernel's values; the others are 0 and mean "not measured". */
  measured: (keyof Counters)[]
  /** User time of the workload's processes (getrusage of the program and its children), where measured. */
  userTimeNs?: number
  /** Host only: what was swapped on (a loop device over the device file, or the file itself) and why. */
  swapDevice?: string
  /** VM only: time from QEMU start to the workload's start. */
  bootMs?: number
  /**
   * VM only: QEMU boots the run took: 1, or 2 when the first was not used (a KVM guest that
   * did not reach /init, then TCG; or a transient early-boot panic under TCG, booted again).
   */
  bootAttempts?: number
  /** VM only: why each earlier boot was not used (absent when the first boot ran the workload). */
  bootRetries?: string[]
  /**
   * The swap device's queue/rotational as the kernel saw it at swapon: true means no
   * SWP_SOLIDSTATE, so the allocator's rotational path (no per-CPU clusters; before 6.12 no
   * cluster_info). The lab sets its own device to its preset (only 'hdd' rotational) first.
   * Absent when it could not be read, and in runs recorded before it existed.
   */
  swapRotational?: boolean
}

export interface KernelHooks {
  onSamples?(samples: Sample[]): void
  onProgress?(fraction: number, info: { simTimeNs: number; ops: number }): void
  /** Aborting ends the run: the VM or the workload processes are killed and everything is restored. */
  signal?: AbortSignal
}

/** runKernel(config, hooks): config.design is 'kernel' and config.designOptions carries KernelOptions. */
export type RunKernel = (config: EngineConfig, hooks: KernelHooks) => Promise<RunSummary & { kernel: KernelRunInfo }>
