// Before an experiment with kernel runs is recorded: can each of its kernels run here? The
// host backend's own preflight (root, swap, memory cgroups, util-linux, the workload program);
// QEMU, /dev/kvm when KVM is demanded, and a cached (or fetchable) image for a VM, plus the
// programs the guest runs. Each problem is one field error saying what is missing and how to
// get it, so a run that cannot start never reaches the store.

import * as fs from 'node:fs'
import { parseKernelImage, type EngineConfig } from '../../engine/pure'
import {
  listAvailable as realListAvailable,
  listCached as realListCached,
  resolveImage as realResolveImage,
  type AvailableKernel,
  type CachedKernel,
  type ResolvedImage
} from '../../engine/kernel/images'
import { buildProgram as realBuildProgram, type ProgramName } from '../../engine/kernel/build'
import { hostPreflight as realHostPreflight } from '../../engine/kernel/host'
import { programFor } from '../../engine/kernel/protocol'
import { QEMU_BINARY, QEMU_HINT, which as realWhich, kvmUsable } from '../../engine/kernel/qemu'
import type { ExperimentConfig, FieldError } from '../../experiments/api'

/** What preflight and the image list ask of the machine; tests replace it. */
export interface PreflightDeps {
  isRoot(): boolean
  /** Absolute path of a command on the PATH, or null. */
  which(command: string): string | null
  exists(file: string): boolean
  kvmUsable(): boolean
  /** The host backend's checks (engine/kernel/host.ts); throws one line saying what is missing. */
  hostPreflight(config: EngineConfig): Promise<unknown>
  resolveImage(spec: string, modulesDir: string | undefined, opts: { fetch: boolean; log?: (line: string) => void }): Promise<ResolvedImage>
  buildProgram(name: ProgramName): Promise<string>
  /** Debian kernels in the lab's cache / visible to apt (engine/kernel/images). */
  listCached(): CachedKernel[]
  listAvailable(): Promise<AvailableKernel[]>
}

export { QEMU_BINARY, QEMU_HINT }

export const realPreflightDeps: PreflightDeps = {
  isRoot: () => process.getuid?.() === 0,
  which: (c) => realWhich(c),
  exists: (f) => fs.existsSync(f),
  kvmUsable: () => kvmUsable(),
  hostPreflight: (c) => realHostPreflight(c),
  resolveImage: (spec, modules, opts) => realResolveImage(spec, modules, opts),
  buildProgram: (name) => realBuildProgram(name),
  listCached: () => realListCached(),
  listAvailable: () => realListAvailable()
}

/** Why the host kernel cannot take runs here, in one line, or null (cheap: for listing images). */
export function hostProblem(deps: PreflightDeps): string | null {
  if (!deps.isRoot()) return 'needs root (swapon, memory cgroups, the THP knobs): run the lab as root, or use a kernel in a VM'
  if (!deps.exists('/proc/swaps')) return 'this kernel has no swap support (CONFIG_SWAP is off)'
  return null
}

/** Why kernels in a VM cannot run here, or null. */
export function vmProblem(deps: PreflightDeps): string | null {
  return deps.which(QEMU_BINARY) ? null : `kernels in a VM need ${QEMU_BINARY}, which is not installed: ${QEMU_HINT}`
}

/**
 * Checks every kernel variant of a validated experiment (each distinct image once). Debian
 * images not in the cache are fetched here (before anything is recorded), logging to `log`.
 */
export async function preflightKernels(
  config: ExperimentConfig,
  planned: EngineConfig[],
  deps: PreflightDeps = realPreflightDeps,
  log?: (line: string) => void
): Promise<FieldError[]> {
  const errors: FieldError[] = []
  const fieldOf = (c: EngineConfig, key: string): string => {
    let i = config.designs.findIndex((d) => d.design === 'kernel' && d.options.image === c.designOptions.image)
    // An image swept over (options.image) belongs to every kernel variant: name the first.
    if (i < 0) i = config.designs.findIndex((d) => d.design === 'kernel')
    return `designs.${i}.options.${key}`
  }
  const seen = new Set<string>()
  const programs = new Set<ProgramName>()
  let vmChecked = false
  for (const c of planned) {
    if (c.design !== 'kernel') continue
    const o = c.designOptions
    const key = JSON.stringify([o.image, o.modules ?? null, o.accel ?? 'auto', c.workload.name])
    if (seen.has(key)) continue
    seen.add(key)
    const spec = parseKernelImage(o.image ?? '')
    if ('error' in spec) {
      errors.push({ field: fieldOf(c, 'image'), message: spec.error })
      continue
    }
    if (spec.kind === 'host') {
      try {
        await deps.hostPreflight(c)
      } catch (e) {
        errors.push({ field: fieldOf(c, 'image'), message: (e as Error).message })
      }
      continue
    }
    programs.add('init')
    programs.add(programFor(c).program)
    if (!vmChecked) {
      vmChecked = true
      const problem = vmProblem(deps)
      if (problem) errors.push({ field: fieldOf(c, 'image'), message: problem })
    }
    if (o.accel === 'kvm' && !deps.kvmUsable())
      errors.push({
        field: fieldOf(c, 'accel'),
        message:
          'kvm needs a usable /dev/kvm, which this machine does not have (no hardware virtualisation, no kvm module, or no access): use accel=auto or tcg'
      })
    if (o.modules !== undefined && !deps.exists(o.modules)) {
      errors.push({ field: fieldOf(c, 'modules'), message: `${o.modules} does not exist` })
      continue
    }
    try {
      await deps.resolveImage(o.image!, o.modules, { fetch: true, log })
    } catch (e) {
      errors.push({ field: fieldOf(c, 'image'), message: (e as Error).message })
    }
  }
  for (const name of programs) {
    try {
      await deps.buildProgram(name)
    } catch (e) {
      errors.push({ field: 'workload.name', message: `the ${name} program cannot be built: ${(e as Error).message}` })
    }
  }
  return errors
}
