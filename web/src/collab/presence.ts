// Presence from the shared Awareness. Every provider (hub WebSocket, WebRTC)
// feeds the same Awareness, keyed by Yjs client id, so a peer seen through
// both is one entry. Reviewers are then grouped by their identity id, so one
// person with two tabs is one reviewer.
import { useEffect, useState } from 'react'
import type { Awareness } from 'y-protocols/awareness'
import type { Identity } from '../identity'

export type Reviewer = { id: string; name: string; color: string; self: boolean }

/** The awareness field this app publishes (BlockNote's cursors use `user`). */
export const PRESENCE_FIELD = 'reviewer'

export const publishPresence = (awareness: Awareness, me: Identity): void => {
  const current = awareness.getLocalState()?.[PRESENCE_FIELD] as Identity | undefined
  if (current?.id === me.id && current.name === me.name && current.color === me.color) return
  awareness.setLocalStateField(PRESENCE_FIELD, { id: me.id, name: me.name, color: me.color })
}

export const readReviewers = (awareness: Awareness): Reviewer[] => {
  const byId = new Map<string, Reviewer>()
  awareness.getStates().forEach((state, clientId) => {
    const r = state[PRESENCE_FIELD] as Partial<Identity> | undefined
    if (!r || typeof r.id !== 'string' || typeof r.name !== 'string') return
    const self = clientId === awareness.clientID
    const prev = byId.get(r.id)
    byId.set(r.id, {
      id: r.id,
      name: r.name,
      color: typeof r.color === 'string' ? r.color : '#888888',
      self: self || (prev?.self ?? false),
    })
  })
  // Me first, then by name.
  return Array.from(byId.values()).sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name))
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
