// What y-webrtc gets when it imports 'simple-peer/simplepeer.min.js' (see the
// alias in vite.config.ts): simple-peer's Peer, unchanged except that
//
// - send() splits messages above CHUNK_THRESHOLD into frames (p2pFraming.ts)
//   and paces them by the channel's bufferedAmount: Chromium closes a data
//   channel whose send buffer passes 16 MiB, and y-webrtc sends without
//   looking;
// - frames received are reassembled before 'data' is emitted, so y-webrtc
//   sees whole messages, exactly as before.
//
// Small messages go out and come in untouched, so a peer without this code
// still syncs everything small with one that has it. Hand-written rather than
// a fork of y-webrtc or a dependency: it is the one missing piece (see
// p2pFraming.ts).
import SimplePeer from 'simple-peer-original'
import {
  CHUNK_PAYLOAD,
  CHUNK_THRESHOLD,
  MAX_MESSAGE_BYTES,
  Reassembler,
  chunkCount,
  encodeFrame,
  isFrame,
} from './p2pFraming'

/** Stop handing frames to the channel while it buffers this much (Chromium's limit is 16 MiB). */
const HIGH_WATER = 4 * 1024 * 1024
/** Bytes waiting in our own queue before the connection is given up (y-webrtc then reconnects and syncs again). */
const MAX_OUTBOX_BYTES = 128 * 1024 * 1024
/** Look again this often while waiting for the buffer to drain (bufferedamountlow is the main signal). */
const PUMP_RETRY_MS = 100

type Outgoing = { data: Uint8Array; id: number; next: number; count: number }

const asBytes = (data: unknown): Uint8Array | null => {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}

export default class ChunkedPeer extends SimplePeer {
  private outbox: Outgoing[] = []
  private outboxBytes = 0
  private nextId = 1
  private pumpTimer: ReturnType<typeof setTimeout> | null = null
  private readonly reassembler = new Reassembler()

  constructor(opts?: Record<string, unknown>) {
    super(opts)
    this.reassembler.onDrop = reason => console.warn(`roundtable: dropped a chunked WebRTC message (${reason})`)
    this.on('close', () => this.clear())
  }

  override send(data: unknown): void {
    const channel = this._channel
    const bytes = asBytes(data)
    // Not open yet, closing, or not bytes: exactly what simple-peer does
    // (y-webrtc catches what it throws).
    if (!bytes || this.destroyed || !channel || channel.readyState !== 'open') return super.send(data)
    if (this.outbox.length === 0 && bytes.byteLength <= CHUNK_THRESHOLD && channel.bufferedAmount < HIGH_WATER) {
      return super.send(bytes)
    }
    if (bytes.byteLength > MAX_MESSAGE_BYTES) {
      console.warn(`roundtable: a ${bytes.byteLength}-byte message is over the ${MAX_MESSAGE_BYTES}-byte P2P limit; not sent`)
      return
    }
    if (this.outboxBytes + bytes.byteLength > MAX_OUTBOX_BYTES) {
      this.destroy(new Error('roundtable: peer does not keep up; reconnecting'))
      return
    }
    const id = this.nextId
    this.nextId = (this.nextId + 1) >>> 0 || 1
    this.outbox.push({ data: bytes, id, next: 0, count: bytes.byteLength > CHUNK_THRESHOLD ? chunkCount(bytes.byteLength) : 0 })
    this.outboxBytes += bytes.byteLength
    this.pump()
  }

  /** Bytes queued here, not yet handed to the channel. */
  get queuedBytes(): number {
    return this.outboxBytes
  }

  private pump(): void {
    if (this.pumpTimer !== null) clearTimeout(this.pumpTimer)
    this.pumpTimer = null
    try {
      while (this.outbox.length > 0) {
        const channel = this._channel
        if (this.destroyed || !channel || channel.readyState !== 'open') return this.clearOutbox()
        if (channel.bufferedAmount >= HIGH_WATER) {
          this.pumpTimer = setTimeout(() => this.pump(), PUMP_RETRY_MS)
          return
        }
        const head = this.outbox[0]!
        if (head.count === 0) {
          super.send(head.data)
        } else {
          super.send(encodeFrame(head.data, head.id, head.next, CHUNK_PAYLOAD))
          if (++head.next < head.count) continue
        }
        this.outbox.shift()
        this.outboxBytes -= head.data.byteLength
      }
    } catch (err) {
      // The channel went away under us; the peer closes and y-webrtc syncs again on reconnect.
      console.warn('roundtable: WebRTC send failed', err)
      this.clearOutbox()
    }
  }

  override _onChannelBufferedAmountLow(): void {
    if (this.outbox.length > 0) this.pump()
    super._onChannelBufferedAmountLow()
  }

  override _onChannelMessage(event: { data: unknown }): void {
    if (this.destroyed) return
    const data = event.data
    if (data instanceof ArrayBuffer) {
      const bytes = new Uint8Array(data)
      if (isFrame(bytes)) {
        const message = this.reassembler.push(bytes)
        if (message) super._onChannelMessage({ data: message.buffer })
        return
      }
    }
    super._onChannelMessage(event)
  }

  private clearOutbox(): void {
    if (this.pumpTimer !== null) clearTimeout(this.pumpTimer)
    this.pumpTimer = null
    this.outbox = []
    this.outboxBytes = 0
  }

  private clear(): void {
    this.clearOutbox()
    this.reassembler.reset()
  }
}
