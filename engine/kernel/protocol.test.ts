import { describe, expect, it } from 'vitest'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  ProtocolReader,
  collectOutcome,
  decodeValue,
  describeError,
  num,
  outcomeProblem,
  parseLine,
  programFor,
  workloadMetrics,
  workloadTimes
} from './protocol'

const fixture = (name: string): string => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')

describe('SWAPLAB protocol lines', () => {
  it('parses an event with its fields, ignoring console noise before the mark and a trailing CR', () => {
    expect(parseLine('[   12.345] random junk SWAPLAB iter n=3 swpout=85 fallback=0 pct=0.00\r')).toEqual({
      event: 'iter',
      fields: { n: '3', swpout: '85', fallback: '0', pct: '0.00' }
    })
  })

  it('percent-decodes text values and rejects lines that are not protocol lines', () => {
    expect(decodeValue('no%20such%20file%25')).toBe('no such file%')
    expect(parseLine('SWAPLAB error what=corruption msg=checksum%20mismatch')?.fields.msg).toBe('checksum mismatch')
    expect(parseLine('Iteration 1: swpout inc: 85')).toBeNull()
    expect(parseLine('SWAPLAB')).toBeNull()
    expect(parseLine('SWAPLAB Bad-Event x=1')).toBeNull()
    // tokens without '=' and keys that are not [a-z0-9_] are skipped
    expect(parseLine('SWAPLAB progress junk fraction=0.5 Bad=1')?.fields).toEqual({ fraction: '0.5' })
  })

  it('reads a real usemem run (random, 2 tasks) split into arbitrary chunks', () => {
    const text = fixture('usemem-random.out')
    const reader = new ProtocolReader()
    const events = []
    for (let i = 0; i < text.length; i += 37) events.push(...reader.push(text.slice(i, i + 37)))
    events.push(...reader.end())
    const o = collectOutcome(events)
    expect(o.start?.fields.program).toBe('usemem')
    expect(o.tasks).toHaveLength(2)
    expect(o.progress).toBe(1)
    expect(outcomeProblem(o, { code: 0, signal: null })).toBeNull()
    const m = workloadMetrics('usemem', o)
    expect(m.throughputMBps).toBeCloseTo(14.45288, 5)
    expect(m.throughputMBpsPerTask).toBeCloseTo(7.22644, 5)
    expect(m.freeLatencyMsMax).toBeCloseTo(10.409347, 6)
    expect(m.verifiedPages).toBe(13976)
    expect(workloadTimes(o)).toEqual({ userNs: 590887000, systemNs: 963453000, majorFaults: 6786, minorFaults: 10958 })
  })

  it('reads a real thp_swap_allocator_test run (-s): one fallback % per iteration', () => {
    const o = collectOutcome(new ProtocolReader().push(fixture('thp-s.out')))
    expect(o.iters.map((e) => num(e, 'swpout'))).toEqual([85, 128, 159, 185])
    const m = workloadMetrics('thp-swap-allocator-test', o)
    expect(m.fallbackPercentPerIteration).toEqual([0, 0, 0, 0])
    expect(m.pswpoutPerIteration).toEqual([4326, 2739, 3110, 3439])
    expect(m.verifiedPages).toBe(5120)
  })

  it('collects dumps between dump-begin and dump-end as raw text', () => {
    const r = new ProtocolReader()
    const evs = r.push(
      'SWAPLAB start program=x\nSWAPLAB dump-begin name=vmstat\npswpin 3\npswpout 9\nSWAPLAB dump-end name=vmstat\nother text\n'
    )
    expect(evs.map((e) => e.event)).toEqual(['start'])
    expect(r.dumps).toEqual([{ name: 'vmstat', text: 'pswpin 3\npswpout 9\n' }])
    expect(r.otherLines).toEqual(['other text'])
  })

  it('names the first error, a kill, a non-zero exit or a missing result', () => {
    const corrupt = collectOutcome([
      parseLine('SWAPLAB error what=corruption task=0 page=7 expected_gen=1 msg=checksum%20mismatch')!,
      parseLine('SWAPLAB error what=child task=0 status=5')!
    ])
    expect(outcomeProblem(corrupt, { code: 5, signal: null })).toBe('corruption: checksum mismatch (task=0 page=7 expected_gen=1)')
    expect(describeError(parseLine('SWAPLAB error what=mthp')!)).toBe('mthp')
    const none = collectOutcome([])
    expect(outcomeProblem(none, { code: null, signal: 'SIGKILL' })).toMatch(/killed by SIGKILL/)
    expect(outcomeProblem(none, { code: 3, signal: null })).toMatch(/status 3/)
    expect(outcomeProblem(none, { code: 0, signal: null })).toMatch(/without printing its result/)
  })
})

describe('programFor', () => {
  it('maps usemem parameters onto the program arguments', () => {
    const { program, args } = programFor({
      workload: { name: 'usemem', params: { tasks: 3, sizeBytes: 5 << 20, passes: 4, random: true, writeRatio: 0.5 } },
      seed: 9
    })
    expect(program).toBe('usemem')
    expect(args).toEqual(['--tasks', '3', '--size', String(5 << 20), '--passes', '4', '--random', '--write-ratio', '0.5', '--seed', '9'])
  })

  it('maps the thp test parameters, with the selftest defaults for swapin sizes', () => {
    const { program, args } = programFor({
      workload: {
        name: 'thp-swap-allocator-test',
        params: {
          regionBytes: 60 << 20,
          mthpOrder: 4,
          iterations: 100,
          dropBytes: 16 << 20,
          smallFolioArea: true,
          smallAreaBytes: 4 << 20,
          alignedSwapin: true
        }
      },
      seed: 1
    })
    expect(program).toBe('thp_swap_allocator_test')
    expect(args.slice(0, 2)).toEqual(['-a', '-s'])
    const at = (k: string): string => args[args.indexOf(k) + 1]
    expect(at('--swapin')).toBe(String(16 << 20))
    expect(at('--small-area')).toBe(String(4 << 20))
    expect(at('--small-swapin')).toBe(String(1 << 20))
  })

  it('refuses a workload without a program, naming it', () => {
    expect(() => programFor({ workload: { name: 'kbuild', params: {} }, seed: 1 })).toThrow(/kbuild has no kernel program/)
  })
})
