// A second process reading the store while another writes: prints the sample count it sees
// every few milliseconds until it reaches the target (used by the store and CLI tests).
// Usage: node --import tsx readerChild.ts <db> <runId> <targetSamples>

import { RunStore } from '../store'

const [file, runIdText, targetText] = process.argv.slice(2)
const runId = Number(runIdText)
const target = Number(targetText)
const store = RunStore.open(file)
const deadline = Date.now() + 30_000
const timer = setInterval(() => {
  const n = store.countSamples(runId)
  const run = store.getRun(runId)
  process.stdout.write(`${n} ${run?.status ?? 'missing'}\n`)
  if (n >= target || Date.now() > deadline) {
    clearInterval(timer)
    store.close()
  }
}, 15)
