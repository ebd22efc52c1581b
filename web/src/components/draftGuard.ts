// A comment typed and not sent: BlockNote's comment composers (a new thread,
// a reply) are editable editors inside `.bn-thread`, where sent comments are
// read-only. BlockNote keeps their text to itself, so this reads the page.
import { useEffect } from 'react'

export const hasUnsentComment = (): boolean =>
  Array.from(document.querySelectorAll('.bn-thread .bn-editor[contenteditable="true"]')).some(e => (e.textContent ?? '').trim() !== '')

/** Asks before the page is left (closed, reloaded, navigated away) with a comment not sent. */
export const useLeaveGuard = (): void => {
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (hasUnsentComment()) e.preventDefault()
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    return () => window.removeEventListener('beforeunload', onBeforeUnload)
  }, [])
}
