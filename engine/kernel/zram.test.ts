// Lab-owned zram devices: on a fake sysfs tree (everywhere) and on the real kernel (root with
// /sys/class/zram-control; skipped with a line saying why elsewhere). The lab must refuse
// every device it did not create, and remove its own, after a failure too.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseSwapHeader } from '../device/swapHeader'
import { resolveEngineConfig } from '../config'
import { parseProcSwaps } from './procfs'
import { activeAlgorithm, adoptZram, hotAddZram, ownsZram, removeZram, zramUnavailable, type ZramRoots } from './zram'
import { hostStateDir, runOnHost } from './host'

const MiB = 2 ** 20

/** A fake sysfs + /dev: zram0 (the machine's) exists, hot_add will answer `next`. */
function fakeTree(next: number): ZramRoots & { base: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-zramtest-'))
  const sys = path.join(base, 'sys')
  const dev = path.join(base, 'dev')
  fs.mkdirSync(path.join(sys, 'class', 'zram-control'), { recursive: true })
  fs.mkdirSync(dev)
  fs.writeFileSync(path.join(sys, 'class', 'zram-control', 'hot_add'), `${next}\n`)
  fs.writeFileSync(path.join(sys, 'class', 'zram-control', 'hot_remove'), '')
  for (const id of [0, next]) {
    const d = path.join(sys, 'block', `zram${id}`)
    fs.mkdirSync(d, { recursive: true })
    fs.writeFileSync(path.join(d, 'comp_algorithm'), 'lzo [lzo-rle] lz4\n')
    fs.writeFileSync(path.join(d, 'disksize'), '0\n')
    fs.writeFileSync(path.join(d, 'reset'), '')
    fs.writeFileSync(path.join(dev, `zram${id}`), Buffer.alloc(8192))
  }
  return { sys, dev, base }
}

const read = (f: string): string => fs.readFileSync(f, 'utf8')

describe('zram devices on a fake sysfs tree', () => {
  const trees: string[] = []
  afterAll(() => trees.forEach((t) => fs.rmSync(t, { recursive: true, force: true })))

  it('creates a device with hot_add, sizes it, writes the lab swap header, and removes it', () => {
    const t = fakeTree(3)
    trees.push(t.base)
    const created: number[] = []
    const z = hotAddZram(16 * MiB + 100, { roots: t, onCreated: (id) => created.push(id) })
    expect(z).toEqual({ id: 3, dev: path.join(t.dev, 'zram3'), sizeBytes: 16 * MiB, algorithm: 'lzo-rle' })
    expect(created).toEqual([3])
    expect(read(path.join(t.sys, 'block/zram3/disksize'))).toBe(String(16 * MiB))
    const header = parseSwapHeader(fs.readFileSync(z.dev).subarray(0, 4096))
    expect(header.label).toBe('swaplab')
    expect(header.lastPage).toBe((16 * MiB) / 4096 - 1)
    expect(ownsZram(3, t)).toBe(true)
    expect(removeZram(3, { roots: t })).toBeNull()
    expect(read(path.join(t.sys, 'block/zram3/reset'))).toBe('1')
    expect(read(path.join(t.sys, 'class/zram-control/hot_remove'))).toBe('3')
    expect(ownsZram(3, t)).toBe(false)
  })

  it('refuses a device it did not create (the machine zram0, or one removed already), changing nothing', () => {
    const t = fakeTree(2)
    trees.push(t.base)
    expect(() => removeZram(0, { roots: t })).toThrow('zram0 was not created by this lab process: refusing to touch it')
    expect(() => removeZram(2, { roots: t })).toThrow(/zram2 was not created/)
    expect(read(path.join(t.sys, 'block/zram0/reset'))).toBe('')
    expect(read(path.join(t.sys, 'class/zram-control/hot_remove'))).toBe('')
    hotAddZram(MiB, { roots: t })
    expect(removeZram(2, { roots: t })).toBeNull()
    expect(() => removeZram(2, { roots: t })).toThrow(/zram2 was not created/)
  })

  it('removes the device it created when a later step fails, and says which step', () => {
    const t = fakeTree(5)
    trees.push(t.base)
    fs.rmSync(path.join(t.sys, 'block/zram5/disksize'))
    fs.mkdirSync(path.join(t.sys, 'block/zram5/disksize')) // writing it fails (EISDIR)
    expect(() => hotAddZram(4 * MiB, { roots: t })).toThrow(/^setting up zram5 failed: .*EISDIR.*\(the device was removed\)$/)
    expect(read(path.join(t.sys, 'class/zram-control/hot_remove'))).toBe('5')
    expect(ownsZram(5, t)).toBe(false)
  })

  it('adopts after a crash only a device that still carries the lab swap label', () => {
    const t = fakeTree(4)
    trees.push(t.base)
    expect(adoptZram(4, { roots: t })).toBe(false) // no swap header: someone else's device now
    expect(ownsZram(4, t)).toBe(false)
    hotAddZram(MiB, { roots: t })
    expect(removeZram(4, { roots: t })).toBeNull() // the fake's folder stays, with our header on its node
    expect(adoptZram(4, { roots: t })).toBe(true)
    expect(ownsZram(4, t)).toBe(true)
    expect(adoptZram(0, { roots: t })).toBe(false)
  })

  it('says why zram cannot be had and reads the active algorithm', () => {
    expect(zramUnavailable({ sys: '/nonexistent', dev: '/dev' })).toMatch(/^no zram hot_add/)
    expect(activeAlgorithm('lzo [lzo-rle] lz4 zstd\n')).toBe('lzo-rle')
    expect(activeAlgorithm('zstd\n')).toBe('zstd')
  })
})

