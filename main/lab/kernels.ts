// Kernel images for front ends: what a run can name here (the host, cached Debian kernels,
// those apt can fetch), and the rule that only the CLI may name a kernel by file path.

import * as os from 'node:os'
import { parseKernelImage } from '../../engine/pure'
import type { ExperimentConfig, FieldError, KernelImageInfo, KernelList } from '../../experiments/api'
import { planRuns } from '../../experiments/sweep'
import { hostProblem, vmProblem, type PreflightDeps } from './preflight'

/** The host, then cached Debian kernels, then those apt can fetch (each newest last). */
export async function listKernels(deps: PreflightDeps): Promise<KernelList> {
  const onVm = vmProblem(deps)
  const images: KernelImageInfo[] = [
    {
      image: 'host',
      kind: 'host',
      release: os.release(),
      upstream: /^\d+\.\d+(\.\d+)?/.exec(os.release())?.[0] ?? null,
      sizeBytes: null,
      problem: hostProblem(deps)
    }
  ]
  const cached = deps.listCached()
  for (const k of cached)
    images.push({
      image: `debian-${k.version}`,
      kind: 'cached',
      release: k.release,
      upstream: k.upstream,
      sizeBytes: k.sizeBytes,
      problem: onVm
    })
  let aptProblem: string | null = null
  try {
    const have = new Set(cached.map((k) => k.version))
    for (const k of await deps.listAvailable())
      if (!have.has(k.version))
        images.push({
          image: `debian-${k.version}`,
          kind: 'available',
          release: k.release,
          upstream: k.upstream,
          sizeBytes: null,
          problem: onVm
        })
  } catch (e) {
    aptProblem = (e as Error).message
  }
  return { images, aptProblem }
}

/**
 * A window or a web page may name 'host' or 'debian-<version>' only: a kernel image or modules
 * folder given as a path would let a page boot (or read) any file of the user's (paths are for the CLI).
 */
export function untrustedKernelPaths(config: ExperimentConfig): FieldError[] {
  const errors: FieldError[] = []
  const seen = new Set<string>()
  for (const run of planRuns(config)) {
    const o = run.engineConfig.designOptions
    if (run.engineConfig.design !== 'kernel') continue
    const spec = o.image === undefined ? null : parseKernelImage(o.image)
    const at = `designs.${run.variantIndex}.options`
    if (spec && 'kind' in spec && spec.kind === 'path' && !seen.has(`${at}.image`)) {
      seen.add(`${at}.image`)
      errors.push({
        field: `${at}.image`,
        message:
          'a kernel image path cannot be given from this front end; choose host or a debian-<version> image (paths are for the CLI: swaplab run --design kernel:image=PATH)'
      })
    }
    if (o.modules !== undefined && !seen.has(`${at}.modules`)) {
      seen.add(`${at}.modules`)
      errors.push({ field: `${at}.modules`, message: 'a modules folder cannot be given from this front end (paths are for the CLI)' })
    }
  }
  return errors
}
