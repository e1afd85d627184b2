// The New experiment form in a real browser against the real lab (issue 11, "form gaps" and
// config files): each bad input is said beside the field that causes it and in the side panel
// by the field's label, Start stays off and nothing is recorded; a config file saves as a
// download in the `swaplab run --config` format and opens back into the form without starting.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { api, page, ROOT, screenshot, served, useLab, type ApiRun } from './harness'

/** A fresh form from scratch (two designs on usemem, the engine's defaults). */
async function freshForm(): Promise<void> {
  await page.goto(served.url)
  await page.click('[data-nav=new]')
  await page.waitForSelector('#f-name')
  await page.selectOption('#f-source', 'scratch')
  await page.waitForSelector('[data-test=preview]:has-text("run")')
}

async function setBytes(id: string, value: string, unit: string): Promise<void> {
  await page.fill(`#${id}`, value)
  await page.locator(`#${id} + select`).selectOption({ label: unit })
}

async function addAxis(label: string): Promise<void> {
  await page.selectOption('select[aria-label="parameter to sweep"]', { label })
  await page.click('button:has-text("Add sweep axis")')
}

const sidePanel = (): Promise<string[]> => page.locator('[data-test=error-fields] li').allInnerTexts()
const startDisabled = (): Promise<boolean> => page.locator('[data-test=start]').isDisabled()

useLab()

describe('New experiment: form gaps', () => {
  it('a 300-character label is said beside the label, and Start stays off', async () => {
    await freshForm()
    await page.fill('#f-designs-0-label', 'x'.repeat(300))
    const msg = page.locator('p.field-error[data-field="designs.0.label"]')
    await msg.waitFor()
    expect(await msg.innerText()).toBe('must be at most 80 characters; got 300')
    expect((await sidePanel())[0]).toMatch(/^Design 1: label\s+must be at most 80 characters; got 300$/)
    expect(await startDisabled()).toBe(true)
    await page.keyboard.press('Control+Enter')
    await screenshot(page, '30-form-long-label')
    expect(await api<unknown[]>('listRuns', [])).toEqual([])
  })

  it('a list sweep with unequal axes says which axis has how many values, beside the sweep', async () => {
    await freshForm()
    await addAxis('CPUs')
    await addAxis('usemem: Tasks')
    await page.selectOption('#f-sweep-mode', 'list')
    await page.fill('#f-sweep-axes-0-values', '1, 2')
    await page.fill('#f-sweep-axes-1-values', '1, 2, 4')
    const msg = page.locator('p.field-error[data-field="sweep.axes"]')
    await msg.waitFor()
    expect(await msg.innerText()).toMatch(
      /in list mode every axis needs the same number of values .*got 2 for cpus, 3 for workload\.params\.tasks/
    )
    expect((await sidePanel())[0]).toMatch(/^Sweep axes\s+in list mode/)
    expect(await startDisabled()).toBe(true)
  })

  it('a device too small for what the workload must swap out is refused beside the device size, with the sizes', async () => {
    await freshForm()
    await page.fill('#f-workload-params-tasks', '4')
    await setBytes('f-workload-params-sizeBytes', '64', 'MiB')
    await page.fill('#f-workload-params-passes', '2')
    await setBytes('f-memoryLimitBytes', '128', 'MiB')
    await setBytes('f-devices-0-sizeBytes', '64', 'MiB')
    const msg = page.locator('p.field-error[data-field="devices.0.sizeBytes"]')
    await msg.waitFor()
    expect(await msg.innerText()).toMatch(
      /too small for the workload: usemem holds 256 MiB \(4 tasks x 64 MiB, each held through 2 passes\) in a memory limit of 128 MiB, so at least 128 MiB goes to swap, but the device holds 63\.996 MiB.*make it at least 129 MiB/
    )
    expect((await sidePanel())[0]).toMatch(/^Device size\s+too small for the workload/)
    expect(await startDisabled()).toBe(true)
    await screenshot(page, '31-form-device-too-small')
    // A device big enough clears it.
    await setBytes('f-devices-0-sizeBytes', '129', 'MiB')
    await page.waitForSelector('p.field-error[data-field="devices.0.sizeBytes"]', { state: 'detached' })
    expect(await startDisabled()).toBe(false)
    // The CLI refuses the same config with the same message (one shared check).
    const cli = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'swaplab.cjs'),
        'run',
        '--db',
        join(served.dir, 'cli.db'),
        '--design',
        'legacy',
        '--workload',
        'usemem',
        '--tasks',
        '4',
        '--size-bytes',
        '64MiB',
        '--passes',
        '2',
        '--memory-limit',
        '128MiB',
        '--device-size',
        '64MiB'
      ],
      { encoding: 'utf8', env: { ...process.env, SWAPLAB_DEVICE_DIR: join(served.dir, 'devices') } }
    )
    expect(cli.status).toBe(2)
    expect(cli.stderr).toMatch(/devices\.0\.sizeBytes: too small for the workload: usemem holds 256 MiB/)
  })

  it('a bad sweep value is shown on its sweep row, not on the base field', async () => {
    await freshForm()
    await page.fill('#f-workload-params-tasks', '2')
    await setBytes('f-workload-params-sizeBytes', '8', 'MiB')
    await page.fill('#f-workload-params-passes', '1')
    await setBytes('f-memoryLimitBytes', '4', 'MiB')
    await addAxis('Memory limit (bytes)')
    await page.fill('#f-sweep-axes-0-values', '4MiB, 32MiB')
    const row = page.locator('[data-axis="0"] p.field-error')
    await row.waitFor()
    expect(await row.innerText()).toMatch(/^memoryLimitBytes: must be smaller than what the workload touches \(16 MiB\).*got 32 MiB$/)
    expect(await page.locator('p.field-error[data-field="memoryLimitBytes"]').count()).toBe(0)
    expect((await sidePanel())[0]).toMatch(/^Sweep Memory limit \(bytes\): value 2 \(32MiB\)/)
  })

  it('a value listed twice in a sweep is refused instead of making the same runs twice', async () => {
    await freshForm()
    await addAxis('CPUs')
    await page.fill('#f-sweep-axes-0-values', '1, 2, 2')
    const row = page.locator('[data-axis="0"] p.field-error')
    await row.waitFor()
    expect(await row.innerText()).toBe('cpus lists 2 twice (values 2 and 3); each value runs once, remove the repeat')
    expect(await startDisabled()).toBe(true)
    await page.fill('#f-sweep-axes-0-values', '1, 2')
    await page.waitForSelector('[data-test=preview]:has-text("4 runs")')
  })

  it('the side panel names each field by the label the form gives it, never a schema path', async () => {
    await freshForm()
    await page.fill('#f-workload-params-tasks', '0')
    await page.fill('#f-cpus', '0')
    await page.locator('[data-test=error-fields] li').first().waitFor()
    const panel = await sidePanel()
    expect(panel.some((l) => /^Tasks\s+must be a whole number from 1 to 256; got 0$/.test(l))).toBe(true)
    expect(panel.some((l) => /^CPUs\s+must be/.test(l))).toBe(true)
    for (const l of panel) expect(l).not.toMatch(/\b(workload\.params|designs\.\d|devices\.\d|memoryLimitBytes)/)
    await screenshot(page, '32-form-side-panel')
  })
})