// ---------------------------------------------------------------- the real kernel

const SBIN = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` }
function realProblem(): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root'
  const z = zramUnavailable()
  if (z) return z
  for (const tool of ['swapon', 'swapoff', 'cc']) if (spawnSync(tool, ['--version'], { env: SBIN }).error) return `\`${tool}\` is missing`
  return null
}
const problem = realProblem()
if (problem) console.log(`zram.test: real zram devices skipped: ${problem}`)

const zramIds = (): number[] =>
  fs
    .readdirSync('/sys/block')
    .filter((n) => /^zram\d+$/.test(n))
    .map((n) => Number(n.slice(4)))

describe.skipIf(!!problem)('zram devices on this kernel', () => {
  let tmp = ''
  const saved = process.env.SWAPLAB_CACHE
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-zramhost-'))
    process.env.SWAPLAB_CACHE = path.join(tmp, 'cache')
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.SWAPLAB_CACHE
    else process.env.SWAPLAB_CACHE = saved
    fs.rmSync(tmp, { recursive: true, force: true })
  })

  it('hot_add makes a new device (never zram0), hot_remove takes it away; zram0 is refused', () => {
    const before = zramIds()
    const z = hotAddZram(8 * MiB)
    expect(before).not.toContain(z.id)
    expect(fs.existsSync(`/sys/block/zram${z.id}`)).toBe(true)
    expect(Number(read(`/sys/block/zram${z.id}/disksize`))).toBe(8 * MiB)
    expect(removeZram(z.id)).toBeNull()
    expect(zramIds().sort()).toEqual(before.sort())
    for (const id of before) expect(() => removeZram(id)).toThrow(/not created by this lab process/)
    expect(zramIds().sort()).toEqual(before.sort())
  })

  it('a setup step that fails (an unknown algorithm) leaves no device behind', () => {
    const before = zramIds()
    let id = -1
    expect(() => hotAddZram(8 * MiB, { algorithm: 'no-such-algorithm', onCreated: (i) => (id = i) })).toThrow(
      /^setting up zram\d+ failed: .*\(the device was removed\)$/
    )
    expect(id).toBeGreaterThan(0)
    expect(fs.existsSync(`/sys/block/zram${id}`)).toBe(false)
    expect(zramIds().sort()).toEqual(before.sort())
  })

  it('a host run with device preset zram swaps to a lab-owned zram device and removes it', async () => {
    const before = zramIds()
    const config = resolveEngineConfig({
      design: 'kernel',
      designOptions: { image: 'host' },
      deviceDir: tmp,
      devices: [{ sizeBytes: 64 * MiB, preset: 'zram' }],
      memoryLimitBytes: 8 * MiB,
      workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 16 * MiB, passes: 2 } }
    })
    const r = await runOnHost(config)
    expect(r.kernel.swapDevice).toMatch(/^\/dev\/zram\d+ \(lab-owned zram, [\w-]+: a synchronous device/)
    expect(r.kernel.swapDevice).not.toMatch(/^\/dev\/zram0 /)
    expect(r.counters.pswpout).toBeGreaterThan(0)
    expect(r.workloadMetrics.verifiedPages).toBe((16 * MiB) / 4096)
    expect(zramIds().sort()).toEqual(before.sort())
    expect(parseProcSwaps(read('/proc/swaps')).filter((a) => a.filename.startsWith('/dev/zram'))).toEqual([])
    expect(fs.readdirSync(hostStateDir()).filter((f) => f.startsWith(`run-${process.pid}-`))).toEqual([])
  }, 180_000)
})
