// @vitest-environment happy-dom
// The form gaps of issue 11: each problem is said beside the field that causes it (and in the
// side panel by the field's label), and Start stays off.
import { describe, expect, it } from 'vitest'
import { freshLab, mountView, settle } from '../testing/setup'
import { PREVIEW_DELAY_MS, useDraft } from '../stores/draft'
import NewExperiment from './NewExperiment.vue'

const MiB = 2 ** 20

async function form() {
  const t = freshLab()
  const w = await mountView(NewExperiment, t)
  await settle(PREVIEW_DELAY_MS + 20)
  return { t, w, draft: useDraft() }
}

function sidePanel(w: Awaited<ReturnType<typeof form>>['w']): string[] {
  return w.findAll('[data-test=error-fields] li').map((li) => `${li.get('a').text()} ${li.get('.error-text').text()}`)
}

describe('New experiment: form gaps', () => {
  it('says beside the label that a 300-character label is too long, and keeps Start off', async () => {
    const { t, w } = await form()
    await w.get('#f-designs-0-label').setValue('x'.repeat(300))
    await settle()
    expect(w.get('p.field-error[data-field="designs.0.label"]').text()).toBe('must be at most 80 characters; got 300')
    expect(w.get('#f-designs-0-label').attributes('aria-invalid')).toBe('true')
    expect(sidePanel(w)).toEqual(['Design 1: label must be at most 80 characters; got 300'])
    expect(w.get('[data-test=start]').attributes('disabled')).toBeDefined()
    await w.get('form').trigger('keydown', { key: 'Enter', ctrlKey: true })
    await settle()
    expect(t.lab.calls.filter((c) => c.method === 'start')).toEqual([])
  })

  it('says what is wrong with a list sweep whose axes differ in length, beside the sweep', async () => {
    const { w, draft } = await form()
    draft.addSweepAxis('cpus')
    draft.addSweepAxis('workload.params.tasks')
    draft.config!.sweep!.mode = 'list'
    await settle()
    draft.setSweepText(0, '1, 2')
    draft.setSweepText(1, '1, 2, 4')
    await settle()
    const msg = w.get('p.field-error[data-field="sweep.axes"]').text()
    expect(msg).toMatch(/every axis needs the same number of values.*2 for cpus, 3 for workload\.params\.tasks/)
    expect(sidePanel(w)[0]).toMatch(/^Sweep axes in list mode/)
  })

  it('refuses a device too small for the workload, beside the device size, with the sizes', async () => {
    const { w, draft } = await form()
    const c = draft.config!
    c.workload.params = { ...c.workload.params, tasks: 4, sizeBytes: 64 * MiB, passes: 2 }
    c.memoryLimitBytes = 128 * MiB
    c.devices[0].sizeBytes = 64 * MiB
    await settle()
    const msg = w.get('p.field-error[data-field="devices.0.sizeBytes"]').text()
    expect(msg).toMatch(
      /too small for the workload: usemem holds 256 MiB .* at least 128 MiB goes to swap, but the device holds 63\.996 MiB/
    )
    expect(sidePanel(w)[0]).toMatch(/^Device size too small/)
    expect(w.get('[data-test=start]').attributes('disabled')).toBeDefined()
  })

  it('shows a bad sweep value on its sweep row, not on the base field', async () => {
    const { w, draft } = await form()
    const c = draft.config!
    c.workload.params = { ...c.workload.params, tasks: 2, sizeBytes: 8 * MiB, passes: 1 }
    c.memoryLimitBytes = 4 * MiB
    draft.addSweepAxis('memoryLimitBytes')
    await settle()
    draft.setSweepText(0, '4MiB, 32MiB')
    await settle()
    expect(w.find('p.field-error[data-field=memoryLimitBytes]').exists()).toBe(false)
    const row = w.get('[data-axis="0"]')
    expect(row.get('p.field-error').text()).toMatch(/^memoryLimitBytes: must be smaller than what the workload touches/)
    expect(sidePanel(w)[0]).toMatch(/^Sweep Memory limit \(bytes\): value 2 \(32MiB\)/)
  })

  it('refuses a value listed twice in a sweep instead of running it twice', async () => {
    const { w, draft } = await form()
    draft.addSweepAxis('cpus')
    await settle()
    draft.setSweepText(0, '1, 2, 2')
    await settle()
    expect(w.get('[data-axis="0"] p.field-error').text()).toBe(
      'cpus lists 2 twice (values 2 and 3); each value runs once, remove the repeat'
    )
    expect(w.get('[data-test=start]').attributes('disabled')).toBeDefined()
  })

  it('names every field to fix by the label the form gives it', async () => {
    const { w, draft } = await form()
    const c = draft.config!
    c.designs[1].options = { ...c.designs[1].options, phase: 7 as unknown as 4 }
    c.workload.params = { ...c.workload.params, tasks: 0 }
    await settle()
    const panel = sidePanel(w)
    expect(panel.some((l) => l.startsWith('Design 2 (swap-table P7): Phase must be one of 1, 2, 3, 4'))).toBe(true)
    expect(panel.some((l) => l.startsWith('Tasks must be'))).toBe(true)
    for (const l of panel) expect(l).not.toMatch(/\b(designs|workload|params|options)\.\w/)
  })
})
