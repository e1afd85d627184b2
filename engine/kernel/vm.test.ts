// Real VM runs: a Debian cloud kernel booted in QEMU (TCG here) runs the lab's usemem on the
// lab's device file. Skipped, with a message saying what is missing, where QEMU or a cached
// Debian 6.12 kernel is not there; CI fetches one (`images.fetch('6.12')`) before `npm test`.

import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EngineConfig, Sample } from '../types'
import { listCached, resolveImage } from './images'
import { S_IFDIR, S_IFREG, writeCpio } from './initramfs'
import { QEMU_BINARY, liveQemuCount, which } from './qemu'
import { DEFAULT_VM_LIMITS, attempt, attemptProblem, bootGuest, guestPlan, runInVm, transientBootPanic, type Attempt } from './vm'

const qemu = which(QEMU_BINARY)
const k612 = listCached().find((k) => k.upstream.startsWith('6.12.') && !k.missing.length)
const k61 = listCached().find((k) => k.upstream.startsWith('6.1.') && !k.missing.length)
const missing = !qemu
  ? `${QEMU_BINARY} is not installed (apt-get install qemu-system-x86)`
  : !k612
    ? 'no Debian 6.12 cloud kernel in the lab cache (fetch one: `swaplab kernels fetch 6.12`, or images.fetch("6.12"))'
    : null

const MiB = 1 << 20
let base = ''

function config(over: Partial<EngineConfig> & { params?: Record<string, number | string | boolean> } = {}): EngineConfig {
  const { params, ...rest } = over
  return {
    design: 'kernel',
    designOptions: { image: `debian-${k612?.version}`, accel: 'auto' },
    workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 96 * MiB, passes: 1, random: false, writeRatio: 1, ...params } },
    devices: [{ sizeBytes: 512 * MiB, preset: 'nvme', priority: 100, discard: false }],
    storage: 'file',
    deviceDir: base,
    memoryLimitBytes: 48 * MiB,
    cpus: 2,
    seed: 7,
    thpOrders: [],
    pageCluster: 3,
    sampleIntervalNs: 1e6,
    checkInvariants: false,
    fsyncPerBatch: false,
    tickNs: 4e6,
    ...rest
  }
}

/** Whether any qemu-system-x86_64 started by this process is still alive (pgrep by parent). */
function strayQemu(): string {
  try {
    return execFileSync('pgrep', ['-a', '-P', String(process.pid), '-f', QEMU_BINARY])
      .toString()
      .trim()
  } catch {
    return ''
  }
}

function leftovers(): string[] {
  return fs.readdirSync(base)
}

