// simple-peer 9's browser bundle as y-webrtc uses it, aliased in
// vite.config.ts; only what chunkedPeer.ts and webrtcConns.ts touch.
declare module 'simple-peer-original' {
  export default class SimplePeer {
    constructor(opts?: Record<string, unknown>)
    readonly destroyed: boolean
    /** The data channel, once there is one. */
    _channel: RTCDataChannel | null
    /** The peer connection (null after destroy). */
    _pc: RTCPeerConnection | null
    send(data: unknown): void
    destroy(err?: Error): void
    on(event: string, listener: (...args: unknown[]) => void): this
    _onChannelMessage(event: { data: unknown }): void
    _onChannelBufferedAmountLow(): void
  }
}
