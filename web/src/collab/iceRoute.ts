// Which way a WebRTC connection really goes: the selected ICE candidate pair
// from RTCPeerConnection.getStats(). A 'relay' candidate on either end means
// the traffic goes through a TURN server; anything else (host, srflx, prflx)
// is a direct path between the two browsers.

export type IceEndpoint = {
  /** host, srflx, prflx or relay ('unknown' when the browser did not say). */
  type: string
  address: string | null
  port: number | null
  /** udp or tcp */
  protocol: string | null
}

export type IceRoute = { local: IceEndpoint; remote: IceEndpoint; relayed: boolean }

export type P2pRoute = 'none' | 'direct' | 'relayed' | 'mixed'

type Stat = Record<string, unknown> & { type: string; id: string }

const endpoint = (c: Stat | undefined): IceEndpoint => ({
  type: typeof c?.candidateType === 'string' ? c.candidateType : 'unknown',
  address: typeof c?.address === 'string' ? c.address : typeof c?.ip === 'string' ? c.ip : null,
  port: typeof c?.port === 'number' ? c.port : null,
  protocol: typeof c?.protocol === 'string' ? c.protocol : null,
})

/** The selected candidate pair of `pc`, or null while there is none. */
export const selectedRoute = async (pc: RTCPeerConnection | null | undefined): Promise<IceRoute | null> => {
  if (!pc || pc.connectionState === 'closed') return null
  let report: RTCStatsReport
  try {
    report = await pc.getStats()
  } catch {
    return null
  }
  const stats = new Map<string, Stat>()
  report.forEach((s: Stat) => stats.set(s.id, s))
  let pair: Stat | undefined
  // The standard way: the transport names its selected pair.
  for (const s of stats.values()) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pair = stats.get(s.selectedCandidatePairId)
  }
  // Older browsers (Firefox): a flag on the pair.
  pair ??= [...stats.values()].find(s => s.type === 'candidate-pair' && s.selected === true)
  pair ??= [...stats.values()].find(s => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded')
  if (!pair) return null
  const local = endpoint(stats.get(String(pair.localCandidateId)))
  const remote = endpoint(stats.get(String(pair.remoteCandidateId)))
  return { local, remote, relayed: local.type === 'relay' || remote.type === 'relay' }
}

/** One word for several connections' routes. */
export const summarizeRoutes = (routes: (IceRoute | null | undefined)[]): P2pRoute => {
  const known = routes.filter((r): r is IceRoute => !!r)
  if (known.length === 0) return 'none'
  const relayed = known.filter(r => r.relayed).length
  return relayed === 0 ? 'direct' : relayed === known.length ? 'relayed' : 'mixed'
}
