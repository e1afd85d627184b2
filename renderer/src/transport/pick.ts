// Picks the transport once at start: the Electron preload's bridge when present, else HTTP
// to the loopback bridge that served this page.
import type { DesktopBridge, LabClient } from './types'
import { createIpcClient } from './ipc'
import { createHttpClient } from './http'

const TOKEN_KEY = 'swaplab.token'

/** Reads the token from ?token=..., keeps it for reloads in this tab, and removes it from the address bar. */
export function takeToken(loc: Location, storage: Storage, history: History): string | null {
  const params = new URLSearchParams(loc.search)
  const fromUrl = params.get('token')
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl)
    params.delete('token')
    const rest = params.toString()
    history.replaceState(null, '', `${loc.pathname}${rest ? `?${rest}` : ''}${loc.hash}`)
    return fromUrl
  }
  return storage.getItem(TOKEN_KEY)
}

export function pickTransport(w: Window & { swaplab?: DesktopBridge }): LabClient {
  if (w.swaplab) return createIpcClient(w.swaplab)
  const token = takeToken(w.location, w.sessionStorage, w.history)
  if (!token) throw new Error('This page needs the link printed by `swaplab serve` (it carries the access token).')
  return createHttpClient({
    fetch: w.fetch.bind(w),
    EventSource: (w as unknown as { EventSource: typeof EventSource }).EventSource,
    origin: w.location.origin,
    token
  })
}
