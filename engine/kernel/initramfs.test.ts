import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { S_IFCHR, S_IFDIR, S_IFREG, buildInitramfs, readCpio, writeCpio, type CpioEntry } from './initramfs'

const entries: CpioEntry[] = [
  { name: 'dev', mode: S_IFDIR | 0o755 },
  { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
  { name: 'bin', mode: S_IFDIR | 0o755 },
  { name: 'bin/prog', mode: S_IFREG | 0o755, data: Buffer.from('x'.repeat(4099)) },
  { name: 'init', mode: S_IFREG | 0o755, data: Buffer.from('#!init\n') },
  { name: 'a-name-of-odd-length', mode: S_IFREG | 0o644, data: Buffer.alloc(0) }
]

const hasCpio = spawnSync('cpio', ['--version']).status === 0

describe('newc cpio writer', () => {
  it('lays out headers, names and data on 4-byte boundaries and reads back the same entries', () => {
    const buf = writeCpio(entries)
    expect(buf.toString('latin1', 0, 6)).toBe('070701')
    // Header (110) + "dev\0" (4) = 114 -> padded to 116; a directory has no data.
    expect(buf.toString('latin1', 116, 122)).toBe('070701')
    expect(buf.length % 4).toBe(0)
    const back = readCpio(buf)
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name))
    for (const [i, e] of entries.entries()) {
      expect(back[i].mode).toBe(e.mode)
      expect(back[i].data!.equals(e.data ?? Buffer.alloc(0))).toBe(true)
    }
    expect(back[1].rdev).toEqual({ major: 5, minor: 1 })
    expect(buf.includes(Buffer.from('TRAILER!!!\0'))).toBe(true)
  })

  it('refuses entries the kernel would not unpack as meant', () => {
    expect(() => writeCpio([{ name: 'bin/x', mode: S_IFREG | 0o755 }])).toThrow(/before its folder bin/)
    expect(() =>
      writeCpio([
        { name: 'x', mode: S_IFREG },
        { name: 'x', mode: S_IFREG }
      ])
    ).toThrow(/duplicate/)
    expect(() => writeCpio([{ name: '../x', mode: S_IFREG }])).toThrow(/bad entry name/)
    expect(() => writeCpio([{ name: 'd', mode: S_IFDIR | 0o755, data: Buffer.from('x') }])).toThrow(/has data/)
    expect(() => readCpio(Buffer.from('070707' + '0'.repeat(200)))).toThrow(/bad magic/)
  })

  it.runIf(hasCpio)('is read by the system cpio (-t lists it, -i extracts the same bytes)', () => {
    const buf = writeCpio(entries.filter((e) => e.name !== 'dev/console'))
    const listed = execFileSync('cpio', ['-t', '--quiet'], { input: buf }).toString().trim().split('\n')
    expect(listed).toEqual(['dev', 'bin', 'bin/prog', 'init', 'a-name-of-odd-length'])
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-cpio-test-'))
    try {
      execFileSync('cpio', ['-i', '--quiet', '-d'], { input: buf, cwd: dir })
      expect(fs.readFileSync(path.join(dir, 'bin/prog'), 'utf8')).toBe('x'.repeat(4099))
      expect(fs.statSync(path.join(dir, 'init')).mode & 0o777).toBe(0o755)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
  it.skipIf(hasCpio)('system cpio check skipped: no `cpio` on this machine (apt-get install cpio)', () => {
    console.warn(
      'initramfs test: the system `cpio` is missing, so the archive was not checked with it; install it with `apt-get install cpio`'
    )
  })

  it('builds a gzip initramfs with /init, the programs, the modules in order and the plan', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-initrd-test-'))
    try {
      fs.writeFileSync(path.join(dir, 'init'), 'INIT')
      fs.writeFileSync(path.join(dir, 'usemem'), 'USEMEM')
      const img = buildInitramfs({
        init: path.join(dir, 'init'),
        programs: { usemem: path.join(dir, 'usemem') },
        modules: [
          { name: 'virtio', file: 'a.ko.xz' },
          { name: 'virtio_blk', file: 'b.ko.xz' }
        ],
        readModule: (f) => Buffer.from(`ELF:${f}`),
        config: 'memcg 1\n'
      })
      const back = readCpio(gunzipSync(img))
      const byName = new Map(back.map((e) => [e.name, e]))
      expect(byName.get('init')!.data!.toString()).toBe('INIT')
      expect(byName.get('init')!.mode).toBe(S_IFREG | 0o755)
      expect(byName.get('bin/usemem')!.data!.toString()).toBe('USEMEM')
      expect(byName.get('swaplab.conf')!.data!.toString()).toBe('memcg 1\n')
      expect(back.filter((e) => e.name.startsWith('lib/modules/')).map((e) => e.data!.toString())).toEqual(['ELF:a.ko.xz', 'ELF:b.ko.xz'])
      expect(byName.get('dev/console')!.mode).toBe(S_IFCHR | 0o600)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
