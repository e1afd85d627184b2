// `swaplab fidelity`: the fidelity set (experiments/fidelity.ts) on every kernel that can run
// here and on the simulated design that models each, then the report, kernel against
// simulation, counter by counter. The runs are ordinary runs in the store (experiments
// `fidelity/<stamp>/<case>`), so `--report` rebuilds the report later without running anything.
//
// The command takes plain options (FidelityCliOptions), not the parser's types: commands.ts
// maps its arguments onto them, whatever parser it uses.

import type { LabService } from '../lab/service'
import type { FidelityReport } from '../../experiments/api'
import { FIDELITY_CASES, FIDELITY_TRIALS } from '../../experiments/fidelity'
import { fidelityFooter, fidelityMarkdown, fidelityTableRows } from '../../experiments/fidelityFormat'
import { checkOutputPath, writeFilesAtomically } from '../lab/outputFile'
import { UsageError } from './args'
import { table } from './format'
import { progressReporter } from './progress'
import { cancelOnSignals } from './signals'
import type { CliIo } from './commands'

/** What `swaplab fidelity --help` says after its options: what the set is and where the runs go. */
export const FIDELITY_NOTES = `
Runs the fidelity set on real kernels and on the simulated design that models each kernel's
release, then prints, per case and counter, the kernel's mean ± standard deviation over its
trials, the simulated value, their relative difference and whether it meets the goal
(counters within 5 %, mTHP fallback within 5 points in every iteration, host-profile
system time within 15 %). docs/fidelity.md is one such report.

The set (${FIDELITY_CASES.length} cases, ${FIDELITY_TRIALS.full} trials of every variant; --quick: ${FIDELITY_CASES.filter((c) => c.quick).length} cases, ${FIDELITY_TRIALS.quick} trial):
${FIDELITY_CASES.map((c) => `  ${c.id.padEnd(20)}${c.title}${c.quick ? ' (quick)' : ''}`).join('\n')}

Runs are recorded as experiments named fidelity/<stamp>/<case> and tagged "fidelity"; the
host-profile rows fill in once the host cost profile is fitted (engine/sim/profiles/host.json).
`

export interface FidelityCliOptions {
  kernels?: string[]
  cases?: string[]
  quick: boolean
  report: boolean
  stamp?: string
  resimulate: boolean
  json: boolean
  markdown?: string
  force: boolean
  quiet: boolean
}

/** The table, its footer lines and the report's header line. */
export function fidelityText(report: FidelityReport): string {
  const { header, rows } = fidelityTableRows(report)
  return `fidelity set ${report.stamp}\n${table(header, rows, (c) => c >= 4 && c <= 6)}\n${fidelityFooter(report)
    .map((l) => `  ${l}`)
    .join('\n')}\n`
}

export async function fidelityCommand(o: FidelityCliOptions, lab: LabService, io: CliIo): Promise<number> {
  if (o.report && (o.kernels || o.quick || o.cases || o.resimulate))
    throw new UsageError('--report shows a recorded set; --kernels, --quick, --cases and --resimulate are for running one')
  if (o.resimulate && (o.kernels || o.quick))
    throw new UsageError(
      '--resimulate simulates a recorded set again for its own kernels and cases: give --stamp or --cases, not --kernels or --quick'
    )
  if (o.quick && o.cases) throw new UsageError('give --quick or --cases, not both')
  if (o.markdown) checkOutputPath(o.markdown, { force: o.force, protect: [lab.store.file] })
  let stamp = o.stamp
  let allDone = true
  if (!o.report) {
    const signals = cancelOnSignals(lab, io)
    try {
      const started = await lab.startFidelity({
        kernels: o.kernels,
        quick: o.quick,
        cases: o.cases,
        stamp: o.stamp,
        ...(o.resimulate ? { resimulate: true } : {})
      })
      stamp = started.stamp
      for (const s of started.skipped) io.stderr(`skipped ${s.image}${s.caseId ? ` on ${s.caseId}` : ''}: ${s.reason}\n`)
      io.stderr(
        `fidelity set ${started.stamp}: ${started.runIds.length} runs in ${started.experimentIds.length} experiments, ${lab.store.file}\n`
      )
      const progress = o.quiet ? null : progressReporter({ tty: io.stderrTty, write: io.stderr, columns: io.columns })
      const off = progress ? lab.subscribe(progress.onEvent) : null
      const runs = await lab.waitForRuns(started.runIds)
      off?.()
      progress?.end()
      allDone = runs.every((r) => r.status === 'done')
      const stopped = signals.stoppedExit()
      if (stopped !== null) return stopped
    } finally {
      signals.off()
    }
  }
  const report = await lab.fidelityReport(stamp)
  if (!report) {
    io.stderr(
      `swaplab: ${stamp ? `no fidelity set ${stamp}` : 'no fidelity set'} is recorded in ${lab.store.file}; run swaplab fidelity first\n`
    )
    return 2
  }
  if (o.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`)
  else io.stdout(fidelityText(report))
  if (o.markdown) {
    const md = fidelityMarkdown(report)
    writeFilesAtomically([{ file: o.markdown, write: (put) => put(md) }])
    io.stderr(`wrote the report to ${o.markdown}\n`)
  }
  return allDone ? 0 : 1
}
