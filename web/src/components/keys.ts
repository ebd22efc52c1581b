// Single-key shortcuts (docs/web.md): they act only when no text field or
// editor has the keyboard and no modifier is held.
import { useEffect } from 'react'

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')

/** Calls `handlers[e.key]` for a key pressed outside text entry; Escape always reaches its handler. */
export const useKeys = (handlers: Record<string, () => void>): void => {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return
      if (e.key !== 'Escape' && isTyping(e.target)) return
      if (document.querySelector('dialog[open]')) return
      const handler = handlers[e.key]
      if (!handler) return
      e.preventDefault()
      handler()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [handlers])
}