describe.skipIf(missing !== null)('kernel runs in a VM (QEMU)', () => {
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-vmtest-'))
  })
  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true })
  })

  it('boots Debian 6.12, runs usemem in a 48 MiB cgroup on the lab device and reports the kernel counters', async () => {
    const progress: number[] = []
    // Two passes, so the second reads back (and verifies) what the first wrote and swapped out.
    const samples: Sample[] = []
    const s = await runInVm(config({ params: { passes: 2 } }), {
      onProgress: (f) => progress.push(f),
      onSamples: (b) => samples.push(...b)
    })
    const k = s.kernel
    expect(k.where).toBe('vm')
    expect(k.release).toBe(k612!.release)
    expect(k.image).toBe(`debian-${k612!.version}`)
    expect(['kvm', 'tcg']).toContain(k.accel)
    expect(k.timingsAreKernel).toBe(k.accel === 'kvm')
    expect(k.countersSystemWide).toBe(false)
    expect(k.pairedDesign).toEqual({ design: 'cluster', options: {} })
    expect(k.bootMs).toBeGreaterThan(0)
    expect(k.bootAttempts).toBe(1 + (k.bootRetries?.length ?? 0))
    expect(k.cgroup?.version).toBe(2)
    // 96 MiB touched in 48 MiB: at least the excess must have gone to swap.
    expect(s.counters.pswpout).toBeGreaterThan((48 * MiB) / 4096)
    expect(k.vmstatDelta.pswpout).toBeGreaterThan(0)
    expect(s.counters.pswpin).toBeGreaterThan(0)
    expect(k.measured).toContain('pswpout')
    // 6.12 has no per-size swpin stats; from the virtio disk every swapin is one page.
    expect(k.measured).toContain('swpin')
    expect(s.counters.swpin[0]).toBe(s.counters.pswpin)
    // QEMU's virtio disk says rotational; /init sets it as the preset says (nvme: not) before swapon.
    expect(k.swapRotational).toBe(false)
    expect(s.workloadMetrics.verifiedPages).toBeGreaterThan(0)
    expect(s.workloadMetrics.throughputMBps).toBeGreaterThan(0)
    expect(progress.length).toBeGreaterThan(0)
    // /init samples the guest every 500 ms: swap fills up over the run and the last sample has it all.
    expect(samples.length).toBeGreaterThan(2)
    expect(samples.at(-1)!.values.swpout).toBe(k.vmstatDelta.pswpout)
    expect(Math.max(...samples.map((x) => x.values.swapUsedSlots))).toBeGreaterThan(0)
    expect(samples.every((x, i) => i === 0 || x.tWallMs >= samples[i - 1].tWallMs)).toBe(true)
    expect(liveQemuCount()).toBe(0)
    expect(strayQemu()).toBe('')
    expect(leftovers()).toEqual([])
  }, 240_000)

  it('ends a workload the guest OOM-kills with a clear message, the VM gone and the device removed', async () => {
    // 96 MiB in a 24 MiB cgroup with 16 MiB of swap: the cgroup cannot make room.
    const c = config({ memoryLimitBytes: 24 * MiB, devices: [{ sizeBytes: 16 * MiB, preset: 'nvme', priority: 100, discard: false }] })
    await expect(runInVm(c, {})).rejects.toThrow(/OOM-killed the workload/)
    expect(liveQemuCount()).toBe(0)
    expect(strayQemu()).toBe('')
    expect(leftovers()).toEqual([])
  }, 240_000)

  it('cancels while the VM boots: RunCancelled, the VM gone, the device removed', async () => {
    const ac = new AbortController()
    const t = setTimeout(() => ac.abort(), 3000)
    try {
      await expect(runInVm(config(), { signal: ac.signal })).rejects.toMatchObject({ name: 'RunCancelled' })
    } finally {
      clearTimeout(t)
    }
    expect(liveQemuCount()).toBe(0)
    expect(strayQemu()).toBe('')
    expect(leftovers()).toEqual([])
  }, 120_000)

  it('reports a kernel that panics (no /init in the initramfs) with the panic and the console tail', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'panic-'))
    try {
      const initrd = path.join(dir, 'initrd.gz')
      fs.writeFileSync(
        initrd,
        gzipSync(
          writeCpio([
            { name: 'etc', mode: S_IFDIR | 0o755 },
            { name: 'etc/not-init', mode: S_IFREG | 0o644, data: Buffer.from('x') }
          ])
        )
      )
      const device = path.join(dir, 'dev.img')
      fs.writeFileSync(device, Buffer.alloc(4096))
      const image = await resolveImage(`debian-${k612!.version}`, undefined, { fetch: false })
      const a = await attempt(
        'tcg',
        config(),
        { kernel: image.vmlinuz, initrd, device, socket: path.join(dir, 'd.sock') },
        {},
        DEFAULT_VM_LIMITS,
        DEFAULT_VM_LIMITS.bootTimeoutMs
      )
      const msg = attemptProblem(a, image.image, DEFAULT_VM_LIMITS, DEFAULT_VM_LIMITS.bootTimeoutMs)
      expect(msg).toMatch(new RegExp(`kernel debian-${k612!.version.replace(/[.+~]/g, '\\$&')} panicked while booting: `))
      expect(msg).toMatch(/VFS: Unable to mount root fs|No working init found/)
      expect(msg).toMatch(/last console lines:/)
      expect(liveQemuCount()).toBe(0)
      expect(strayQemu()).toBe('')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 240_000)

  it('refuses a missing image and a modules folder built for another kernel before booting', async () => {
    await expect(runInVm(config({ designOptions: { image: '/nonexistent/bzImage' } }), {})).rejects.toThrow(
      /kernel image \/nonexistent\/bzImage does not exist/
    )
    const notKernel = path.join(base, 'not-a-kernel')
    fs.writeFileSync(notKernel, Buffer.alloc(8192, 1))
    await expect(resolveImage(notKernel)).rejects.toThrow(/not a bootable x86 kernel image/)
    fs.rmSync(notKernel)
    if (!k61) {
      console.warn(
        'vm test: no Debian 6.1 kernel cached, so the mismatched-modules case is skipped (fetch one: `swaplab kernels fetch 6.1`)'
      )
      return
    }
    // The 6.12 image with the 6.1 package's virtio modules.
    await expect(resolveImage(k612!.vmlinuz, path.join(k61.dir, 'modules'))).rejects.toThrow(
      new RegExp(`was built for kernel ${k61.release}, but the image is ${k612!.release.replace(/[.+]/g, '\\$&')}`)
    )
    expect(leftovers()).toEqual([])
  }, 60_000)

  it('QEMU dies with the Node process that started it, even on SIGKILL', async () => {
    if (!which('setpriv')) {
      console.warn('vm test: no `setpriv` (util-linux), so QEMU is only killed from the exit handler; the SIGKILL case is not checked')
      return
    }
    const script = path.join(base, 'start-qemu.ts')
    fs.writeFileSync(
      script,
      [
        `import { startQemu } from ${JSON.stringify(path.join(__dirname, 'qemu.ts'))}`,
        `startQemu({ accel: 'tcg', cpus: 1, memoryMiB: 256, kernel: ${JSON.stringify(k612!.vmlinuz)}, initrd: ${JSON.stringify(script)},`,
        `  append: 'console=ttyS0', disks: [], dataSocket: ${JSON.stringify(path.join(base, 'orphan.sock'))} }, () => {}, () => {})`,
        '  .then((r) => console.log(`QEMU ${r.pid}`))',
        'setInterval(() => {}, 1000)',
        ''
      ].join('\n')
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit']
    })
    const pid = await new Promise<number>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /QEMU (\d+)/.exec(out)
        if (m) resolve(Number(m[1]))
      })
      child.on('exit', () => reject(new Error(`the helper exited first: ${out}`)))
    })
    const alive = (p: number) => {
      try {
        process.kill(p, 0)
        return true
      } catch {
        return false
      }
    }
    expect(alive(pid)).toBe(true)
    child.kill('SIGKILL')
    const t0 = Date.now()
    while (alive(pid) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 100))
    expect(alive(pid)).toBe(false)
    fs.rmSync(script)
    fs.rmSync(path.join(base, 'orphan.sock'), { force: true })
  }, 60_000)

  it('plans the guest run from the config: modules, swap priority, limit, knobs and the program', async () => {
    const image = await resolveImage(`debian-${k612!.version}`, undefined, { fetch: false })
    const plan = guestPlan(config({ thpOrders: [4, 9], pageCluster: 0 }), image)
    expect(plan).toContain('module /lib/modules/virtio_blk.ko\n')
    expect(plan).toContain('swap /dev/vda 100 0 0\n')
    expect(plan).toContain(`memcg ${48 * MiB}\n`)
    expect(plan).toContain('write /proc/sys/vm/page-cluster 0\n')
    expect(plan).toContain('write /sys/kernel/mm/transparent_hugepage/enabled always\n')
    expect(plan).toContain('mthp 4 always\n')
    expect(plan).toContain('mthp 3 never\n')
    expect(plan).toMatch(/arg \/bin\/usemem\narg --cgroup-procs\narg @CGROUP_PROCS@\narg --tasks\narg 1\n/)
    // The kernel's own LRU unless lru=classic asks for MGLRU off.
    expect(plan).not.toContain('lru_gen')
    const classic = guestPlan({ ...config({}), designOptions: { image: 'x', lru: 'classic' } }, image)
    expect(classic).toContain('write /sys/kernel/mm/lru_gen/enabled n\n')
  })
})