describe('Config files in the browser', () => {
  it('saves the form as a download in the swaplab run --config format, and opens it back without starting anything', async () => {
    await freshForm()
    await page.fill('#f-name', 'Saved from the form')
    await page.fill('#f-workload-params-tasks', '3')
    await page.waitForSelector('[data-test=preview]:has-text("run")')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=save-config]')])
    expect(download.suggestedFilename()).toBe('saved-from-the-form.swaplab.json')
    const file = join(served.dir, download.suggestedFilename())
    await download.saveAs(file)
    const saved = JSON.parse(readFileSync(file, 'utf8'))
    expect(saved).toMatchObject({ name: 'Saved from the form', workload: { name: 'usemem', params: { tasks: 3 } } })
    // It is a whole config (defaults written out) that the lab's checks take as it is.
    expect(saved.devices[0].sizeBytes).toBeGreaterThan(0)
    expect(await api<{ ok: boolean }>('parseConfig', [readFileSync(file, 'utf8')])).toMatchObject({ ok: true, config: saved })

    // Open it into a fresh form: the fields fill in, nothing starts.
    await freshForm()
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-test=open-config]')])
    await chooser.setFiles(file)
    await page.waitForSelector('[data-test=file-message]:has-text("Opened saved-from-the-form.swaplab.json")')
    expect(await page.inputValue('#f-name')).toBe('Saved from the form')
    expect(await page.inputValue('#f-workload-params-tasks')).toBe('3')
    expect(await page.locator('#f-source option:checked').innerText()).toBe('File: saved-from-the-form.swaplab.json')
    expect(await api<unknown[]>('listRuns', [])).toEqual([])

    // A file with a bad field is not opened; the message names the field and the form is left alone.
    const bad = join(served.dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ ...saved, name: 'Bad one', cpus: 0 }))
    const [chooser2] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-test=open-config]')])
    await chooser2.setFiles(bad)
    await page.waitForSelector('[data-test=file-errors]')
    expect(await page.locator('[data-test=file-message]').innerText()).toMatch(/bad\.json was not opened: the form is unchanged/)
    expect(await page.locator('[data-test=file-errors]').innerText()).toMatch(/cpus \(CPUs\): must be a whole number from 1 to 256; got 0/)
    expect(await page.inputValue('#f-name')).toBe('Saved from the form')
    const notJson = join(served.dir, 'not.json')
    writeFileSync(notJson, '{ "designs": [')
    const [chooser3] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-test=open-config]')])
    await chooser3.setFiles(notJson)
    await page.waitForSelector('[data-test=file-errors]:has-text("is not valid JSON")')
    await screenshot(page, '33-form-bad-config-file')
    expect(await api<unknown[]>('listRuns', [])).toEqual([])
  })
})

describe('Starting from the keyboard', () => {
  it('Ctrl+Enter starts a valid experiment from any field of the form', async () => {
    await freshForm()
    await page.fill('#f-name', 'started with ctrl+enter')
    await page.fill('#f-workload-params-passes', '1')
    const preview = await page.locator('[data-test=preview]').innerText()
    const expected = Number(/(\d+) runs?/.exec(preview)![1])
    expect(expected).toBeGreaterThan(0)
    expect(await api<unknown[]>('listRuns', [])).toEqual([])
    // From a field other than the name, with no click on Start.
    await page.focus('#f-cpus')
    await page.keyboard.press('Control+Enter')
    await page.waitForFunction(() => (globalThis as any).location.hash.startsWith('#/running'))
    const runs = await api<ApiRun[]>('listRuns', [])
    expect(runs).toHaveLength(expected)
    expect(new Set(runs.map((r) => r.experimentId)).size).toBe(1)
    expect((await api<{ experimentName: string }>('getRun', [runs[0].id])).experimentName).toBe('started with ctrl+enter')
  })
})
