// The WebRTC room secret. It travels in URL fragments (never sent to a server
// in a request line) and in this browser's localStorage, and the hub with
// documents keeps one per plan for its own pages (GET and POST
// /api/plans/<id>/room-secret; the rules are roomSecret.ts's). y-webrtc
// derives the room's encryption key from it, so the signaling relay sees only
// ciphertext.

import { authHeaders, shareableToken } from '../api/accessToken'
import type { RuntimeConfig } from '../api/config'
import { isRoomSecret, resolveSecret, type HubAnswer } from './roomSecret'

const storageKey = (planId: string) => `roundtable:room-secret:${planId}`

/** How long the page waits for the hub's answer before it falls back to its own secret. */
const HUB_TIMEOUT_MS = 3000

export const roomName = (planId: string): string => `roundtable-${planId}`

const newSecret = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(18))
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The secret in a URL fragment such as `#k=...`, if any. */
export const secretFromHash = (hash: string): string | null => {
  const k = new URLSearchParams(hash.replace(/^#/, '')).get('k')
  return isRoomSecret(k) ? k : null
}

/** One request to the hub's room-secret endpoint, as a HubAnswer. */
const askHub = async (planId: string, offer: string | null): Promise<HubAnswer> => {
  const ctrl = new AbortController()
  const timer = setTimeout(() => ctrl.abort(), HUB_TIMEOUT_MS)
  try {
    const res = await fetch(`/api/plans/${encodeURIComponent(planId)}/room-secret`, {
      method: offer ? 'POST' : 'GET',
      cache: 'no-store',
      signal: ctrl.signal,
      headers: { ...authHeaders(), ...(offer ? { 'Content-Type': 'application/json' } : {}) },
      body: offer ? JSON.stringify({ secret: offer }) : undefined,
    })
    if (res.status === 404) return { kind: 'none' }
    if (!res.ok) return { kind: 'unreachable' }
    const body: unknown = await res.json()
    const secret = (body as { secret?: unknown } | null)?.secret
    return isRoomSecret(secret) ? { kind: 'secret', secret } : { kind: 'unreachable' }
  } catch {
    return { kind: 'unreachable' }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The plan's room secret (roomSecret.ts's rules, with the hub when this page
 * came from a hub with documents). It is remembered and put in the address
 * bar, so a reload stays in the same room and the address is a working link.
 */
export const resolveRoomSecret = async (planId: string, config: RuntimeConfig): Promise<string> => {
  const secret = await resolveSecret({
    fromLink: secretFromHash(window.location.hash),
    remembered: () => {
      try {
        const kept = localStorage.getItem(storageKey(planId))
        return isRoomSecret(kept) ? kept : null
      } catch {
        return null
      }
    },
    newSecret,
    hub: config.documents ? { get: () => askHub(planId, null), offer: s => askHub(planId, s) } : null,
  })
  try {
    localStorage.setItem(storageKey(planId), secret)
  } catch {
    // Private mode: the fragment alone keeps it for this tab.
  }
  if (secretFromHash(window.location.hash) !== secret) {
    // Anything else in the fragment (the access token) stays.
    const params = new URLSearchParams(window.location.hash.replace(/^#/, ''))
    params.set('k', secret)
    history.replaceState(history.state, '', `${window.location.pathname}${window.location.search}#${params.toString()}`)
  }
  return secret
}

/**
 * The link a reviewer elsewhere opens: the public address when the hub has
 * one. With access control, it carries this page's token when that token is
 * bound to this plan (a broader one is never passed on).
 */
export const shareLink = (planId: string, secret: string, publicUrl: string | null): string => {
  const base = (publicUrl ?? window.location.origin).replace(/\/+$/, '')
  const token = shareableToken(planId)
  return `${base}/plan/${encodeURIComponent(planId)}#k=${secret}${token ? `&access_token=${token}` : ''}`
}
