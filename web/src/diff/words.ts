// Word-level comparison of two texts: what the comparison view marks inside
// a changed block (and a changed table cell).
import { diffSequences } from './sequence'

export type Segment = { op: 'same' | 'del' | 'add'; text: string }

/** Words, runs of white space, and single punctuation marks. */
export const tokenize = (text: string): string[] => text.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? []

/** The two texts as one run of segments, consecutive ones of the same kind merged. */
export const diffWords = (before: string, after: string): Segment[] => {
  const segments: Segment[] = []
  const push = (op: Segment['op'], text: string) => {
    const last = segments[segments.length - 1]
    if (last?.op === op) last.text += text
    else segments.push({ op, text })
  }
  for (const e of diffSequences(tokenize(before), tokenize(after), (x, y) => x === y)) {
    if (e.op === 'same') push('same', e.a)
    else if (e.op === 'del') push('del', e.a)
    else push('add', e.b)
  }
  return segments
}

/**
 * How alike two texts are, from 0 to 1: the share of their words they have
 * in common (Dice's coefficient over word multisets). Pairs a removed block
 * with an added one as "changed".
 */
export const similarity = (before: string, after: string): number => {
  const words = (t: string) => tokenize(t).filter(w => /\S/.test(w))
  const a = words(before)
  const b = words(after)
  if (a.length + b.length === 0) return 1
  const counts = new Map<string, number>()
  for (const w of a) counts.set(w, (counts.get(w) ?? 0) + 1)
  let common = 0
  for (const w of b) {
    const c = counts.get(w) ?? 0
    if (c > 0) {
      common++
      counts.set(w, c - 1)
    }
  }
  return (2 * common) / (a.length + b.length)
}
