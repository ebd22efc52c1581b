// React bindings for sessions and Yjs types.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import { INITIAL_SESSION_STATE, type DocSession, type SessionOptions, type SessionState } from './session'
import { acquireSession, releaseSession } from './sessionRegistry'

/** Holds a session while the component is mounted (see sessionRegistry.ts for lifetimes). */
export const useDocSession = (name: string, options: SessionOptions): DocSession | null => {
  const [session, setSession] = useState<DocSession | null>(null)
  const room = options.webrtc?.room
  const password = options.webrtc?.password
  const config = options.config
  useEffect(() => {
    const s = acquireSession(name, { config, webrtc: room && password ? { room, password } : undefined })
    // The session is an external resource held for the effect's lifetime.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSession(s)
    return () => releaseSession(s)
  }, [name, config, room, password])
  return session && session.name === name ? session : null
}

const noop = () => () => {}

export const useSessionState = (session: DocSession | null): SessionState =>
  useSyncExternalStore(session?.subscribe ?? noop, session?.getState ?? (() => INITIAL_SESSION_STATE))

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any shared type
type AnyYType = Y.AbstractType<any>

/** The cached result of `read`, recomputed after every change below `type`. */
class YValueStore<T> {
  private value: T
  private readonly type: AnyYType | null
  private readonly read: () => T
  constructor(type: AnyYType | null, read: () => T) {
    this.type = type
    this.read = read
    this.value = read()
  }

  get = (): T => this.value

  subscribe = (notify: () => void): (() => void) => {
    const update = () => {
      this.value = this.read()
      notify()
    }
    update() // changes made before subscribing
    const type = this.type
    if (!type) return () => {}
    type.observeDeep(update)
    return () => type.unobserveDeep(update)
  }
}

/**
 * A value derived from a Y type, live. `read` must be stable (useCallback):
 * a new function means a new subscription.
 */
export const useYValue = <T>(type: AnyYType | null, read: () => T): T => {
  const store = useMemo(() => new YValueStore(type, read), [type, read])
  return useSyncExternalStore(store.subscribe, store.get)
}
