// Roundtable's service worker: keeps the app shell (index.html and every
// built asset) so that a plan saved in this browser opens with the hub down.
// Documents themselves live in IndexedDB (y-indexeddb), not here.
const CACHE = 'roundtable-shell-v1'

const precache = async () => {
  const cache = await caches.open(CACHE)
  await cache.add(new Request('/', { cache: 'reload' }))
  try {
    // Vite's manifest lists every chunk, including the lazily loaded ones.
    const res = await fetch('/.vite/manifest.json', { cache: 'reload' })
    if (!res.ok) return
    const manifest = await res.json()
    const files = new Set()
    for (const entry of Object.values(manifest)) {
      if (entry.file) files.add('/' + entry.file)
      for (const css of entry.css ?? []) files.add('/' + css)
      for (const asset of entry.assets ?? []) files.add('/' + asset)
    }
    await cache.addAll([...files])
  } catch {
    // Assets are also cached as they are fetched.
  }
}

self.addEventListener('install', event => {
  event.waitUntil(precache().then(() => self.skipWaiting()))
})

self.addEventListener('activate', event => {
  event.waitUntil(
    caches
      .keys()
      .then(keys => Promise.all(keys.filter(k => k !== CACHE).map(k => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

const networkFirst = async (request, cacheKey) => {
  const cache = await caches.open(CACHE)
  try {
    const res = await fetch(request)
    if (res.ok) await cache.put(cacheKey ?? request, res.clone())
    return res
  } catch (err) {
    const cached = await cache.match(cacheKey ?? request)
    if (cached) return cached
    throw err
  }
}

const cacheFirst = async request => {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached) return cached
  const res = await fetch(request)
  if (res.ok) await cache.put(request, res.clone())
  return res
}

self.addEventListener('fetch', event => {
  const { request } = event
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.mode === 'navigate') {
    // Every route of the app is the same index.html.
    event.respondWith(networkFirst(request, '/'))
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request))
  } else if (url.pathname === '/config.json' || url.pathname === '/favicon.svg') {
    event.respondWith(networkFirst(request))
  }
})
