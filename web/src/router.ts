// Three routes (docs/product.md): `/` plan list, `/plan/<id>` live plan, `/plan?d=...` snapshot.
import { useSyncExternalStore } from 'react'

export type Route =
  | { kind: 'list' }
  | { kind: 'plan'; planId: string }
  | { kind: 'snapshot'; data: string }
  | { kind: 'missing'; path: string }

export const parseRoute = (loc: { pathname: string; search: string }): Route => {
  const path = loc.pathname.replace(/\/+$/, '') || '/'
  if (path === '/' || path === '/index.html') return { kind: 'list' }
  if (path === '/plan') {
    const d = new URLSearchParams(loc.search).get('d')
    return d !== null ? { kind: 'snapshot', data: d } : { kind: 'list' }
  }
  const m = /^\/plan\/([^/]+)$/.exec(path)
  if (m) {
    try {
      return { kind: 'plan', planId: decodeURIComponent(m[1]!) }
    } catch {
      return { kind: 'missing', path }
    }
  }
  return { kind: 'missing', path }
}

const listeners = new Set<() => void>()
const notify = () => listeners.forEach(fn => fn())
window.addEventListener('popstate', notify)

const subscribe = (fn: () => void) => {
  listeners.add(fn)
  return () => listeners.delete(fn)
}
const snapshot = () => window.location.pathname + window.location.search

export const navigate = (to: string): void => {
  if (to === snapshot()) return
  history.pushState(null, '', to)
  window.scrollTo(0, 0)
  notify()
}

export const useRoute = (): Route => {
  const key = useSyncExternalStore(subscribe, snapshot)
  const [pathname, search = ''] = key.split(/(?=\?)/)
  return parseRoute({ pathname: pathname ?? '/', search })
}

export const planPath = (planId: string) => `/plan/${encodeURIComponent(planId)}`
