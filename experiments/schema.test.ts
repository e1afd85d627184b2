import { describe, expect, it } from 'vitest'
import { validateExperiment } from './schema'
import type { FieldError } from './api'
import { variantLabel } from './sweep'

const MiB = 2 ** 20
const base = {
  designs: [{ design: 'swap-table', options: { phase: 4 } }],
  workload: { name: 'usemem', params: { tasks: 2, sizeBytes: 8 * MiB, passes: 1 } },
  memoryLimitBytes: 8 * MiB,
  devices: [{ sizeBytes: 64 * MiB }]
}

function errors(input: unknown): FieldError[] {
  const r = validateExperiment(input)
  if (r.ok) throw new Error('expected the config to be refused')
  return r.errors
}

describe('experiment schema', () => {
  it('fills defaults from the engine catalogues and parses size strings', () => {
    const r = validateExperiment({ ...base, memoryLimitBytes: '8MiB', devices: [{ sizeBytes: '64 MiB' }] })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.designs[0].options).toEqual({ phase: 4, discontiguousSwapout: false, mthpSwapin: false })
    expect(r.config.workload.params).toMatchObject({ tasks: 2, sizeBytes: 8 * MiB, random: false, writeRatio: 1 })
    expect(r.config.devices[0]).toEqual({ sizeBytes: 64 * MiB, preset: 'nvme', priority: 0, discard: false })
    expect(r.config.memoryLimitBytes).toBe(8 * MiB)
    expect(r.config).toMatchObject({ trials: 1, seed: 1, cpus: 2, storage: 'file', sweep: null })
  })

  it('names the field and the allowed values for an unknown design', () => {
    expect(errors({ ...base, designs: [{ design: 'zswap-only' }] })).toEqual([
      {
        field: 'designs.0.design',
        message: 'unknown design "zswap-only"; expected one of legacy, mthp-6.10, cluster, swap-table, vswap, kernel'
      }
    ])
  })

  it('refuses swap-table phase 7 with the allowed phases', () => {
    expect(errors({ ...base, designs: [{ design: 'swap-table', options: { phase: 7 } }] })).toEqual([
      { field: 'designs.0.options.phase', message: 'must be one of 1, 2, 3, 4; got 7' }
    ])
  })

  it('refuses a memory limit the workload never exceeds', () => {
    const [e, ...rest] = errors({ ...base, memoryLimitBytes: 1024 * MiB })
    expect(rest).toEqual([])
    expect(e.field).toBe('memoryLimitBytes')
    expect(e.message).toMatch(/smaller than what the workload touches \(16 MiB\).*got 1 GiB/)
  })

  it('does not apply the memory-limit check to thp-swap-allocator-test, which pages out explicitly', () => {
    const r = validateExperiment({
      ...base,
      workload: { name: 'thp-swap-allocator-test', params: { regionBytes: 4 * MiB, iterations: 2, dropBytes: MiB } },
      memoryLimitBytes: 512 * MiB
    })
    expect(r.ok).toBe(true)
  })

  it('refuses a device smaller than one cluster, naming the range', () => {
    const e = errors({ ...base, devices: [{ sizeBytes: 1 * MiB }] })
    expect(e[0]).toEqual({ field: 'devices.0.sizeBytes', message: 'must be a whole number from 4 MiB to 16 TiB; got 1048576 (1 MiB)' })
  })

  it('refuses negative sizes', () => {
    expect(errors({ ...base, workload: { name: 'usemem', params: { sizeBytes: -4096 } } })[0]).toEqual({
      field: 'workload.params.sizeBytes',
      message: 'must be a whole number from 64 KiB to 64 GiB; got -4096'
    })
    expect(errors({ ...base, memoryLimitBytes: -1 })[0].field).toBe('memoryLimitBytes')
    expect(errors({ ...base, devices: [{ sizeBytes: '-64MiB' }] })[0].field).toBe('devices.0.sizeBytes')
  })

  it('names unknown fields and parameters', () => {
    const e = errors({ ...base, colour: 'red', workload: { name: 'usemem', params: { tasks: 2, threads: 4 } } })
    expect(e).toContainEqual({ field: 'colour', message: 'unknown field' })
    expect(e).toContainEqual({ field: 'workload.params.threads', message: 'not a parameter of workload usemem' })
  })

  it('refuses a missing workload and a non-number with the field named', () => {
    expect(errors({ designs: base.designs })).toContainEqual({
      field: 'workload',
      message: expect.stringMatching(/^a workload is required; expected one of usemem/)
    })
    expect(errors({ ...base, cpus: 'two' })).toEqual([{ field: 'cpus', message: 'must be a whole number from 1 to 256; got "two"' }])
  })

  it('refuses two identical design variants', () => {
    expect(errors({ ...base, designs: [{ design: 'legacy' }, { design: 'legacy' }] })).toEqual([
      { field: 'designs.1', message: 'same as designs.0 (legacy); change an option or give it a label' }
    ])
  })

  it('checks every sweep value against the swept field and says which point fails', () => {
    const e = errors({ ...base, sweep: { axes: [{ path: 'workload.params.tasks', values: [1, 2, 0] }] } })
    expect(e).toEqual([{ field: 'sweep.axes.0.values.2', message: 'workload.params.tasks must be a whole number from 1 to 256; got 0' }])
    const e2 = errors({ ...base, sweep: { axes: [{ path: 'memoryLimitBytes', values: ['4MiB', '32MiB'] }] } })
    // The swept value is the cause: the message sits on the sweep row's value, not on the base field.
    expect(e2).toHaveLength(1)
    expect(e2[0].field).toBe('sweep.axes.0.values.1')
    expect(e2[0].message).toMatch(/^memoryLimitBytes: must be smaller than what the workload touches \(16 MiB\).*got 32 MiB$/)
  })

  it('puts a problem that only some values of a one-axis sweep cause on that sweep row, and one at every point on its field', () => {
    const some = errors({ ...base, memoryLimitBytes: 12 * MiB, sweep: { axes: [{ path: 'workload.params.tasks', values: [1, 2, 4] }] } })
    expect(some).toEqual([
      {
        field: 'sweep.axes.0.values.0',
        message:
          'at workload.params.tasks=1, memoryLimitBytes: must be smaller than what the workload touches (8 MiB), or nothing is swapped; got 12 MiB'
      }
    ])
    const every = errors({ ...base, memoryLimitBytes: 64 * MiB, sweep: { axes: [{ path: 'cpus', values: [1, 2] }] } })
    expect(every).toHaveLength(1)
    expect(every[0].field).toBe('memoryLimitBytes')
    expect(every[0].message).not.toMatch(/\(at /)
  })

  it('refuses a value listed twice in a grid sweep, and a repeated point in a list sweep', () => {
    expect(errors({ ...base, sweep: { axes: [{ path: 'workload.params.tasks', values: [1, 2, 2] }] } })).toEqual([
      {
        field: 'sweep.axes.0.values.2',
        message: 'workload.params.tasks lists 2 twice (values 2 and 3); each value runs once, remove the repeat'
      }
    ])
    // Sizes are compared as parsed: "8MiB" and 8388608 are the same value.
    expect(
      errors({ ...base, memoryLimitBytes: 4 * MiB, sweep: { axes: [{ path: 'memoryLimitBytes', values: ['8MiB', 8 * MiB] }] } })[0].field
    ).toBe('sweep.axes.0.values.1')
    const list = errors({
      ...base,
      sweep: {
        mode: 'list',
        axes: [
          { path: 'cpus', values: [1, 2, 1] },
          { path: 'workload.params.tasks', values: [2, 2, 2] }
        ]
      }
    })
    expect(list).toEqual([
      { field: 'sweep.axes', message: 'point 3 (cpus=1, workload.params.tasks=2) repeats point 1; each point runs once, remove the repeat' }
    ])
    // In list mode one axis may repeat a value while another differs.
    expect(
      validateExperiment({
        ...base,
        sweep: {
          mode: 'list',
          axes: [
            { path: 'cpus', values: [1, 2] },
            { path: 'workload.params.tasks', values: [2, 2] }
          ]
        }
      }).ok
    ).toBe(true)
  })

  it('refuses a label or a name too long for tables and legends, saying the limit and the length', () => {
    expect(errors({ ...base, designs: [{ design: 'legacy', label: 'x'.repeat(300) }] })).toEqual([
      { field: 'designs.0.label', message: 'must be at most 80 characters; got 300' }
    ])
    expect(errors({ ...base, name: 'n'.repeat(300) })).toEqual([{ field: 'name', message: 'must be at most 200 characters; got 300' }])
  })

  describe('swap space', () => {
    const big = { ...base, workload: { name: 'usemem', params: { tasks: 4, sizeBytes: 64 * MiB, passes: 2 } }, memoryLimitBytes: 128 * MiB }
    it('refuses a device smaller than what the workload must swap out, naming the field and the sizes', () => {
      expect(errors({ ...big, devices: [{ sizeBytes: 64 * MiB }] })).toEqual([
        {
          field: 'devices.0.sizeBytes',
          message:
            'too small for the workload: usemem holds 256 MiB (4 tasks x 64 MiB, each held through 2 passes) in a memory limit of 128 MiB, so at least 128 MiB goes to swap, ' +
            'but the device holds 63.996 MiB (one page of each is the swap header); make it at least 129 MiB, raise the memory limit or shrink the workload'
        }
      ])
      // Exactly the need is a page short: the header page is not swap.
      expect(errors({ ...big, devices: [{ sizeBytes: 128 * MiB }] })[0].field).toBe('devices.0.sizeBytes')
      expect(validateExperiment({ ...big, devices: [{ sizeBytes: 129 * MiB }] }).ok).toBe(true)
    })

    it('counts every device, and names the sweep row when a swept size is too small', () => {
      expect(errors({ ...big, devices: [{ sizeBytes: 64 * MiB }, { sizeBytes: 32 * MiB }] })[0]).toMatchObject({
        field: 'devices',
        message: expect.stringMatching(/the 2 devices hold 95\.992 MiB/)
      })
      expect(validateExperiment({ ...big, devices: [{ sizeBytes: 96 * MiB }, { sizeBytes: 64 * MiB }] }).ok).toBe(true)
      const e = errors({ ...big, sweep: { axes: [{ path: 'devices.0.sizeBytes', values: ['256MiB', '64MiB'] }] } })
      expect(e).toHaveLength(1)
      expect(e[0].field).toBe('sweep.axes.0.values.1')
      expect(e[0].message).toMatch(/^devices\.0\.sizeBytes: too small for the workload/)
    })

    it('checks the thp test and redis too, and leaves workloads whose peak is not known before the run alone', () => {
      const thp = { name: 'thp-swap-allocator-test', params: { regionBytes: 128 * MiB, iterations: 2, dropBytes: MiB } }
      expect(errors({ ...base, workload: thp, memoryLimitBytes: 32 * MiB, devices: [{ sizeBytes: 64 * MiB }] })[0].field).toBe(
        'devices.0.sizeBytes'
      )
      const redis = { name: 'redis-bgsave', params: { keyspaceBytes: 256 * MiB } }
      expect(errors({ ...base, workload: redis, memoryLimitBytes: 64 * MiB, devices: [{ sizeBytes: 64 * MiB }] })[0].field).toBe(
        'devices.0.sizeBytes'
      )
      expect(validateExperiment({ ...base, workload: { name: 'kbuild', params: {} }, devices: [{ sizeBytes: 4 * MiB }] }).ok).toBe(true)
    })
  })

  it('refuses paths that cannot be swept', () => {
    expect(errors({ ...base, sweep: { axes: [{ path: 'name', values: [1] }] } })[0].field).toBe('sweep.axes.0.path')
    expect(errors({ ...base, sweep: { axes: [{ path: 'workload.params.colour', values: [1] }] } })[0].message).toMatch(
      /not a parameter of workload usemem/
    )
    expect(
      errors({
        designs: [{ design: 'legacy' }, { design: 'swap-table' }],
        workload: base.workload,
        memoryLimitBytes: 8 * MiB,
        sweep: { axes: [{ path: 'options.phase', values: [1, 2] }] }
      })[0].message
    ).toMatch(/not an option of design legacy/)
  })

  it('refuses list sweeps whose axes differ in length', () => {
    const e = errors({
      ...base,
      sweep: {
        mode: 'list',
        axes: [
          { path: 'cpus', values: [1, 2] },
          { path: 'workload.params.tasks', values: [1, 2, 4] }
        ]
      }
    })
    expect(e).toEqual([
      {
        field: 'sweep.axes',
        message:
          'in list mode every axis needs the same number of values (the i-th values run together); got 2 for cpus, 3 for workload.params.tasks'
      }
    ])
  })

  it('caps the number of runs and says how many the sweep would make', () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1)
    const e = errors({ ...base, trials: 10, sweep: { axes: [{ path: 'workload.params.passes', values }] } })
    expect(e).toEqual([{ field: 'sweep', message: 'expands to 2000 runs (designs x sweep points x trials); at most 1000 are allowed' }])
  })

  describe('the kernel design', () => {
    const kernel = (options: object) => ({ design: 'kernel', options })
    it('takes host, debian-<version> and bzImage paths beside simulated designs, with labels naming the image', () => {
      const r = validateExperiment({
        ...base,
        designs: [
          kernel({ image: 'host' }),
          kernel({ image: 'debian-6.12', accel: 'tcg' }),
          kernel({ image: '/b/bzImage', modules: '/b/mods' })
        ]
      })
      expect(r.ok).toBe(true)
      if (!r.ok) return
      expect(r.config.designs.map((d) => d.options)).toEqual([
        { image: 'host', accel: 'auto', lru: 'default' },
        { image: 'debian-6.12', accel: 'tcg', lru: 'default' },
        { image: '/b/bzImage', modules: '/b/mods', accel: 'auto', lru: 'default' }
      ])
      expect(r.config.designs.map(variantLabel)).toEqual(['kernel host', 'kernel debian-6.12 tcg', 'kernel /b/bzImage'])
    })

    it('refuses an unknown option, an image it cannot read and options that make no sense, naming each field', () => {
      expect(errors({ ...base, designs: [kernel({ image: 'host', phase: 2 })] })).toEqual([
        { field: 'designs.0.options.phase', message: 'not a parameter of design kernel' }
      ])
      expect(errors({ ...base, designs: [kernel({ image: 'vmlinuz' })] })[0]).toMatchObject({
        field: 'designs.0.options.image',
        message: expect.stringMatching(/host, debian-<version>.*absolute path/)
      })
      expect(errors({ ...base, designs: [kernel({ image: 'debian-bookworm' })] })[0].message).toMatch(/not a Debian kernel version/)
      expect(errors({ ...base, designs: [kernel({ image: 'host', modules: '/lib/modules/x' })] })[0]).toMatchObject({
        field: 'designs.0.options.modules'
      })
      expect(errors({ ...base, designs: [kernel({ image: 'host', accel: 'kvm' })] })[0]).toMatchObject({
        field: 'designs.0.options.accel',
        message: expect.stringMatching(/VM/)
      })
      expect(errors({ ...base, designs: [kernel({ image: 'debian-6.12', accel: 'xen' })] })[0]).toMatchObject({
        field: 'designs.0.options.accel',
        message: 'must be one of auto, kvm, tcg; got "xen"'
      })
    })

    it('runs only the workloads that have programs, on a file device', () => {
      const fields = errors({
        ...base,
        designs: [kernel({ image: 'host' })],
        workload: { name: 'fill', params: {} },
        storage: 'metadata-only',
        devices: [{ sizeBytes: 64 * MiB }, { sizeBytes: 64 * MiB }]
      }).map((e) => e.field)
      expect(fields).toEqual(expect.arrayContaining(['workload.name', 'storage', 'devices']))
      const thp = validateExperiment({
        ...base,
        designs: [kernel({ image: 'host' })],
        workload: { name: 'thp-swap-allocator-test', params: { regionBytes: 4 * MiB, iterations: 2, dropBytes: MiB } }
      })
      expect(thp.ok).toBe(true)
    })

    it('can sweep the image across kernels', () => {
      const r = validateExperiment({
        ...base,
        designs: [kernel({ image: 'host' })],
        sweep: { mode: 'grid', axes: [{ path: 'options.image', values: ['host', 'debian-6.12'] }] }
      })
      expect(r.ok).toBe(true)
    })
  })
})
