import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import ChunkedPeer from './collab/chunkedPeer'
import * as p2pFraming from './collab/p2pFraming'
import { iceRoutes, iceStats, peerStates } from './collab/diagnostics'
import { liveSessionNames } from './collab/sessionRegistry'
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

// Debug hooks, used by the end-to-end tests:
// - remount: unmounts and remounts the whole app synchronously, as React
//   StrictMode does in development, to check that providers survive it (no
//   "room already exists" from y-webrtc, no leaked connections);
// - sessions: the documents with live providers;
// - iceRoutes: each connected WebRTC peer's selected ICE candidate pair
//   ({local, remote: {type, address, port, protocol}}, relayed if TURN);
// - peerStates, iceStats: every WebRTC attempt with its RTCPeerConnection
//   states, candidates and candidate pairs;
// - p2pFraming, P2pPeer: the chunking of large WebRTC messages and the
//   simple-peer subclass y-webrtc uses, to test limits and back-pressure.
declare global {
  interface Window {
    __roundtable?: {
      remount: () => void
      sessions: () => string[]
      iceRoutes: typeof iceRoutes
      peerStates: typeof peerStates
      iceStats: typeof iceStats
      p2pFraming: typeof p2pFraming
      P2pPeer: typeof ChunkedPeer
    }
  }
}
window.__roundtable = {
  remount: () => {
    root.unmount()
    root = createRoot(container)
    render()
  },
  sessions: liveSessionNames,
  iceRoutes,
  peerStates,
  iceStats,
  p2pFraming,
  P2pPeer: ChunkedPeer,
}

// The app shell is cached by a service worker so that a plan saved in this
// browser opens even when the hub is down.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(err => console.warn('roundtable: no offline support', err))
  })
}
