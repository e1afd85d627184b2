import { describe, expect, it } from 'vitest'
import { DESIGN_CATALOGUE, WORKLOAD_CATALOGUE } from '../../../engine/pure'
import type { ExperimentConfig } from '../../../experiments/api'
import { configLabel, fieldLabel, scratchConfig } from './configEdit'

const cat = { designs: DESIGN_CATALOGUE, workloads: WORKLOAD_CATALOGUE }

describe('field labels in the side panel', () => {
  const c: ExperimentConfig = {
    ...scratchConfig(DESIGN_CATALOGUE, WORKLOAD_CATALOGUE),
    designs: [
      { design: 'cluster', options: {} },
      { design: 'swap-table', options: { phase: 2 } }
    ],
    sweep: { mode: 'list', axes: [{ path: 'workload.params.tasks', values: [1, 2, 4] }] }
  }

  it('name each field as the form labels it, never by its schema path', () => {
    expect(fieldLabel('designs.1.options.phase', c, cat)).toBe('Design 2 (swap-table P2): Phase')
    expect(fieldLabel('designs.0.label', c, cat)).toBe('Design 1: label')
    expect(fieldLabel('workload.params.tasks', c, cat)).toBe('Tasks')
    expect(fieldLabel('devices.0.sizeBytes', c, cat)).toBe('Device size')
    expect(fieldLabel('memoryLimitBytes', c, cat)).toBe('Memory limit')
    expect(fieldLabel('sweep.axes', c, cat)).toBe('Sweep axes')
    expect(fieldLabel('sweep.axes.0.values.2', c, cat)).toBe('Sweep usemem: Tasks: value 3 (4)')
    expect(fieldLabel('sweep.axes.0.path', c, cat)).toBe('Sweep usemem: Tasks')
    expect(fieldLabel('', c, cat)).toBe('Config')
  })

  it('name a run’s engine config fields for Compare’s table the same way', () => {
    expect(configLabel('memoryLimitBytes')).toBe('Memory limit')
    expect(configLabel('workload.params.tasks')).toBe('Tasks')
    expect(configLabel('designOptions.phase')).toBe('Phase (design option)')
    expect(configLabel('devices.0.sizeBytes')).toBe('Device size')
    expect(configLabel('devices.1.preset')).toBe('Swap device 2')
  })

  it('still say a path in words without the config and catalogue', () => {
    for (const path of ['designs.1.options.phase', 'workload.params.sizeBytes', 'devices.1.priority', 'sensitivity.factors.0'])
      expect(fieldLabel(path)).not.toMatch(/\.|Bytes|params|options/)
  })
})
