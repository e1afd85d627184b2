// Binary min-heap of timed events, ordered by (time, insertion sequence) so that events
// at the same simulated time run in a deterministic order.

export interface TimedEvent {
  time: number
  seq: number
}

export class EventHeap<E extends TimedEvent> {
  private items: E[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  peekTime(): number {
    return this.items.length ? this.items[0].time : Infinity
  }

  push(ev: Omit<E, 'seq'>): void {
    const e = ev as E
    e.seq = this.seq++
    const a = this.items
    a.push(e)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(a[p], e)) break
      a[i] = a[p]
      i = p
    }
    a[i] = e
  }

  pop(): E | undefined {
    const a = this.items
    if (!a.length) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length) {
      let i = 0
      const n = a.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && less(a[r], a[l]) ? r : l
        if (less(last, a[c])) break
        a[i] = a[c]
        i = c
      }
      a[i] = last
    }
    return top
  }
}

function less(a: TimedEvent, b: TimedEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
