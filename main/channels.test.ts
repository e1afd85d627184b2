import { describe, expect, it } from 'vitest'
import { BadPayload, LAB_CHANNELS, LAB_METHODS, callChecked, checkArgs, checkPngDataUrl, safeFileName } from './channels'
import { recordingApi } from './testing/fakeApi'

describe('lab channels', () => {
  it('lists every LabApi method but subscribe, each with a unique channel', () => {
    expect(LAB_METHODS).not.toContain('subscribe')
    expect(LAB_METHODS).toEqual(expect.arrayContaining(['start', 'cancel', 'listRuns', 'getRun', 'compare', 'exportCsv']))
    const channels = LAB_METHODS.map((m) => LAB_CHANNELS[m].channel)
    expect(new Set(channels).size).toBe(channels.length)
  })

  it('accepts well-formed payloads', () => {
    expect(checkArgs('cancel', ['all'])).toEqual(['all'])
    expect(checkArgs('cancel', [3])).toEqual([3])
    expect(checkArgs('getSamples', [3, 500])).toEqual([3, 500])
    expect(checkArgs('getSamples', [3])).toEqual([3])
    expect(checkArgs('compare', [[1, 2], 1])).toEqual([[1, 2], 1])
    expect(checkArgs('compare', [[1, 2], { runId: 2 }])).toEqual([[1, 2], { runId: 2 }])
    expect(checkArgs('compare', [[1, 2], { variant: 'swap-table P4' }])).toEqual([[1, 2], { variant: 'swap-table P4' }])
    expect(checkArgs('getSeries', [[1, 2], ['swpout'], 300])).toEqual([[1, 2], ['swpout'], 300])
    expect(checkArgs('listRuns', [{ status: 'done' }])).toEqual([{ status: 'done' }])
    expect(checkArgs('start', [{ name: 'x' }])).toEqual([{ name: 'x' }])
  })

  it.each([
    ['getRun', ['1'], /runId must be a positive integer/],
    ['getRun', [-4], /runId/],
    ['cancel', ['everything'], /target/],
    ['deleteRuns', ['1,2'], /runIds must be an array/],
    ['deleteRuns', [[1, 1.5]], /runIds\[\]/],
    ['start', ['{"name":1}'], /config must be an object/],
    ['start', [null], /config must be an object/],
    ['listRuns', [{ sql: 'drop table runs' }], /filter.sql is not a run filter/],
    ['setNote', [1, 42], /note must be a string/],
    ['getSamples', [1, 1e9], /maxPoints/],
    ['compare', [[1], { runId: 1, variant: 'x' }], /baseline must be/],
    ['compare', [[1], { variant: 7 }], /baseline.variant must be a string/],
    ['compare', [[1], 'legacy'], /baseline must be/],
    ['getSeries', [[1], 'swpout', 300], /fields must be an array/],
    ['getSeries', [[1], ['swpout'], 1], /buckets/],
    ['getSeries', [[1], [3], 10], /fields\[\] must be a string/],
    ['catalogue', [1], /takes no arguments/]
  ] as const)('rejects %s(%j)', (method, args, message) => {
    expect(() => checkArgs(method, args as unknown as unknown[])).toThrow(message)
    expect(() => checkArgs(method, args as unknown as unknown[])).toThrow(BadPayload)
  })

  it('wraps results and errors in an envelope, naming the field and never sending a stack', async () => {
    const api = recordingApi()
    expect(await callChecked(api, 'start', [{ name: 'ok' }])).toEqual({ ok: true, value: { experimentId: 1, runIds: [1, 2] } })
    expect(await callChecked(api, 'start', [{ name: 'explode' }])).toEqual({ ok: false, error: 'cpus: must be at least 1; got 0' })
    expect(await callChecked(api, 'getRun', ['x'])).toEqual({ ok: false, error: 'runId must be a positive integer' })
    expect(await callChecked(api, 'setNote', [1, 'n'])).toEqual({ ok: true, value: null })
    expect(api.calls.map((c) => c.method)).toEqual(['start', 'start', 'setNote'])
  })

  it('accepts only PNG data URLs for chart exports and reduces names to a safe base name', () => {
    expect(checkPngDataUrl('data:image/png;base64,iVBORw0KGgo=')).toBeInstanceOf(Buffer)
    expect(() => checkPngDataUrl('data:text/html;base64,PGgxPg==')).toThrow(/PNG/)
    expect(safeFileName('../../etc/passwd', 'chart', '.png')).toBe('_.._etc_passwd.png')
    expect(safeFileName('run-3-throughput.png', 'chart', '.png')).toBe('run-3-throughput.png')
    expect(safeFileName(undefined, 'chart', '.png')).toBe('chart.png')
  })
})
