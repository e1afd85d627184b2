// Browser transport: the loopback web bridge (POST /api/<method>, events over SSE), with the
// per-launch token the bridge printed in the URL.
import type { LabApi, LabEvent } from '../../../experiments/api'
import type { LabClient, OpenedConfig, PickedTrace } from './types'
import { configFileName, configFileText } from '../../../experiments/configFile'
import { formatFieldErrors } from '../../../experiments/schema'
import { dataUrlToBlob, downloadBlob, downloadText } from './download'

type Envelope = { ok: true; value: unknown } | { ok: false; error: string }

export interface HttpDeps {
  fetch: typeof fetch
  /** Asks the user for a file (an <input type=file>, with an optional accept list); tests replace it. */
  chooseFile?: (accept?: string) => Promise<File | null>
  EventSource: typeof EventSource
  /** Base URL of the bridge, e.g. "http://127.0.0.1:4123". */
  origin: string
  token: string
}

export function createHttpClient(deps: HttpDeps): LabClient {
  async function call(method: string, args: unknown[]): Promise<unknown> {
    // JSON drops trailing undefined arguments as null; trim them so optional args stay optional.
    while (args.length && args[args.length - 1] === undefined) args.pop()
    const res = await deps.fetch(`${deps.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-swaplab-token': deps.token },
      body: JSON.stringify({ args })
    })
    let body: Envelope
    try {
      body = (await res.json()) as Envelope
    } catch {
      throw new Error(`The lab service answered ${res.status} ${res.statusText}`)
    }
    if (!body.ok) throw new Error(body.error)
    return body.value
  }

  const listeners = new Set<(e: LabEvent) => void>()
  let source: EventSource | null = null
  function ensureEvents(): void {
    if (source) return
    source = new deps.EventSource(`${deps.origin}/api/events?token=${encodeURIComponent(deps.token)}`)
    source.onmessage = (m: MessageEvent<string>) => {
      const event = JSON.parse(m.data) as LabEvent
      for (const l of [...listeners]) l(event)
    }
  }

  const m = <K extends keyof LabApi>(name: K) => ((...args: unknown[]) => call(name, args)) as unknown as LabApi[K]

  const client: LabClient = {
    transport: 'http',
    catalogue: m('catalogue'),
    presets: m('presets'),
    validate: m('validate'),
    preview: m('preview'),
    start: m('start'),
    rerun: m('rerun'),
    cancel: m('cancel'),
    listRuns: m('listRuns'),
    getRun: m('getRun'),
    getSamples: m('getSamples'),
    getSeries: m('getSeries'),
    compare: m('compare'),
    deleteRuns: m('deleteRuns'),
    setNote: m('setNote'),
    setTags: m('setTags'),
    exportCsv: m('exportCsv'),
    exportJson: m('exportJson'),
    importJson: m('importJson'),
    kernels: m('kernels'),
    // ---- Config files, open as new experiment, experiment notes and tags (issue 11) ----
    parseConfig: m('parseConfig'),
    runConfig: m('runConfig'),
    setExperimentNote: m('setExperimentNote'),
    setExperimentTags: m('setExperimentTags'),
    async saveConfig(config) {
      // Checked by the lab as start would, and saved with its defaults written out, so the file runs as it is.
      const r = await client.validate(config)
      if (!r.ok) throw new Error(`fix the form before saving it:\n${formatFieldErrors(r.errors)}`)
      const name = configFileName(r.config)
      downloadText(name, configFileText(r.config), 'application/json')
      return { saved: true, message: `Downloaded ${name} (run it with swaplab run --config FILE)` }
    },
    async openConfig(): Promise<OpenedConfig | null> {
      const file = await (deps.chooseFile ?? chooseFile)('.json,application/json')
      if (!file) return null
      return { fileName: file.name, result: await client.parseConfig(await file.text()) }
    },
    fidelityReport: m('fidelityReport'),
    startFidelity: m('startFidelity'),
    subscribe(listener) {
      listeners.add(listener)
      ensureEvents()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && source) {
          source.close()
          source = null
        }
      }
    },
    async saveCsv(runIds) {
      const files = await client.exportCsv(runIds)
      // The same pair of files as `swaplab export csv --out swaplab-runs.csv`.
      downloadText('swaplab-runs.csv', files.summaryCsv)
      downloadText('swaplab-runs-samples.csv', files.samplesCsv)
      return { saved: true, message: `Downloaded swaplab-runs.csv and swaplab-runs-samples.csv (${runIds.length} runs)` }
    },
    async savePng(name, dataUrl) {
      downloadBlob(name, dataUrlToBlob(dataUrl))
      return { saved: true, message: `Downloaded ${name}` }
    },
    async saveSvg(name, svg) {
      downloadText(name, svg, 'image/svg+xml')
      return { saved: true, message: `Downloaded ${name}` }
    },
    async pickTrace(): Promise<PickedTrace | null> {
      const file = await (deps.chooseFile ?? chooseFile)()
      if (!file) return null
      // The file goes into the lab's own trace folder; the page gets its name there, never a path.
      const res = await deps.fetch(`${deps.origin}/api/uploadTrace`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'x-swaplab-token': deps.token,
          'x-swaplab-filename': encodeURIComponent(file.name)
        },
        body: file
      })
      let body: Envelope
      try {
        body = (await res.json()) as Envelope
      } catch {
        throw new Error(`The lab service answered ${res.status} ${res.statusText}`)
      }
      if (!body.ok) throw new Error(body.error)
      return body.value as PickedTrace
    },
    onMenu: () => () => {}
  }
  return client
}

/** An <input type=file> for one file; null when the user cancels. */
function chooseFile(accept?: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    if (accept) input.accept = accept
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null), { once: true })
    input.addEventListener('cancel', () => resolve(null), { once: true })
    input.click()
  })
}
