import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The hub serves dist/ (see docs/hub.md); `npm run dev` proxies the hub's
// endpoints so the app can be developed against a running `roundtable serve`.
const hub = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.ROUNDTABLE_HUB ?? 'http://127.0.0.1:4141'

const here = (rel: string) => decodeURIComponent(new URL(rel, import.meta.url).pathname)

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: [
      // y-webrtc imports simple-peer's bundle; it gets our subclass, which
      // splits messages too large for one data channel message
      // (src/collab/chunkedPeer.ts). The subclass imports the original
      // under another name. (`npm run dev` pre-bundles y-webrtc with the
      // subclass inside, so the debug hook's copy in main.tsx is a second
      // instance there; the build has one.)
      { find: /^simple-peer\/simplepeer\.min\.js$/, replacement: here('./src/collab/chunkedPeer.ts') },
      { find: /^simple-peer-original$/, replacement: here('./node_modules/simple-peer/simplepeer.min.js') },
    ],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 3000,
    sourcemap: false,
    // dist/.vite/manifest.json: the service worker precaches every chunk it lists.
    manifest: true,
  },
  server: {
    proxy: {
      '/config.json': hub,
      '/yjs': { target: hub.replace(/^http/, 'ws'), ws: true },
      '/signal': { target: hub.replace(/^http/, 'ws'), ws: true },
    },
  },
})
