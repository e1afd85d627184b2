import { afterAll, describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  cgroupOwnerPid,
  createCgroup,
  findMemoryHierarchy,
  newCgroupName,
  parseCgroupMounts,
  parseProcCgroup,
  removeCgroup
} from './cgroup'

// /proc/self/cgroup and the cgroup lines of /proc/self/mountinfo of this machine (cgroup v1
// for memory, an unused cgroup2 mount), and of a systemd machine with cgroup v2 only.
const V1_CGROUP = `9:name=systemd:/
4:memory:/process_api/fd114f064adb224de5f68bbf055b605b
3:cpuset:/
1:cpu:/
0::/
`
const V1_MOUNTS = `31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
const V2_CGROUP = '0::/user.slice/user-1000.slice/session-3.scope\n'
const V2_MOUNTS =
  '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-cgtest-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('finding the memory cgroup hierarchy', () => {
  it('parses /proc/self/cgroup for v1 controllers and the v2 path', () => {
    expect(parseProcCgroup(V1_CGROUP)).toEqual({
      v2: '/',
      v1: { 'name=systemd': '/', memory: '/process_api/fd114f064adb224de5f68bbf055b605b', cpuset: '/', cpu: '/' }
    })
    expect(parseProcCgroup(V2_CGROUP).v2).toBe('/user.slice/user-1000.slice/session-3.scope')
  })

  it('parses the cgroup mounts of mountinfo with their super options', () => {
    const m = parseCgroupMounts(V1_MOUNTS + V2_MOUNTS)
    expect(m.map((x) => [x.fstype, x.point])).toEqual([
      ['cgroup', '/sys/fs/cgroup/cpu'],
      ['cgroup', '/sys/fs/cgroup/memory'],
      ['cgroup2', '/sys/fs/cgroup/unified'],
      ['cgroup2', '/sys/fs/cgroup']
    ])
    expect(m[1].superOptions).toContain('memory')
  })

  it('uses v1 under our own memory cgroup when the cgroup2 mount has no memory controller', () => {
    // the unified mount point of the text does not offer memory (its cgroup.controllers is not read as such here)
    const h = findMemoryHierarchy(V1_CGROUP, V1_MOUNTS.replace('/sys/fs/cgroup/unified', path.join(tmp, 'no-such')))
    expect(h).toEqual({ version: 1, parent: '/sys/fs/cgroup/memory/process_api/fd114f064adb224de5f68bbf055b605b' })
  })

  it('uses v2 at the unified root when it offers memory', () => {
    const root = path.join(tmp, 'unified')
    fs.mkdirSync(root)
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n')
    expect(findMemoryHierarchy(V2_CGROUP, V2_MOUNTS.replace(' /sys/fs/cgroup ', ` ${root} `))).toEqual({ version: 2, parent: root })
  })

  it('says what is missing when no memory hierarchy is mounted', () => {
    expect(() => findMemoryHierarchy(V2_CGROUP, '')).toThrow(/no memory cgroup: .*CONFIG_MEMCG/)
  })
})

describe('lab cgroups', () => {
  it('have collision-free names that carry the owner pid', () => {
    const a = newCgroupName(1234)
    expect(a).toMatch(/^swaplab-1234-[0-9a-f]{8}$/)
    expect(newCgroupName(1234)).not.toBe(a)
    expect(cgroupOwnerPid(a)).toBe(1234)
    expect(cgroupOwnerPid('swaplab-1234')).toBeNull()
    expect(cgroupOwnerPid('user.slice')).toBeNull()
  })

  it('write the limit the way each version spells it (on a stand-in folder)', () => {
    const v2 = createCgroup({ version: 2, parent: tmp }, newCgroupName(), 64 * 2 ** 20 + 100)
    expect(fs.readFileSync(path.join(v2.path, 'memory.max'), 'utf8')).toBe(String(64 * 2 ** 20))
    expect(v2.procsFile).toBe(path.join(v2.path, 'cgroup.procs'))
    const v1 = createCgroup({ version: 1, parent: tmp }, newCgroupName(), 8 * 2 ** 20)
    expect(fs.readFileSync(path.join(v1.path, 'memory.limit_in_bytes'), 'utf8')).toBe(String(8 * 2 ** 20))
    expect(() => createCgroup({ version: 1, parent: tmp }, 'someone-elses', 1 << 20)).toThrow(/not a lab cgroup name/)
  })

  it('refuse to remove a cgroup that is not the lab’s', async () => {
    const other = path.join(tmp, 'their-cgroup')
    fs.mkdirSync(other)
    await expect(
      removeCgroup({ version: 2, path: other, name: 'their-cgroup', procsFile: path.join(other, 'cgroup.procs') })
    ).rejects.toThrow(/not a lab cgroup/)
    expect(fs.existsSync(other)).toBe(true)
  })
})
