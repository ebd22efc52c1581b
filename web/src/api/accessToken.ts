// The hub's access token (docs/hub.md, "Access control"). A reviewer's link
// carries it in the URL fragment (`#k=...&access_token=...`): browsers send
// neither the fragment to any server nor it in Referer, so the token stays
// out of request lines, proxy logs and the pages a reviewer goes on to. The
// app hands it to the hub itself: as a Bearer header on fetches, and as the
// access_token query parameter on WebSockets (which cannot carry headers).

const STORAGE_KEY = 'roundtable:access-token'
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const MAX_TOKEN_LENGTH = 4096

/** The token in a URL fragment such as `#k=...&access_token=...`, if any. */
export const tokenFromHash = (hash: string): string | null => {
  const t = new URLSearchParams(hash.replace(/^#/, '')).get('access_token')
  return t && t.length <= MAX_TOKEN_LENGTH && JWT.test(t) ? t : null
}

const initial = ((): string | null => {
  if (typeof window === 'undefined') return null
  const fromLink = tokenFromHash(window.location.hash)
  try {
    // Kept for this tab only: the route may drop the fragment, a reload must not lose it.
    if (fromLink) sessionStorage.setItem(STORAGE_KEY, fromLink)
    return fromLink ?? sessionStorage.getItem(STORAGE_KEY)
  } catch {
    return fromLink
  }
})()

/** The token this page was opened with (null: none, as on a hub without access control). */
export const accessToken = (): string | null => initial

/** What the token says of itself, unverified (the hub verifies): for choices the page makes, never for security. */
export type TokenClaims = { scope?: string; plan?: string; exp?: number }

export const tokenClaims = (token: string | null = initial): TokenClaims | null => {
  if (!token) return null
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
    const claims: unknown = JSON.parse(atob(part))
    return typeof claims === 'object' && claims !== null ? (claims as TokenClaims) : null
  } catch {
    return null
  }
}

/** Whether the token only reads (plan:read): the page then changes nothing, as the hub refuses it. */
export const isReadOnlyToken = (): boolean => tokenClaims()?.scope === 'plan:read'

/**
 * The token a share link for `planId` may pass on: only one bound to that
 * plan, for reading or reviewing. A broader one (an author's or an admin's)
 * is never copied into a link.
 */
export const shareableToken = (planId: string): string | null => {
  const c = tokenClaims()
  return c && c.plan === planId && (c.scope === 'plan:read' || c.scope === 'plan:review') ? initial : null
}

/** `url` with the token as its access_token query parameter (unchanged without a token). */
export const withAccessToken = (url: string, token: string | null = initial): string => {
  if (!token) return url
  return `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`
}

/** Headers for a fetch to the hub. */
export const authHeaders = (token: string | null = initial): Record<string, string> =>
  token ? { Authorization: `Bearer ${token}` } : {}
