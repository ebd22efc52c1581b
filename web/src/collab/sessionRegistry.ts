// One session per document name for the whole page, reference counted, so
// that every component showing a document shares its Y.Doc and providers.
//
// The last release does not destroy at once but after a short grace period,
// so that React StrictMode's unmount/remount (and a quick back-and-forth
// navigation) reuse the same providers instead of racing y-webrtc's
// asynchronous destroy. When a room must be opened again after a real
// destroy, session.ts makes its creation wait for that destroy to finish.
import { DocSession, type SessionOptions } from './session'

/** How long an unused session lives on (StrictMode remounts, quick navigation). */
const RELEASE_GRACE_MS = 1_500

type Entry = { session: DocSession; refs: number; timer: ReturnType<typeof setTimeout> | null }
const sessions = new Map<string, Entry>()

export const acquireSession = (name: string, options: SessionOptions): DocSession => {
  let entry = sessions.get(name)
  if (entry) {
    if (entry.timer !== null) clearTimeout(entry.timer)
    entry.timer = null
    entry.refs++
    if (options.webrtc) void entry.session.setWebrtc(options.webrtc)
    return entry.session
  }
  entry = { session: new DocSession(name, options), refs: 1, timer: null }
  sessions.set(name, entry)
  return entry.session
}

export const releaseSession = (session: DocSession): void => {
  const entry = sessions.get(session.name)
  if (!entry || entry.session !== session) return
  entry.refs--
  if (entry.refs > 0) return
  entry.timer = setTimeout(() => {
    sessions.delete(session.name)
    session.destroy()
  }, RELEASE_GRACE_MS)
}

/** Every live session, including those in their grace period (diagnostics). */
export const liveSessions = (): DocSession[] => Array.from(sessions.values(), e => e.session)

/** The names of the documents with live sessions (the e2e tests' debug hook). */
export const liveSessionNames = (): string[] => Array.from(sessions.keys())
