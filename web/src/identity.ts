// The reviewer's identity: a stable random id, a display name and a colour,
// kept in localStorage. The name and colour are chosen on first visit.

export type Identity = { id: string; name: string; color: string }

const KEY = 'roundtable:identity'

export const COLORS = ['#e5484d', '#f76b15', '#ca8a04', '#30a46c', '#12a594', '#0090ff', '#6e56cf', '#d6409f'] as const

const randomId = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(9))
  return 'u-' + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

type Stored = { id: string; name?: string; color?: string }

const read = (): Stored | null => {
  try {
    const raw = localStorage.getItem(KEY)
    if (!raw) return null
    const v = JSON.parse(raw) as Partial<Stored>
    return typeof v.id === 'string' ? { id: v.id, name: v.name, color: v.color } : null
  } catch {
    return null
  }
}

/** The stored identity; the id exists from the first call on, the name only once chosen. */
export const loadIdentity = (): { id: string; name: string | null; color: string } => {
  let stored = read()
  if (!stored) {
    stored = { id: randomId() }
    localStorage.setItem(KEY, JSON.stringify(stored))
  }
  const name = typeof stored.name === 'string' && stored.name.trim() !== '' ? stored.name.trim() : null
  const color = typeof stored.color === 'string' && /^#[0-9a-f]{6}$/i.test(stored.color) ? stored.color : COLORS[5]
  return { id: stored.id, name, color }
}

export const saveIdentity = (name: string, color: string): Identity => {
  const { id } = loadIdentity()
  const identity = { id, name: name.trim().slice(0, 60), color }
  localStorage.setItem(KEY, JSON.stringify(identity))
  return identity
}

export const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map(w => w[0]!.toUpperCase())
    .join('') || '?'
