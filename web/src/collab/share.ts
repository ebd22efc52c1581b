// The WebRTC room secret. It travels only in URL fragments (never sent to a
// server) and in this browser's localStorage; y-webrtc derives the room's
// encryption key from it, so the signaling relay sees only ciphertext.

import { shareableToken } from '../api/accessToken'

const storageKey = (planId: string) => `roundtable:room-secret:${planId}`

export const roomName = (planId: string): string => `roundtable-${planId}`

const newSecret = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(18))
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The secret in a URL fragment such as `#k=...`, if any. */
export const secretFromHash = (hash: string): string | null => {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const k = params.get('k')
  return k && /^[A-Za-z0-9_-]{16,128}$/.test(k) ? k : null
}

/**
 * The plan's room secret: from the link that opened it, else the one this
 * browser used before, else a new one. It is remembered and put back in the
 * address bar, so a reload stays in the same room.
 */
export const resolveRoomSecret = (planId: string): string => {
  let secret = secretFromHash(window.location.hash)
  if (!secret) {
    try {
      secret = localStorage.getItem(storageKey(planId))
    } catch {
      secret = null
    }
  }
  secret ??= newSecret()
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
