import { describe, expect, it } from 'vitest'
import { kernelCaveats } from './kernelBadge'

describe('kernel caveats', () => {
  const vm = { release: '6.12.57+deb13-cloud-amd64', where: 'vm' as const, accel: 'tcg' as const, timingsAreKernel: false }
  it('say when the VM was booted more than once, and why', () => {
    expect(kernelCaveats({ ...vm, bootAttempts: 1 }).some((c) => c.startsWith('booted'))).toBe(false)
    expect(kernelCaveats({ ...vm, bootAttempts: 2, bootRetries: ['early-boot panic under TCG: Fatal exception in interrupt'] })).toContain(
      'booted 2 times (early-boot panic under TCG: Fatal exception in interrupt)'
    )
  })
  it('say when the swap device was rotational as the kernel saw it', () => {
    expect(kernelCaveats({ ...vm, swapRotational: true })).toContain(
      'rotational swap device (no SWP_SOLIDSTATE: the allocator’s rotational path)'
    )
    expect(kernelCaveats({ ...vm, swapRotational: false }).some((c) => c.includes('rotational'))).toBe(false)
  })
})
