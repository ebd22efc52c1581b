// The last revision of each plan that this browser's reviewer has seen, kept
// in localStorage, so that a plan whose revision moved on since can say so
// ("Revision 3 · 4 blocks changed since you last looked"). A revision counts
// as seen on the first visit, and later when the reviewer opens the
// comparison up to it or dismisses the notice: a revision that arrives while
// the page is open is not "seen" until then.
import { useCallback, useEffect, useState } from 'react'

const key = (planId: string) => `roundtable:seen:${planId}`

export const readLastSeen = (planId: string): number | null => {
  try {
    const n = Number(localStorage.getItem(key(planId)))
    return Number.isInteger(n) && n > 0 ? n : null
  } catch {
    return null
  }
}

export const writeLastSeen = (planId: string, revision: number): void => {
  try {
    localStorage.setItem(key(planId), String(revision))
  } catch {
    // Storage full or disabled: the notice then shows again next time.
  }
}

/**
 * The revision this browser last saw of the plan when it is older than
 * `current` (null otherwise), and `acknowledge` to mark `current` seen.
 */
export const useChangedSince = (planId: string, current: number | null): { since: number | null; acknowledge: () => void } => {
  const [seen, setSeen] = useState(() => readLastSeen(planId))
  // A first visit has seen the revision it opened on (and, on this page, no notice).
  useEffect(() => {
    if (seen === null && current !== null && readLastSeen(planId) === null) writeLastSeen(planId, current)
  }, [planId, current, seen])
  const acknowledge = useCallback(() => {
    if (current === null) return
    writeLastSeen(planId, current)
    setSeen(current)
  }, [planId, current])
  return { since: seen !== null && current !== null && seen < current ? seen : null, acknowledge }
}
