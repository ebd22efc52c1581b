// Runtime configuration from the hub's /config.json, so that a deployment
// changes signaling relays and ICE servers without a new build.

import { authHeaders, withAccessToken } from './accessToken'

export type IceServer = { urls: string | string[]; username?: string; credential?: string }

export type RuntimeConfig = {
  /** y-webrtc signaling relays (ws:// or wss://), tried together. */
  signaling: string[]
  /** RTCPeerConnection ICE servers (STUN and TURN). */
  iceServers: IceServer[]
  /** The address remote reviewers use to reach this app, if the hub knows one. */
  publicUrl: string | null
  /** Base URL of the hub's y-websocket endpoint (documents are appended). */
  websocketUrl: string
  /**
   * The site syncs and stores documents (a hub). False on a review site that
   * only relays signaling and serves the app (`roundtable signal --web`):
   * there plans come from other reviewers' browsers over WebRTC alone.
   */
  documents: boolean
}

/** Google's public STUN servers, the default of docs/product.md ("The web app"). */
export const DEFAULT_ICE_SERVERS: IceServer[] = [
  { urls: 'stun:stun.l.google.com:19302' },
  { urls: 'stun:stun1.l.google.com:19302' },
  { urls: 'stun:stun2.l.google.com:19302' },
]

const wsOrigin = (): string => {
  const { protocol, host } = window.location
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}`
}

export const defaultConfig = (): RuntimeConfig => ({
  signaling: [`${wsOrigin()}/signal`],
  iceServers: DEFAULT_ICE_SERVERS,
  publicUrl: null,
  websocketUrl: `${wsOrigin()}/yjs`,
  documents: true,
})

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(s => typeof s === 'string')

const isIceServer = (v: unknown): v is IceServer => {
  if (typeof v !== 'object' || v === null) return false
  const urls = (v as { urls?: unknown }).urls
  return typeof urls === 'string' || isStringArray(urls)
}

/** Validates what the hub sent; anything missing or malformed falls back to the default. */
export const parseConfig = (raw: unknown): RuntimeConfig => {
  const base = defaultConfig()
  if (typeof raw !== 'object' || raw === null) return base
  const r = raw as Record<string, unknown>
  const signaling = isStringArray(r.signaling) ? r.signaling.filter(u => /^wss?:\/\//.test(u)) : null
  const ice = Array.isArray(r.iceServers) ? r.iceServers.filter(isIceServer) : null
  return {
    signaling: signaling && signaling.length > 0 ? signaling : base.signaling,
    // A hub with none configured sends []: the default STUN servers then.
    iceServers: ice && ice.length > 0 ? ice : base.iceServers,
    publicUrl: typeof r.publicUrl === 'string' && r.publicUrl !== '' ? r.publicUrl : null,
    websocketUrl: base.websocketUrl,
    // Only an explicit false turns the hub off (older hubs do not send it).
    documents: r.documents !== false,
  }
}

const CACHE_KEY = 'roundtable:config'
let pending: Promise<RuntimeConfig> | null = null

/**
 * The access token goes to this hub's own signaling relay and the public
 * review site's (which `roundtable signal --token-secret-file` guards with
 * the same secret), never to a third party's relay.
 */
const withTokenOnOwnRelays = (config: RuntimeConfig): RuntimeConfig => {
  const own = new Set([window.location.host])
  if (config.publicUrl) {
    try {
      own.add(new URL(config.publicUrl).host)
    } catch {
      // not a URL: only this page's host
    }
  }
  const signaling = config.signaling.map(url => {
    try {
      return own.has(new URL(url).host) ? withAccessToken(url) : url
    } catch {
      return url
    }
  })
  return { ...config, signaling }
}

/**
 * The configuration, fetched once per page. With the hub down, the last
 * configuration this browser saw (or the default) keeps the app working.
 */
export const loadConfig = (): Promise<RuntimeConfig> => {
  pending ??= (async () => {
    try {
      const ctrl = new AbortController()
      const timer = setTimeout(() => ctrl.abort(), 3000)
      const res = await fetch('/config.json', { cache: 'no-store', signal: ctrl.signal, headers: authHeaders() })
      clearTimeout(timer)
      if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`)
      const raw: unknown = await res.json()
      localStorage.setItem(CACHE_KEY, JSON.stringify(raw))
      return withTokenOnOwnRelays(parseConfig(raw))
    } catch {
      try {
        const cached = localStorage.getItem(CACHE_KEY)
        return withTokenOnOwnRelays(parseConfig(cached ? JSON.parse(cached) : null))
      } catch {
        return withTokenOnOwnRelays(defaultConfig())
      }
    }
  })()
  return pending
}