describe.runIf(missing !== null)('kernel runs in a VM (skipped)', () => {
  it('says what is missing', () => {
    console.warn(`VM tests skipped: ${missing}`)
  })
})

describe('a panic in early boot under TCG', () => {
  const boot = (consoleText: string, booted = false) => ({
    events: booted ? [{ event: 'boot', fields: {} }] : [],
    console: consoleText.split('\n'),
    stopped: null
  })
  it('is booted once more when the emulation faulted, never when the image or initramfs is wrong', () => {
    expect(transientBootPanic(boot('[2.1] Kernel panic - not syncing: Fatal exception in interrupt'))).toBe(true)
    expect(transientBootPanic(boot('[1.0] Kernel panic - not syncing: No working init found.  Try passing init= option'))).toBe(false)
    expect(transientBootPanic(boot('Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'))).toBe(false)
    // after /init started, a panic is the run's own result; without a panic there is nothing to retry
    expect(transientBootPanic(boot('Kernel panic - not syncing: Fatal exception', true))).toBe(false)
    expect(transientBootPanic(boot('Booting the kernel.'))).toBe(false)
  })

  it('is recorded: two boot attempts and why the first was not used', async () => {
    const fake = (accel: 'kvm' | 'tcg', consoleText: string, booted: boolean): Attempt =>
      ({ ...boot(consoleText, booted), accel }) as unknown as Attempt
    const seq = (...as: Attempt[]) => {
      const accels: string[] = []
      return { accels, boot: async (accel: 'kvm' | 'tcg') => (accels.push(accel), as.shift()!) }
    }
    const panicked = seq(fake('tcg', 'Kernel panic - not syncing: Fatal exception in interrupt', false), fake('tcg', '', true))
    const r = await bootGuest('tcg', false, DEFAULT_VM_LIMITS, panicked.boot)
    expect(panicked.accels).toEqual(['tcg', 'tcg'])
    expect(r.attempts).toBe(2)
    expect(r.retries).toEqual(['early-boot panic under TCG: Fatal exception in interrupt'])
    expect(r.attempt.events).toHaveLength(1)
    // a first boot that ran the workload: one attempt, nothing to explain
    const once = seq(fake('tcg', '', true))
    expect(await bootGuest('tcg', false, DEFAULT_VM_LIMITS, once.boot)).toMatchObject({ attempts: 1, retries: [], kvmFailed: null })
    // KVM that never reached /init in 'auto': TCG, and the reason kept
    const kvm = seq(fake('kvm', '', false), fake('tcg', '', true))
    const k = await bootGuest('auto', true, DEFAULT_VM_LIMITS, kvm.boot)
    expect(kvm.accels).toEqual(['kvm', 'tcg'])
    expect(k.attempts).toBe(2)
    expect(k.retries[0]).toMatch(/^KVM guest did not reach \/init within 30 s/)
    expect(k.kvmFailed).toBe(k.retries[0])
  })
})
