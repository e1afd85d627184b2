// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { createHttpClient } from './http'
import { pickTransport, takeToken } from './pick'

class FakeEventSource {
  static last: FakeEventSource | null = null
  onmessage: ((m: MessageEvent<string>) => void) | null = null
  closed = false
  constructor(public url: string) {
    FakeEventSource.last = this
  }
  close(): void {
    this.closed = true
  }
}

function client(respond: (method: string, body: unknown) => unknown) {
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    const method = url.split('/api/')[1]
    const out = respond(method, JSON.parse(String(init.body)))
    return new Response(JSON.stringify(out), { status: (out as { ok: boolean }).ok ? 200 : 400 })
  })
  const c = createHttpClient({
    fetch: fetch as unknown as typeof globalThis.fetch,
    EventSource: FakeEventSource as unknown as typeof EventSource,
    origin: 'http://127.0.0.1:9',
    token: 'T'
  })
  return { c, fetch }
}

describe('HTTP transport', () => {
  it('posts the arguments with the token and unwraps the answer', async () => {
    const { c, fetch } = client(() => ({ ok: true, value: { runs: 4, estimatedSeconds: 1, maxRuns: 10 } }))
    expect(await c.preview({ name: 'x' })).toEqual({ runs: 4, estimatedSeconds: 1, maxRuns: 10 })
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('http://127.0.0.1:9/api/preview')
    expect((init.headers as Record<string, string>)['x-swaplab-token']).toBe('T')
    expect(JSON.parse(String(init.body))).toEqual({ args: [{ name: 'x' }] })
  })

  it('drops trailing undefined arguments and throws the lab’s message', async () => {
    const { c, fetch } = client((m) => (m === 'getSamples' ? { ok: true, value: null } : { ok: false, error: 'cpus: must be at least 1' }))
    await c.getSamples(3, undefined)
    expect(JSON.parse(String(fetch.mock.calls[0][1].body))).toEqual({ args: [3] })
    await expect(c.start({})).rejects.toThrow('cpus: must be at least 1')
  })

  it('shares one event stream between listeners and closes it with the last', () => {
    const { c } = client(() => ({ ok: true, value: null }))
    const a: unknown[] = []
    const offA = c.subscribe((e) => a.push(e))
    const offB = c.subscribe(() => {})
    const es = FakeEventSource.last!
    expect(es.url).toBe('http://127.0.0.1:9/api/events?token=T')
    es.onmessage!({ data: '{"type":"queue-empty"}' } as MessageEvent<string>)
    expect(a).toEqual([{ type: 'queue-empty' }])
    offA()
    expect(es.closed).toBe(false)
    offB()
    expect(es.closed).toBe(true)
  })

  it('takes the token from the URL once and removes it from the address bar', () => {
    history.replaceState(null, '', '/?token=abc#/runs')
    sessionStorage.clear()
    expect(takeToken(location, sessionStorage, history)).toBe('abc')
    expect(location.search).toBe('')
    expect(location.hash).toBe('#/runs')
    expect(takeToken(location, sessionStorage, history)).toBe('abc')
  })

  it('uses the preload bridge when there is one', () => {
    const bridge = { catalogue: vi.fn(async () => 'cat') }
    const c = pickTransport({ swaplab: bridge } as never)
    expect(c.transport).toBe('ipc')
    void c.catalogue()
    expect(bridge.catalogue).toHaveBeenCalled()
  })
})
