import { describe, expect, it } from 'vitest'
import { dataDir, defaultDbPath } from './paths'

describe('default database path', () => {
  it('follows each platform convention and the overrides', () => {
    expect(defaultDbPath({}, 'linux', '/home/ann')).toBe('/home/ann/.local/share/swaplab/swaplab.db')
    expect(defaultDbPath({ XDG_DATA_HOME: '/data' }, 'linux', '/home/ann')).toBe('/data/swaplab/swaplab.db')
    expect(dataDir({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Application Support/swaplab')
    expect(dataDir({ APPDATA: 'C:/Users/ann/AppData/Roaming' }, 'win32', 'C:/Users/ann')).toBe('C:/Users/ann/AppData/Roaming/swaplab')
    expect(defaultDbPath({ SWAPLAB_DB: '/tmp/x.db', XDG_DATA_HOME: '/data' }, 'linux', '/home/ann')).toBe('/tmp/x.db')
  })
})
