// Deterministic PRNG (xoshiro128**) seeded by splitmix32; the only source of randomness
// in the engine, so one seed gives bit-identical simulated results.

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next() | 1
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return r
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** A child generator with an independent stream (for one task or one component). */
  fork(salt: number): Rng {
    return new Rng((this.nextU32() ^ Math.imul(salt + 1, 0x27d4eb2f)) >>> 0)
  }

  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = arr[i]
      arr[i] = arr[j]
      arr[j] = t
    }
    return arr
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/**
 * Zipf sampler over ranks [0, n) with exponent s, by inverting a precomputed CDF
 * (binary search); ranks are then mapped through a fixed permutation by the caller.
 */
export class Zipf {
  private readonly cdf: Float64Array

  constructor(n: number, s: number) {
    this.cdf = new Float64Array(n)
    let sum = 0
    for (let i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s)
      this.cdf[i] = sum
    }
    for (let i = 0; i < n; i++) this.cdf[i] /= sum
  }

  sample(rng: Rng): number {
    const u = rng.next()
    let lo = 0
    let hi = this.cdf.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cdf[mid] < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
