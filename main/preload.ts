// Typed bridge between the renderer and main (placeholder).
import { contextBridge } from 'electron'
contextBridge.exposeInMainWorld('swaplab', { version: '0.1.0' })
