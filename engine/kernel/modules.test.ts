import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { listCached } from './images'
import {
  GUEST_MODULE_ROOTS,
  loadOrder,
  moduleName,
  moduleRelease,
  parseModinfo,
  parseModulesDep,
  readModule,
  type ModulesFolder
} from './modules'

// Lines of the modules.dep that depmod wrote for Debian's 6.1.0-56-cloud-amd64 package.
const DEP_61 = fs.readFileSync(path.join(__dirname, 'fixtures', 'modules.dep-6.1.0-56-cloud-amd64'), 'utf8')

function folderFromDep(text: string, builtin: string[] = []): ModulesFolder {
  const deps = parseModulesDep(text)
  return {
    dir: 'fixture',
    files: new Map([...deps.keys()].map((n) => [n, `/fixture/${n}.ko`])),
    builtin: new Set(builtin),
    depSource: 'modules.dep',
    depends: (n) => deps.get(n) ?? []
  }
}

describe('module load order', () => {
  it('parses modules.dep names as the kernel compares them', () => {
    const deps = parseModulesDep(DEP_61)
    expect(deps.get('virtio_blk')).toEqual(['virtio', 'virtio_ring'])
    expect(deps.get('virtiofs')).toEqual(['virtio', 'virtio_ring', 'fuse'])
    expect(deps.get('virtio_ring')).toEqual([])
    expect(moduleName('kernel/drivers/char/hw_random/virtio-rng.ko.xz')).toBe('virtio_rng')
  })

  it('orders the guest modules of Debian 6.1 from its real modules.dep: every dependency first, each once', () => {
    const order = loadOrder(folderFromDep(DEP_61), GUEST_MODULE_ROOTS).map((m) => m.name)
    expect(new Set(order)).toEqual(
      new Set(['virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_pci', 'virtio_blk'])
    )
    expect(order.length).toBe(6)
    const deps = parseModulesDep(DEP_61)
    for (const [i, m] of order.entries()) for (const d of deps.get(m)!) expect(order.indexOf(d), `${d} before ${m}`).toBeLessThan(i)
    expect(order.at(-1)).toBe('virtio_blk')
  })

  it('skips built-in roots and fails on a missing dependency of a present module', () => {
    // 6.12: virtio and virtio_pci are built in; only virtio_blk is a module.
    const f = folderFromDep('kernel/drivers/block/virtio_blk.ko.xz:\n', ['virtio', 'virtio_pci', 'virtio_ring'])
    expect(loadOrder(f, GUEST_MODULE_ROOTS).map((m) => m.name)).toEqual(['virtio_blk'])
    const broken = folderFromDep('kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko\n')
    expect(() => loadOrder(broken, GUEST_MODULE_ROOTS)).toThrow(/virtio_blk needs virtio, which is neither a module there nor built in/)
    const cyclic = folderFromDep('a.ko: b.ko\nb.ko: a.ko\n')
    expect(() => loadOrder(cyclic, ['a'])).toThrow(/cycle/)
  })

  it('rejects a file that is not a module', () => {
    expect(() => parseModinfo(Buffer.from('not an elf file at all, just text............................................'))).toThrow(
      /not an ELF/
    )
  })

  const k61 = listCached().find((k) => k.release.startsWith('6.1.0-'))
  it.runIf(k61)("reads the same dependencies from the real modules' .modinfo as depmod wrote (cached Debian 6.1)", () => {
    const deps = parseModulesDep(DEP_61)
    for (const m of k61!.modules) {
      const info = parseModinfo(readModule(m.file))
      const fromModinfo = (info.get('depends')?.[0] ?? '').split(',').filter(Boolean).sort()
      expect(fromModinfo, m.name).toEqual([...deps.get(m.name)!].sort())
      expect(moduleRelease(m.file)).toBe(k61!.release)
    }
    expect(k61!.modules.map((m) => m.name).at(-1)).toBe('virtio_blk')
  })
  it.skipIf(k61)('modinfo check on a real 6.1 module skipped: no Debian 6.1 kernel cached', () => {
    console.warn(
      'modules test: no Debian 6.1 kernel in the lab cache; fetch one with `swaplab kernels fetch 6.1` to check .modinfo parsing on real modules'
    )
  })
})
