// The real thing, end to end through the lab service: the host kernel (needs root) and a
// Debian kernel in QEMU (needs qemu-system-x86_64 and a cached 6.12 kernel: `swaplab kernels
// fetch 6.12`), beside a simulated design, in one experiment. Where something is missing the
// test is skipped with a note that says what. Afterwards nothing of the lab's is left on:
// no swap device, no QEMU process, no device folder.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabService } from './service'
import { tempDir } from './testing/fixtures'
import { listCached, pickVersion } from '../../engine/kernel/images'
import { which } from '../../engine/kernel/qemu'

const MiB = 2 ** 20
const root = process.getuid?.() === 0
const qemu = which('qemu-system-x86_64') !== null
const debian612 = (() => {
  try {
    return pickVersion(listCached(), '6.12')
  } catch {
    return null
  }
})()
const HOST_MISSING = root ? null : 'the host kernel run needs root (swapon, cgroups): run the tests as root'
const VM_MISSING = !qemu
  ? 'the VM run needs qemu-system-x86_64: apt-get install qemu-system-x86'
  : !debian612
    ? 'the VM run needs a cached Debian 6.12 kernel: node bin/swaplab.cjs kernels fetch 6.12'
    : null

/** QEMU processes this test process started (the worker thread's children are ours). */
function ourQemus(): number[] {
  const out: number[] = []
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === process.pid && comm.startsWith('qemu-system')) out.push(Number(pid))
    } catch {
      // gone
    }
  }
  return out
}

const labSwaps = (deviceDir: string): string[] =>
  fs
    .readFileSync('/proc/swaps', 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.includes(deviceDir) || l.includes('swaplab'))

let dir: string
let lab: LabService | undefined
beforeEach(() => {
  dir = tempDir('swaplab-kreal-')
})
afterEach(async () => {
  await lab?.close()
  lab = undefined
  expect(ourQemus()).toEqual([])
  if (fs.existsSync('/proc/swaps')) expect(labSwaps(dir)).toEqual([])
  fs.rmSync(dir, { recursive: true, force: true })
})

const open = (): LabService =>
  new LabService({ dbPath: path.join(dir, 'runs.db'), deviceDir: path.join(dir, 'devices'), appVersion: 'test', trustConfigPaths: true })

const usemem = (designs: object[]) => ({
  name: 'real kernels',
  designs,
  workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 96 * MiB, passes: 1 } },
  memoryLimitBytes: 48 * MiB,
  devices: [{ sizeBytes: 256 * MiB }]
})

describe('real kernels through the lab service', () => {
  it('runs usemem on the host kernel, on Debian 6.12 in QEMU and on its simulated design, side by side', async (ctx) => {
    const designs: object[] = []
    if (!HOST_MISSING) designs.push({ design: 'kernel', options: { image: 'host' } })
    if (!VM_MISSING) designs.push({ design: 'kernel', options: { image: 'debian-6.12', accel: 'tcg' } })
    if (!designs.length) ctx.skip(`${HOST_MISSING}; ${VM_MISSING}`)
    if (HOST_MISSING || VM_MISSING) console.warn(`kernelReal: partly skipped: ${[HOST_MISSING, VM_MISSING].filter(Boolean).join('; ')}`)
    designs.push({ design: 'swap-table', options: { phase: 1 } })
    lab = open()
    const { runIds } = await lab.start(usemem(designs))
    const runs = await lab.waitForRuns(runIds)
    expect(runs.map((r) => [r.variantLabel, r.status, r.error])).toEqual(runs.map((r) => [r.variantLabel, 'done', null]))
    for (const r of runs.filter((x) => x.design === 'kernel')) {
      const d = await lab.getRun(r.id)
      const k = d.summary!.kernel!
      // The workload really swapped: 96 MiB touched in a 48 MiB cgroup.
      expect(d.summary!.counters.pswpout).toBeGreaterThan(4096)
      expect(k.measured).toContain('pswpout')
      if (k.where === 'host') {
        expect(k.release).toBe(os.release())
        expect(r.kernel).toMatchObject({ where: 'host', accel: null, countersSystemWide: true, timingsAreKernel: true })
      } else {
        expect(k.release).toBe(debian612!.release)
        expect(r.kernel).toMatchObject({ where: 'vm', accel: 'tcg', timingsAreKernel: false })
      }
      expect(r.headline).not.toHaveProperty('sim_time_s')
    }
    const c = await lab.compare(runIds)
    expect(c.groups.map((g) => Boolean(g.kernel))).toEqual(runs.map((r) => r.design === 'kernel'))
    expect(c.groups.every((g) => g.metrics.pswpout?.mean > 0)).toBe(true)
    // Every run's device folder is gone.
    expect(fs.readdirSync(path.join(dir, 'devices'))).toEqual([])
  }, 300_000)

  it('cancels a kernel in QEMU while it boots: the run ends cancelled and the VM is gone', async (ctx) => {
    if (VM_MISSING) ctx.skip(VM_MISSING)
    lab = open()
    const { runIds } = await lab.start(usemem([{ design: 'kernel', options: { image: 'debian-6.12', accel: 'tcg' } }]))
    const deadline = Date.now() + 60_000
    while (ourQemus().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(ourQemus().length).toBe(1)
    await lab.cancel(runIds[0])
    const [run] = await lab.waitForRuns(runIds)
    expect(run.status).toBe('cancelled')
    expect(ourQemus()).toEqual([])
    expect(fs.readdirSync(path.join(dir, 'devices'))).toEqual([])
  }, 120_000)
})
