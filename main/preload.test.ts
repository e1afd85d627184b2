import { beforeAll, describe, expect, it, vi } from 'vitest'

vi.mock('electron', () => import('./testing/electronMock'))

import * as electron from './testing/electronMock'
import { EVENT_CHANNEL, LAB_CHANNELS, LAB_METHODS, MENU_CHANNEL, SAVE_CSV_CHANNEL } from './channels'

describe('preload bridge', () => {
  let bridge: Record<string, (...a: any[]) => any>
  beforeAll(async () => {
    await import('./preload')
    bridge = electron.exposed.swaplab
  })

  it('exposes only window.swaplab with the lab methods, subscribe and the app extras', () => {
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
    expect(Object.keys(bridge).sort()).toEqual(
      [...LAB_METHODS, 'subscribe', 'saveCsv', 'savePng', 'saveSvg', 'pickTrace', 'saveConfig', 'openConfig', 'onMenu'].sort()
    )
    expect(bridge).not.toHaveProperty('invoke')
    expect(bridge).not.toHaveProperty('ipcRenderer')
  })

  it('invokes the method’s channel and unwraps the envelope', async () => {
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: [1, 2] })
    expect(await bridge.deleteRuns([1, 2])).toEqual([1, 2])
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(LAB_CHANNELS.deleteRuns.channel, [1, 2])
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: 'cpus: must be at least 1' })
    await expect(bridge.start({})).rejects.toThrow('cpus: must be at least 1')
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: { saved: true, message: 'm' } })
    await bridge.saveCsv([3])
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(SAVE_CSV_CHANNEL, [3])
  })

  it('gives listeners the payload only, and unsubscribe works', () => {
    const seen: unknown[] = []
    const off = bridge.subscribe((e: unknown) => seen.push(e))
    electron.ipcRenderer.emit(EVENT_CHANNEL, { type: 'queue-empty' })
    off()
    electron.ipcRenderer.emit(EVENT_CHANNEL, { type: 'queue-empty' })
    expect(seen).toEqual([{ type: 'queue-empty' }])
  })

  it('forwards only known menu commands', () => {
    const seen: unknown[] = []
    const off = bridge.onMenu((c: unknown) => seen.push(c))
    electron.ipcRenderer.emit(MENU_CHANNEL, 'runs')
    electron.ipcRenderer.emit(MENU_CHANNEL, 'format-disk')
    electron.ipcRenderer.emit(MENU_CHANNEL, 'open-config')
    electron.ipcRenderer.emit(MENU_CHANNEL, 'save-config')
    off()
    expect(seen).toEqual(['runs', 'open-config', 'save-config'])
  })
})
