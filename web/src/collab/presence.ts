// Presence from the shared Awareness: who is on the plan now. Every provider
// (hub WebSocket, WebRTC) feeds the same Awareness, keyed by Yjs client id, so
// a peer seen through both is one entry.
//
// Two awareness fields name a person:
// - `reviewer: {id, name, color}`, this app's own, where `id` is the
//   reviewer's stable id (identity.ts: one per browser profile, the same in
//   every tab);
// - `user: {name, color}`, the field Yjs collaboration cursors read and
//   write (BlockNote's, y-prosemirror's) and other Yjs editors publish.
//   BlockNote copies whatever user object it is given, so this app's `user`
//   also carries the reviewer id; other clients' usually carry no id.
//
// "One person once": a state counts as the person its stable id names
// (`reviewer.id`, else a string `user.id`), so one reviewer in two tabs, or
// one tab seen through two providers, is one person. A state whose only name
// is a display name is one person per awareness client: names are not
// identities (two people may both be "Ada"), so nothing merges it with
// another state. A state that names nobody (an empty state, or a client that
// publishes only its cursor) is not counted.
//
// A hub that joins the room as a peer (the author's `roundtable serve`)
// publishes `hub: {name}`, its machine's name, and neither `reviewer` nor
// `user`: it is shown apart (readHubs), never counted as a person.
import { useEffect, useState } from 'react'
import type { Awareness } from 'y-protocols/awareness'
import type { Identity } from '../identity'

export type Reviewer = {
  /** The person's key: their stable id, or `client:<awareness client id>` when they have none. */
  id: string
  name: string
  color: string
  /** This browser's reviewer (in this tab or another). */
  self: boolean
}

/** This app's awareness field. */
export const PRESENCE_FIELD = 'reviewer'
/** The collaboration cursors' standard awareness field. */
export const CURSOR_USER_FIELD = 'user'

const FALLBACK_COLOR = '#888888'

type NamedFields = { id?: unknown; name?: unknown; color?: unknown }

const fieldOf = (state: Record<string, unknown>, key: string): NamedFields | null => {
  const v = state[key]
  return typeof v === 'object' && v !== null ? (v as NamedFields) : null
}

const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null)

/** The person an awareness state names, or null if it names nobody. */
const personOf = (state: Record<string, unknown>, clientId: number): Omit<Reviewer, 'self'> | null => {
  const reviewer = fieldOf(state, PRESENCE_FIELD)
  const user = fieldOf(state, CURSOR_USER_FIELD)
  const name = nonEmpty(reviewer?.name) ?? nonEmpty(user?.name)
  if (name === null) return null
  const stableId = nonEmpty(reviewer?.id) ?? nonEmpty(user?.id)
  const color = nonEmpty(reviewer?.color) ?? nonEmpty(user?.color) ?? FALLBACK_COLOR
  return { id: stableId ?? `client:${clientId}`, name, color }
}

/**
 * Publishes this reviewer in both fields: `reviewer` for other copies of this
 * app, `user` for collaboration cursors and any other Yjs client. Writes only
 * what changed, since each write is broadcast to every peer.
 */
export const publishPresence = (awareness: Awareness, me: Identity): void => {
  const mine = { id: me.id, name: me.name, color: me.color }
  const state = awareness.getLocalState() ?? {}
  const same = (f: NamedFields | null) => f?.id === me.id && f.name === me.name && f.color === me.color
  if (!same(fieldOf(state, PRESENCE_FIELD))) awareness.setLocalStateField(PRESENCE_FIELD, mine)
  // Keep any other fields a cursor implementation put in `user`.
  const user = fieldOf(state, CURSOR_USER_FIELD)
  if (!same(user)) awareness.setLocalStateField(CURSOR_USER_FIELD, { ...user, ...mine })
}

/** Everyone online, one entry per person (see the top of this file): me first, then by name. */
export const readReviewers = (awareness: Awareness): Reviewer[] => {
  const myId = personOf(awareness.getLocalState() ?? {}, awareness.clientID)?.id
  const byId = new Map<string, Reviewer>()
  awareness.getStates().forEach((state, clientId) => {
    const person = personOf(state, clientId)
    if (!person) return
    // The state of this tab wins over another tab's (older) name and colour.
    const mine = clientId === awareness.clientID
    if (byId.has(person.id) && !mine) return
    byId.set(person.id, { ...person, self: mine || person.id === myId })
  })
  return Array.from(byId.values()).sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name))
}

export type HubPresence = {
  /** The hub's name: the name of the machine it runs on. */
  name: string
}

/** The awareness field a hub's own peer publishes. */
export const HUB_FIELD = 'hub'

/**
 * The hubs connected to the room, by name: the awareness states with a
 * `hub: {name}` field. One entry per name, so a restarted hub whose old state
 * has not timed out yet shows once.
 */
export const readHubs = (awareness: Awareness): HubPresence[] => {
  const names = new Set<string>()
  awareness.getStates().forEach(state => {
    const name = nonEmpty(fieldOf(state, HUB_FIELD)?.name)
    if (name !== null) names.add(name.trim())
  })
  return Array.from(names)
    .sort((a, b) => a.localeCompare(b))
    .map(name => ({ name }))
}

const sameHubs = (a: HubPresence[], b: HubPresence[]) => a.length === b.length && a.every((h, i) => h.name === b[i].name)

/** The hubs in the room (readHubs), live; the same array while they stay the same. */
export const useHubs = (awareness: Awareness | null): HubPresence[] => {
  const [hubs, setHubs] = useState<HubPresence[]>([])
  useEffect(() => {
    if (!awareness) return
    const update = () => {
      const next = readHubs(awareness)
      setHubs(prev => (sameHubs(prev, next) ? prev : next))
    }
    update()
    awareness.on('change', update)
    return () => awareness.off('change', update)
  }, [awareness])
  return hubs
}

export const useReviewers = (awareness: Awareness | null): Reviewer[] => {
  const [reviewers, setReviewers] = useState<Reviewer[]>([])
  useEffect(() => {
    if (!awareness) return
    const update = () => setReviewers(readReviewers(awareness))
    update()
    awareness.on('change', update)
    return () => awareness.off('change', update)
  }, [awareness])
  return reviewers
}
