// Telling a refused token from a hub that is down. A browser reports a
// WebSocket upgrade the hub refused (HTTP 401) exactly as one that never got
// an answer, so when the hub connection fails the page asks an HTTP endpoint
// guarded by the same check, where the 401 and its reason can be read
// (docs/hub.md, "Access control").

import { accessToken, authHeaders } from './accessToken'

/**
 * Why the hub does not let this page in:
 * - 'missing': the page has no token (a link without `#access_token=`);
 * - 'expired': its token expired (the hub's 401 says so, or an open
 *   connection was closed with 4401);
 * - 'refused': any other refusal: for another plan, too narrow, not signed by
 *   this hub.
 */
export type AccessProblem = 'missing' | 'expired' | 'refused'

/** The close code of a WebSocket whose token expired while it was open. */
export const TOKEN_EXPIRED_CLOSE = 4401

/** The problem a 401 names, from its WWW-Authenticate challenge (RFC 6750). */
export const problemOf401 = (challenge: string | null, hasToken: boolean): AccessProblem => {
  if (!hasToken) return 'missing'
  const description = /error_description="([^"]{0,200})"/.exec(challenge ?? '')?.[1] ?? ''
  return /expired/i.test(description) ? 'expired' : 'refused'
}

/**
 * Asks `path` with the page's token: the access problem if the hub answers
 * 401, null if it answers anything else or cannot be reached (then it is
 * down, not refusing).
 */
export const checkAccess = async (path: string): Promise<AccessProblem | null> => {
  try {
    const ctrl = new AbortController()
    const timer = setTimeout(() => ctrl.abort(), 5000)
    const res = await fetch(path, { cache: 'no-store', headers: authHeaders(), signal: ctrl.signal })
    clearTimeout(timer)
    return res.status === 401 ? problemOf401(res.headers.get('WWW-Authenticate'), accessToken() !== null) : null
  } catch {
    return null
  }
}
