import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  bzImageRelease,
  bzImageVersion,
  checkConfig,
  compareDebianVersions,
  debianMirror,
  listCached,
  pickVersion,
  readConfig,
  resolveImage,
  systemDebianSources,
  upstreamOf
} from './images'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-images-test-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('Debian versions', () => {
  it('orders as dpkg does (~ before anything, numbers numerically, revisions after upstream)', () => {
    const sorted = [
      '6.12.117-1',
      '6.12.9-1',
      '6.12.117-1~deb12u1',
      '6.1.192-2',
      '6.1.192-1',
      '7.3~rc7-1~exp1',
      '7.3.4-1~bpo13+1',
      '1:5.0-1',
      '6.12.117-1+b1'
    ]
    sorted.sort(compareDebianVersions)
    expect(sorted).toEqual([
      '6.1.192-1',
      '6.1.192-2',
      '6.12.9-1',
      '6.12.117-1~deb12u1',
      '6.12.117-1',
      '6.12.117-1+b1',
      '7.3~rc7-1~exp1',
      '7.3.4-1~bpo13+1',
      '1:5.0-1'
    ])
    expect(compareDebianVersions('6.12.117-1', '6.12.117-1')).toBe(0)
    expect(upstreamOf('7.0.13-1~bpo13+1')).toBe('7.0.13')
    expect(upstreamOf('6.1.170-3')).toBe('6.1.170')
  })

  it('picks the newest match of a prefix, an exact version or a release', () => {
    const list = [
      { version: '6.12.115-2~deb12u1', release: '6.12.115+deb12-cloud-amd64', upstream: '6.12.115' },
      { version: '6.12.117-1~deb12u1', release: '6.12.117+deb12-cloud-amd64', upstream: '6.12.117' },
      { version: '6.12.117-1', release: '6.12.117+deb13-cloud-amd64', upstream: '6.12.117' },
      { version: '6.1.192-2', release: '6.1.0-56-cloud-amd64', upstream: '6.1.192' },
      { version: '6.16.12-1~bpo13+1', release: '6.16.12+deb13-cloud-amd64', upstream: '6.16.12' }
    ]
    expect(pickVersion(list, '6.12')?.version).toBe('6.12.117-1')
    expect(pickVersion(list, '6.1')?.version).toBe('6.1.192-2') // not 6.12 or 6.16
    expect(pickVersion(list, '6.12.115')?.version).toBe('6.12.115-2~deb12u1')
    expect(pickVersion(list, '6.12.117-1~deb12u1')?.version).toBe('6.12.117-1~deb12u1')
    expect(pickVersion(list, '6.1.0-56')?.version).toBe('6.1.192-2')
    expect(pickVersion(list, '6.1.0-56-cloud-amd64')?.version).toBe('6.1.192-2')
    expect(pickVersion(list, '6.13')).toBeNull()
  })
})

describe("the machine's apt sources", () => {
  it('finds the Debian mirror in deb822 and one-line sources, never a security suite', () => {
    const etc = path.join(tmp, 'etc-apt')
    fs.mkdirSync(path.join(etc, 'sources.list.d'), { recursive: true })
    fs.writeFileSync(
      path.join(etc, 'sources.list.d', 'debian.sources'),
      [
        'Types: deb',
        'URIs: http://security.example/debian-security',
        'Suites: bookworm-security',
        'Components: main',
        '',
        'Types: deb',
        'URIs: http://mirror.example/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main contrib',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
        ''
      ].join('\n')
    )
    const s = systemDebianSources(etc)
    expect(s).toHaveLength(2)
    expect(debianMirror(s)).toEqual({ uri: 'http://mirror.example/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' })
    const etc2 = path.join(tmp, 'etc-apt-2')
    fs.mkdirSync(etc2)
    fs.writeFileSync(path.join(etc2, 'sources.list'), '# comment\ndeb [signed-by=/k.gpg] http://one.example/debian bookworm main\n')
    expect(debianMirror(systemDebianSources(etc2))).toEqual({ uri: 'http://one.example/debian', signedBy: '/k.gpg' })
    expect(debianMirror([])).toBeNull()
  })
})

describe('images given as a path', () => {
  it('refuses what is not a bzImage and a missing file', async () => {
    const f = path.join(tmp, 'junk')
    fs.writeFileSync(f, Buffer.alloc(4096, 0x41))
    expect(() => bzImageRelease(f)).toThrow(/not a bootable x86 kernel image/)
    await expect(resolveImage(path.join(tmp, 'nope'))).rejects.toThrow(/does not exist/)
    await expect(resolveImage('debian-6.12', '/some/modules')).rejects.toThrow(/brings its own modules/)
  })

  it('refuses a kernel config without swap or memory cgroups before booting', () => {
    const cfg = path.join(tmp, 'config')
    fs.writeFileSync(cfg, 'CONFIG_SWAP=y\n# CONFIG_MEMCG is not set\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_DEVTMPFS=y\nCONFIG_VIRTIO_BLK=m\n')
    expect(() => checkConfig(readConfig(cfg), 'kernel X')).toThrow(
      /kernel X cannot run the lab's workloads: it has no memory cgroups \(CONFIG_MEMCG\)/
    )
    fs.writeFileSync(cfg, 'CONFIG_SWAP=y\nCONFIG_MEMCG=y\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_DEVTMPFS=y\nCONFIG_VIRTIO_BLK=y\n')
    expect(() => checkConfig(readConfig(cfg), 'kernel X')).not.toThrow()
  })

  const cached = listCached().filter((k) => !k.missing.length)
  it.runIf(cached.length)('reads the release of every cached image from its setup header', () => {
    for (const k of cached) {
      expect(bzImageRelease(k.vmlinuz)).toBe(k.release)
      expect(bzImageVersion(k.vmlinuz)).toContain(`Debian ${k.version}`)
    }
  })
  it.skipIf(cached.length)('bzImage header check skipped: no kernel in the lab cache', () => {
    console.warn('images test: no cached kernel, so bzImage parsing was not checked on a real image (`swaplab kernels fetch 6.12`)')
  })
})
