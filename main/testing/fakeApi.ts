// A LabApi that records calls, for bridge tests (IPC and HTTP): the bridges are tested for
// what they forward and refuse, not for what the lab does.
import type { LabApi, LabEvent } from '../../experiments/api'

export interface RecordingApi extends LabApi {
  calls: { method: string; args: unknown[] }[]
  emit(event: LabEvent): void
  listenerCount(): number
}

export function recordingApi(): RecordingApi {
  const listeners = new Set<(e: LabEvent) => void>()
  const calls: { method: string; args: unknown[] }[] = []
  const rec =
    (method: string, value: unknown = null) =>
    async (...args: unknown[]) => {
      calls.push({ method, args })
      if (method === 'start' && (args[0] as { name?: unknown }).name === 'explode')
        throw Object.assign(new Error('must be at least 1; got 0'), { field: 'cpus' })
      return value
    }
  return {
    calls,
    emit: (e) => listeners.forEach((l) => l(e)),
    listenerCount: () => listeners.size,
    catalogue: rec('catalogue', {
      designs: [],
      workloads: [],
      devicePresets: [],
      appVersion: '0',
      engineVersion: '0',
      maxRuns: 1
    }) as LabApi['catalogue'],
    presets: rec('presets', []) as LabApi['presets'],
    validate: rec('validate', { ok: true }) as LabApi['validate'],
    preview: rec('preview', { runs: 1, estimatedSeconds: 1, maxRuns: 10 }) as LabApi['preview'],
    start: rec('start', { experimentId: 1, runIds: [1, 2] }) as LabApi['start'],
    rerun: rec('rerun', { experimentId: 2, runIds: [3] }) as LabApi['rerun'],
    cancel: rec('cancel') as LabApi['cancel'],
    listRuns: rec('listRuns', []) as LabApi['listRuns'],
    getRun: rec('getRun', { id: 1 }) as LabApi['getRun'],
    getSamples: rec('getSamples', { runId: 1, samples: [], totalSamples: 0 }) as LabApi['getSamples'],
    getSeries: rec('getSeries', []) as LabApi['getSeries'],
    compare: rec('compare', {
      groups: [],
      baseline: null,
      baselineKeys: [],
      baselineKey: null,
      deltas: {},
      significance: {},
      sweep: [],
      configs: {}
    }) as LabApi['compare'],
    deleteRuns: rec('deleteRuns', 2) as LabApi['deleteRuns'],
    setNote: rec('setNote') as LabApi['setNote'],
    setTags: rec('setTags') as LabApi['setTags'],
    exportCsv: rec('exportCsv', { summaryCsv: 'run_id\n1\n', samplesCsv: 'run_id,metric\n' }) as LabApi['exportCsv'],
    exportJson: rec('exportJson', '{}') as LabApi['exportJson'],
    importJson: rec('importJson', { runIds: [] }) as LabApi['importJson'],
    kernels: rec('kernels', { images: [], aptProblem: null }) as LabApi['kernels'],
    parseConfig: rec('parseConfig', { ok: true, config: {} }) as LabApi['parseConfig'],
    runConfig: rec('runConfig', {}) as LabApi['runConfig'],
    setExperimentNote: rec('setExperimentNote') as LabApi['setExperimentNote'],
    setExperimentTags: rec('setExperimentTags') as LabApi['setExperimentTags'],
    fidelityReport: rec('fidelityReport', null) as LabApi['fidelityReport'],
    startFidelity: rec('startFidelity', { stamp: 's', experimentIds: [1], runIds: [1], skipped: [] }) as LabApi['startFidelity'],
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
