// Desktop transport: the preload's window.swaplab, which already has the client's shape.
import type { DesktopBridge, LabClient } from './types'

export function createIpcClient(bridge: DesktopBridge): LabClient {
  // The bridge object is a contextBridge proxy: spread is not allowed on it, so forward each call.
  return {
    transport: 'ipc',
    catalogue: () => bridge.catalogue(),
    presets: () => bridge.presets(),
    validate: (c) => bridge.validate(c),
    preview: (c) => bridge.preview(c),
    start: (c) => bridge.start(c),
    rerun: (id) => bridge.rerun(id),
    cancel: (t) => bridge.cancel(t),
    listRuns: (f) => bridge.listRuns(f),
    getRun: (id) => bridge.getRun(id),
    getSamples: (id, max) => bridge.getSamples(id, max),
    getSeries: (ids, fields, buckets) => bridge.getSeries(ids, fields, buckets),
    compare: (ids, base) => bridge.compare(ids, base),
    deleteRuns: (ids) => bridge.deleteRuns(ids),
    setNote: (id, note) => bridge.setNote(id, note),
    setTags: (id, tags) => bridge.setTags(id, tags),
    exportCsv: (ids) => bridge.exportCsv(ids),
    exportJson: (ids) => bridge.exportJson(ids),
    importJson: (json) => bridge.importJson(json),
    kernels: () => bridge.kernels(),
    fidelityReport: (stamp) => bridge.fidelityReport(stamp),
    startFidelity: (o) => bridge.startFidelity(o),
    subscribe: (listener) => bridge.subscribe(listener),
    saveCsv: (ids) => bridge.saveCsv(ids),
    savePng: (name, url) => bridge.savePng(name, url),
    saveSvg: (name, svg) => bridge.saveSvg(name, svg),
    pickTrace: () => bridge.pickTrace(),
    // ---- Config files, open as new experiment, experiment notes and tags (issue 11) ----
    parseConfig: (text) => bridge.parseConfig(text),
    runConfig: (id) => bridge.runConfig(id),
    setExperimentNote: (id, note) => bridge.setExperimentNote(id, note),
    setExperimentTags: (id, tags) => bridge.setExperimentTags(id, tags),
    saveConfig: (config) => bridge.saveConfig(config),
    openConfig: () => bridge.openConfig(),
    onMenu: (listener) => bridge.onMenu(listener)
  }
}
