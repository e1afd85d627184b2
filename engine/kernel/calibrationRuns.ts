// The documented set of host kernel runs the host cost profile is fitted to
// (engine/sim/profiles/host.json), and the simulated config that pairs with each one.
// scripts/measure-host.mjs runs every case on the host kernel (several trials) and writes the
// records `swaplab calibrate --runs FILE` reads; docs/cli.md says how to refit.
//
// Cases: usemem sequential and random; 1, 2 and 4 processes sharing one memory cgroup; the
// lab's device file (through a loop device) at two limits, and a lab-owned zram device at one.
// The total footprint is the same (128 MiB, 2 passes) so cases differ in access pattern,
// sharing and pressure only. Sizes are chosen for runs of a few seconds: enough system time
// (hundreds of ms) that rusage's tick granularity and the shared machine's noise stay small.

import type { DevicePresetName, EngineConfig } from '../types'
import { resolveEngineConfig, type EngineConfigInput } from '../config'
import { pairedDesign } from './releases'

const MiB = 2 ** 20

export interface CalibrationCase {
  /** Stable label, also the key of the case's residual in the profile. */
  label: string
  tasks: number
  random: boolean
  limitBytes: number
  /** 'nvme' stands for the device file through a loop device (asynchronous); 'zram' for a lab-owned zram device. */
  device: Extract<DevicePresetName, 'nvme' | 'zram'>
}

export const CALIBRATION_TOTAL_BYTES = 128 * MiB
export const CALIBRATION_PASSES = 2
export const CALIBRATION_DEVICE_BYTES = 512 * MiB

function cases(): CalibrationCase[] {
  const out: CalibrationCase[] = []
  const add = (device: CalibrationCase['device'], limitMiB: number, tasksList: number[]): void => {
    for (const random of [false, true])
      for (const tasks of tasksList)
        out.push({
          label: `usemem ${random ? 'random' : 'seq'} x${tasks} ${limitMiB}MiB ${device === 'zram' ? 'zram' : 'file'}`,
          tasks,
          random,
          limitBytes: limitMiB * MiB,
          device
        })
  }
  add('nvme', 64, [1, 2, 4])
  add('nvme', 96, [1, 2, 4])
  add('zram', 64, [1, 2, 4])
  return out
}

/** The run set, in the order it is measured. */
export const CALIBRATION_CASES: readonly CalibrationCase[] = cases()

function baseInput(c: CalibrationCase): EngineConfigInput {
  return {
    workload: {
      name: 'usemem',
      params: { tasks: c.tasks, sizeBytes: CALIBRATION_TOTAL_BYTES / c.tasks, passes: CALIBRATION_PASSES, random: c.random }
    },
    devices: [{ sizeBytes: CALIBRATION_DEVICE_BYTES, preset: c.device }],
    memoryLimitBytes: c.limitBytes,
    pageCluster: 3,
    thpOrders: [0],
    seed: 1
  }
}

/** The case on the host kernel. */
export function kernelCaseConfig(c: CalibrationCase): EngineConfig {
  return resolveEngineConfig({ ...baseInput(c), design: 'kernel', designOptions: { image: 'host' } })
}

/**
 * The simulated counterpart: the design that models `release`, as many CPUs as the kernel ran
 * on, the device preset standing for the kernel's device.
 */
export function simCaseConfig(c: CalibrationCase, release: string, cpus: number): EngineConfig {
  const paired = pairedDesign(release)
  if (!paired) throw new Error(`no simulated design models kernel ${release}`)
  // Metadata-only: simulated times do not depend on page data (the same run with a file device
  // gives the same system time to the ns), and calibration simulates every case many times.
  return resolveEngineConfig({ ...baseInput(c), design: paired.design, designOptions: paired.options, cpus, storage: 'metadata-only' })
}
