import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { liveSessionNames } from './collab/session'
import './styles.css'

const container = document.getElementById('root')!
let root = createRoot(container)
const render = () =>
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
render()

// Unmounts and remounts the whole app synchronously, as React StrictMode does
// in development: the end-to-end tests use it to check that providers survive
// it (no "room already exists" from y-webrtc, no leaked connections).
declare global {
  interface Window {
    __roundtable?: { remount: () => void; sessions: () => string[] }
  }
}
window.__roundtable = {
  remount: () => {
    root.unmount()
    root = createRoot(container)
    render()
  },
  sessions: liveSessionNames,
}

// The app shell is cached by a service worker so that a plan saved in this
// browser opens even when the hub is down.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(err => console.warn('roundtable: no offline support', err))
  })
}
