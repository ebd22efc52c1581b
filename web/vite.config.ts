import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The hub serves dist/ (see docs/hub.md); `npm run dev` proxies the hub's
// endpoints so the app can be developed against a running `roundtable serve`.
const hub = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.ROUNDTABLE_HUB ?? 'http://127.0.0.1:4141'

export default defineConfig({
  plugins: [react()],
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
