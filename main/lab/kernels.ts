// Kernel images for front ends: what a run can name here (the host, cached Debian kernels,
// those apt can fetch). That only the CLI may name a kernel by file path is one of the
// path-valued fields in experiments/pathFields.ts.

import * as os from 'node:os'
import type { KernelImageInfo, KernelList } from '../../experiments/api'
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
