// Light and dark mode: follows the system unless the reviewer picked one.
import { useEffect, useSyncExternalStore } from 'react'

export type ThemeChoice = 'system' | 'light' | 'dark'
const KEY = 'roundtable:theme'
const media = window.matchMedia('(prefers-color-scheme: dark)')
const listeners = new Set<() => void>()

const readChoice = (): ThemeChoice => {
  const v = localStorage.getItem(KEY)
  return v === 'light' || v === 'dark' ? v : 'system'
}

export const setThemeChoice = (choice: ThemeChoice): void => {
  if (choice === 'system') localStorage.removeItem(KEY)
  else localStorage.setItem(KEY, choice)
  listeners.forEach(fn => fn())
}

const subscribe = (fn: () => void) => {
  listeners.add(fn)
  media.addEventListener('change', fn)
  return () => {
    listeners.delete(fn)
    media.removeEventListener('change', fn)
  }
}

const snapshot = () => `${readChoice()}:${media.matches ? 'dark' : 'light'}`

/** The effective theme and the reviewer's choice; keeps <html data-theme> in step. */
export const useTheme = (): { theme: 'light' | 'dark'; choice: ThemeChoice } => {
  const [choice, system] = useSyncExternalStore(subscribe, snapshot).split(':') as [ThemeChoice, 'light' | 'dark']
  const theme = choice === 'system' ? system : choice
  useEffect(() => {
    document.documentElement.dataset.theme = theme
  }, [theme])
  return { theme, choice }
}
