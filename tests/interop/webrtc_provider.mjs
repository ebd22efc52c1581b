// A real y-webrtc WebrtcProvider in Node (WebRTC from @roamhq/wrtc, no ICE
// servers: nothing leaves this machine), closed with the harness's cleanups.
//
//   const { doc, provider, close } = await openWebrtcProvider(h, room, hub.signalUrl, password)
//
// y-webrtc allows one provider per room name in a process: close() the first
// before opening another on the same room.

import * as Y from 'yjs'
import wrtc from '@roamhq/wrtc'
import * as bc from 'lib0/broadcastchannel'
import { waitFor, WebSocket } from './hub_harness.mjs'

// y-webrtc's client code uses the browser's global WebSocket.
globalThis.WebSocket ??= WebSocket
const { WebrtcProvider } = await import('y-webrtc')

export const openWebrtcProvider = async (h, room, signalUrl, password) => {
  const doc = new Y.Doc()
  const provider = new WebrtcProvider(room, doc, { signaling: [signalUrl], password, peerOpts: { wrtc, config: { iceServers: [] } } })
  let closed = null
  const close = () => (closed ??= (async () => {
    // y-webrtc's destroy() leaves the signaling connection open; disconnect() closes it.
    provider.disconnect()
    provider.destroy()
    doc.destroy()
    // Room.disconnect publishes on its BroadcastChannel after unsubscribing
    // (the publish waits for encryption), which opens the channel again; in
    // Node an open channel keeps the process alive.
    await new Promise(resolve => setTimeout(resolve, 200))
    const none = () => {}
    bc.subscribe(room, none)
    bc.unsubscribe(room, none)
  })())
  h.defer(close)
  await waitFor(() => provider.room, { message: 'the provider\'s room' })
  return { doc, provider, close }
}
