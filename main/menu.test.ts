// The app menu as data: File has New Experiment, Open and Save Experiment Config (the New
// experiment view's buttons) and Export; every command it sends is one the preload forwards.
import { describe, expect, it, vi } from 'vitest'
import type { MenuItemConstructorOptions } from 'electron'
import { menuTemplate } from './menu'
import { MENU_COMMANDS } from './channels'

const items = (menu: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
  menu.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? items(i.submenu) : [])])

function clickAll(platform: NodeJS.Platform) {
  const send = vi.fn()
  const menu = menuTemplate(platform, send, () => {})
  const byLabel = new Map<string, { accelerator?: string; sent: unknown }>()
  for (const i of items(menu)) {
    if (!i.label || !i.click) continue
    send.mockClear()
    ;(i.click as () => void)()
    byLabel.set(i.label, { accelerator: i.accelerator as string | undefined, sent: send.mock.calls[0]?.[0] })
  }
  return { menu, byLabel }
}

describe('app menu', () => {
  it.each(['linux', 'darwin'] as const)('File opens and saves experiment configs with Ctrl/Cmd+O and +S (%s)', (platform) => {
    const { menu, byLabel } = clickAll(platform)
    const file = menu.find((m) => m.label === 'File')!
    expect((file.submenu as MenuItemConstructorOptions[]).map((i) => i.label ?? i.type ?? i.role)).toEqual([
      'New Experiment',
      'Open Experiment Config…',
      'Save Experiment Config…',
      'separator',
      'Export Selected Runs as CSV…',
      'separator',
      platform === 'darwin' ? 'close' : 'quit'
    ])
    expect(byLabel.get('Open Experiment Config…')).toEqual({ accelerator: 'CmdOrCtrl+O', sent: 'open-config' })
    expect(byLabel.get('Save Experiment Config…')).toEqual({ accelerator: 'CmdOrCtrl+S', sent: 'save-config' })
  })

  it('sends only commands the preload forwards, and no two items share a shortcut', () => {
    const { menu, byLabel } = clickAll('linux')
    for (const [label, { sent }] of byLabel) if (label !== 'About Swap Lab') expect(MENU_COMMANDS, label).toContain(sent)
    const accelerators = items(menu)
      .map((i) => i.accelerator)
      .filter(Boolean)
    expect(new Set(accelerators).size).toBe(accelerators.length)
  })
})
