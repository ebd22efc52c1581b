// Splitting large y-webrtc messages into RTCDataChannel-sized frames and
// putting them back together (used by chunkedPeer.ts).
//
// Browsers refuse a data channel message above the negotiated
// max-message-size (256 KiB in Chromium), and y-webrtc sends every Yjs message
// in one piece, so a plan of a few megabytes never reaches a peer that has
// only WebRTC. Neither y-webrtc nor simple-peer can split messages, and the
// known chunking libraries bring a stream stack of their own for what is a few
// dozen lines here: this is hand-written, and small enough to review.
//
// A frame (all integers unsigned 32-bit little-endian):
//
//   0..3   magic  FF 52 54 01  ("\xFFRT", version 1)
//   4..7   message id (per connection)
//   8..11  chunk index (0-based)
//   12..15 chunk count
//   16..19 total message length in bytes
//   20..   payload
//
// The magic cannot start a y-webrtc message: those begin with a varUint
// message type (0 sync, 1 awareness, 3 query awareness, 4 BroadcastChannel
// peer id), so their first byte is at most 4, never 0xFF.

export const FRAME_MAGIC = [0xff, 0x52, 0x54, 0x01] as const
export const FRAME_HEADER_BYTES = 20
/** Messages up to this size go out as they are; larger ones are split. */
export const CHUNK_THRESHOLD = 64 * 1024
/** Payload per frame, so that a frame is at most 64 KiB (well below every browser's limit). */
export const CHUNK_PAYLOAD = CHUNK_THRESHOLD - FRAME_HEADER_BYTES
/** The largest message a peer may send us in frames (and that we send). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024
/** All partial messages of all peers of this page together. */
export const MAX_PENDING_BYTES = 256 * 1024 * 1024

export const isFrame = (b: Uint8Array): boolean =>
  b.byteLength >= FRAME_HEADER_BYTES &&
  b[0] === FRAME_MAGIC[0] &&
  b[1] === FRAME_MAGIC[1] &&
  b[2] === FRAME_MAGIC[2] &&
  b[3] === FRAME_MAGIC[3]

export const chunkCount = (total: number, payload = CHUNK_PAYLOAD): number => Math.ceil(total / payload)

/** Frame `index` of `message` (sent as message `id`). */
export const encodeFrame = (message: Uint8Array, id: number, index: number, payload = CHUNK_PAYLOAD): Uint8Array => {
  const total = message.byteLength
  const start = index * payload
  const body = message.subarray(start, Math.min(start + payload, total))
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.byteLength)
  frame.set(FRAME_MAGIC, 0)
  const view = new DataView(frame.buffer)
  view.setUint32(4, id >>> 0, true)
  view.setUint32(8, index, true)
  view.setUint32(12, chunkCount(total, payload), true)
  view.setUint32(16, total, true)
  frame.set(body, FRAME_HEADER_BYTES)
  return frame
}

/** Every frame of `message` (tests; the peer builds them one at a time). */
export const encodeFrames = (message: Uint8Array, id: number, payload = CHUNK_PAYLOAD): Uint8Array[] =>
  Array.from({ length: chunkCount(message.byteLength, payload) }, (_, i) => encodeFrame(message, id, i, payload))

export type DropReason = 'malformed' | 'too-large' | 'out-of-order' | 'interrupted' | 'overflow' | 'short' | 'budget'

export type ReassemblerLimits = { maxMessageBytes: number; maxPendingBytes: number }

/** Bytes held by every reassembler of the page (checked against maxPendingBytes). */
let pendingAll = 0
export const pendingBytesAll = (): number => pendingAll

type InProgress = { id: number; count: number; total: number; next: number; received: number; buf: Uint8Array }

/**
 * Reassembles the frames of one connection. A data channel is ordered and
 * reliable and a sender sends one message's frames back to back, so there is
 * at most one partial message per connection; anything out of sequence drops
 * it. Memory is bounded by what the peer actually sent (the buffer grows as
 * frames arrive, up to the declared length, itself at most maxMessageBytes).
 */
export class Reassembler {
  private cur: InProgress | null = null
  private readonly limits: ReassemblerLimits
  /** Why messages were dropped (for tests and the console). */
  readonly dropped: Partial<Record<DropReason, number>> = {}
  onDrop: ((reason: DropReason) => void) | null = null

  constructor(limits: Partial<ReassemblerLimits> = {}) {
    this.limits = { maxMessageBytes: MAX_MESSAGE_BYTES, maxPendingBytes: MAX_PENDING_BYTES, ...limits }
  }

  /** Bytes held for the message in progress. */
  get pendingBytes(): number {
    return this.cur ? this.cur.buf.byteLength : 0
  }

  /** A frame in; the whole message out when this was its last frame, else null. */
  push(frame: Uint8Array): Uint8Array | null {
    if (!isFrame(frame)) return this.drop('malformed')
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
    const id = view.getUint32(4, true)
    const index = view.getUint32(8, true)
    const count = view.getUint32(12, true)
    const total = view.getUint32(16, true)
    const body = frame.subarray(FRAME_HEADER_BYTES)
    if (total > this.limits.maxMessageBytes) return this.drop('too-large')
    if (count < 1 || total < 1 || count > total || index >= count || body.byteLength === 0) return this.drop('malformed')

    if (index === 0) {
      if (this.cur) this.drop('interrupted')
      this.cur = { id, count, total, next: 0, received: 0, buf: new Uint8Array(0) }
    }
    const cur = this.cur
    if (!cur || cur.id !== id || cur.count !== count || cur.total !== total || cur.next !== index) return this.drop('out-of-order')
    const received = cur.received + body.byteLength
    if (received > total) return this.drop('overflow')
    if (received > cur.buf.byteLength && !this.grow(cur, received)) return this.drop('budget')
    cur.buf.set(body, cur.received)
    cur.received = received
    cur.next++
    if (cur.next < count) return null
    if (received !== total) return this.drop('short')
    this.release()
    return cur.buf.byteLength === total ? cur.buf : cur.buf.slice(0, total)
  }

  /** Forgets the message in progress (the connection closed). */
  reset(): void {
    this.release()
  }

  private grow(cur: InProgress, needed: number): boolean {
    // Double (at least 1 MiB), never beyond the declared length.
    const size = Math.min(cur.total, Math.max(needed, cur.buf.byteLength * 2, 1024 * 1024))
    const extra = size - cur.buf.byteLength
    if (pendingAll + extra > this.limits.maxPendingBytes) return false
    const buf = new Uint8Array(size)
    buf.set(cur.buf.subarray(0, cur.received))
    pendingAll += extra
    cur.buf = buf
    return true
  }

  private release(): void {
    if (this.cur) pendingAll -= this.cur.buf.byteLength
    this.cur = null
  }

  private drop(reason: DropReason): null {
    this.release()
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1
    this.onDrop?.(reason)
    return null
  }
}
