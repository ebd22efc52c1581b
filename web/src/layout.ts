// The page layout's one breakpoint, for components that change what they
// render (not only how it looks) on narrow screens.
import { useEffect, useState } from 'react'

/** Must match the `@media (max-width: 900px)` rules in styles.css. */
const NARROW_QUERY = '(max-width: 900px)'

/** The window is narrow (a phone, a split screen): comments become a sheet. */
export const useIsNarrow = (): boolean => {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW_QUERY).matches)
  useEffect(() => {
    const mq = window.matchMedia(NARROW_QUERY)
    const on = () => setNarrow(mq.matches)
    mq.addEventListener('change', on)
    return () => mq.removeEventListener('change', on)
  }, [])
  return narrow
}
