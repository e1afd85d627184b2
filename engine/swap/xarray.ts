// A radix tree with the XArray's geometry: nodes of 64 slots (XA_CHUNK_SHIFT 6), 576 bytes
// each in the kernel; the root grows and shrinks with the largest index, and a lone entry
// at index 0 lives in the head without a node. Values are numbers: folio ids (>= 0) or
// shadows (encoded negative, like xa_value entries).

export const XA_CHUNK_SHIFT = 6
export const XA_CHUNK_SIZE = 64
export const XA_NODE_BYTES = 576

interface XaNode {
  shift: number
  count: number
  slots: (XaNode | number | undefined)[]
}

export class XArray {
  private head: XaNode | number | undefined = undefined
  nodes = 0 /** live nodes: the memory this tree holds is nodes x 576 B */
  entries = 0

  /** Levels walked by the last operation (for the cost model). */
  lastDepth = 0
  /** Nodes allocated or freed by the last operation. */
  lastNodeChurn = 0

  load(index: number): number | undefined {
    const h = this.head
    let depth = 0
    if (h === undefined || typeof h === 'number') {
      this.lastDepth = 0
      return index === 0 ? h : undefined
    }
    let n: XaNode = h
    if (index >= XA_CHUNK_SIZE * 2 ** n.shift) {
      this.lastDepth = 0
      return undefined
    }
    for (;;) {
      depth++
      const s: XaNode | number | undefined = n.slots[Math.floor(index / 2 ** n.shift) % XA_CHUNK_SIZE]
      if (n.shift === 0 || s === undefined || typeof s === 'number') {
        this.lastDepth = depth
        return n.shift === 0 ? (s as number | undefined) : undefined
      }
      n = s
    }
  }

  store(index: number, value: number): void {
    this.lastNodeChurn = 0
    if (this.head === undefined && index === 0) {
      this.head = value
      this.entries++
      this.lastDepth = 0
      return
    }
    if (typeof this.head === 'number' && index === 0) {
      this.head = value
      this.lastDepth = 0
      return
    }
    this.expand(index)
    let n = this.head as XaNode
    let depth = 1
    while (n.shift > 0) {
      const off = Math.floor(index / 2 ** n.shift) % XA_CHUNK_SIZE
      let c = n.slots[off] as XaNode | undefined
      if (!c) {
        c = this.newNode(n.shift - XA_CHUNK_SHIFT)
        n.slots[off] = c
        n.count++
      }
      n = c
      depth++
    }
    const off = index % XA_CHUNK_SIZE
    if (n.slots[off] === undefined) {
      n.count++
      this.entries++
    }
    n.slots[off] = value
    this.lastDepth = depth
  }

  erase(index: number): void {
    this.lastNodeChurn = 0
    if (this.head === undefined) return
    if (typeof this.head === 'number') {
      if (index === 0) {
        this.head = undefined
        this.entries--
      }
      return
    }
    const root = this.head
    if (index >= XA_CHUNK_SIZE * 2 ** root.shift) return
    const path: XaNode[] = []
    let n: XaNode = root
    for (;;) {
      path.push(n)
      const off = Math.floor(index / 2 ** n.shift) % XA_CHUNK_SIZE
      const s = n.slots[off]
      if (s === undefined) return
      if (n.shift === 0) {
        n.slots[off] = undefined
        n.count--
        this.entries--
        break
      }
      n = s as XaNode
    }
    this.lastDepth = path.length
    // Free empty nodes bottom-up, then shrink the root (xas_delete_node, xas_shrink).
    for (let i = path.length - 1; i > 0 && path[i].count === 0; i--) {
      const parent = path[i - 1]
      parent.slots[Math.floor(index / 2 ** parent.shift) % XA_CHUNK_SIZE] = undefined
      parent.count--
      this.freeNode()
    }
    this.shrink()
  }

  private expand(index: number): void {
    let h = this.head
    if (h === undefined || typeof h === 'number') {
      const n = this.newNode(0)
      if (typeof h === 'number') {
        n.slots[0] = h
        n.count = 1
      }
      this.head = h = n
    }
    while (index >= XA_CHUNK_SIZE * 2 ** h.shift) {
      const n = this.newNode(h.shift + XA_CHUNK_SHIFT)
      if (h.count > 0) {
        n.slots[0] = h
        n.count = 1
      } else this.freeNode()
      this.head = h = n
    }
  }

  private shrink(): void {
    for (;;) {
      const h = this.head
      if (h === undefined || typeof h === 'number') return
      if (h.count === 0) {
        this.head = undefined
        this.freeNode()
        return
      }
      if (h.count !== 1 || h.slots[0] === undefined) return
      if (h.shift === 0) {
        // A lone entry at index 0 goes back into the head.
        this.head = h.slots[0] as number
        this.freeNode()
        return
      }
      this.head = h.slots[0] as XaNode
      this.freeNode()
    }
  }

  private newNode(shift: number): XaNode {
    this.nodes++
    this.lastNodeChurn++
    return { shift, count: 0, slots: new Array(XA_CHUNK_SIZE) }
  }

  private freeNode(): void {
    this.nodes--
    this.lastNodeChurn++
  }

  /** Counts nodes by walking the tree (for invariant checks). */
  countNodes(): number {
    const walk = (n: XaNode | number | undefined): number => {
      if (n === undefined || typeof n === 'number') return 0
      if (n.shift === 0) return 1
      let s = 1
      for (const c of n.slots) s += walk(c)
      return s
    }
    return walk(this.head)
  }
}
