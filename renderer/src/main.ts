// Renderer entry: pick the transport (Electron preload or loopback HTTP), then mount.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { pickTransport } from './transport/pick'
import { setLabClient } from './lib/labClient'
import './styles.css'

try {
  setLabClient(pickTransport(window))
  createApp(App).use(createPinia()).mount('#app')
} catch (e) {
  const el = document.getElementById('app')
  if (el) el.innerHTML = `<p class="banner error boot-error"></p>`
  const p = el?.querySelector('p')
  if (p) p.textContent = e instanceof Error ? e.message : String(e)
}
