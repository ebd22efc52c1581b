// The longest common subsequence of two sequences, as a list of edits.
// Written here rather than taken from a package (jsdiff and the like): it is
// some forty lines, and what the comparison view diffs is small (a plan's
// blocks, a block's words, a code block's lines), for which the quadratic
// table below is fast: 200 by 200 blocks is 40,000 cells.

export type Edit<T> = { op: 'same'; a: T; b: T } | { op: 'del'; a: T } | { op: 'add'; b: T }

/** Above this many table cells the middle is reported as all deleted, then all added. */
const MAX_CELLS = 4_000_000

export const diffSequences = <T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): Edit<T>[] => {
  // Common prefix and suffix first: most edits leave most of a plan alone.
  let start = 0
  while (start < a.length && start < b.length && eq(a[start]!, b[start]!)) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && eq(a[endA - 1]!, b[endB - 1]!)) {
    endA--
    endB--
  }
  const out: Edit<T>[] = []
  for (let i = 0; i < start; i++) out.push({ op: 'same', a: a[i]!, b: b[i]! })
  const n = endA - start
  const m = endB - start
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) out.push({ op: 'del', a: a[i]! })
    for (let j = start; j < endB; j++) out.push({ op: 'add', b: b[j]! })
  } else {
    // lcs[i][j]: the LCS length of a[start+i..endA) and b[start+j..endB).
    const w = m + 1
    const lcs = new Uint32Array((n + 1) * w)
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] = eq(a[start + i]!, b[start + j]!)
          ? lcs[(i + 1) * w + j + 1]! + 1
          : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!)
    let i = 0
    let j = 0
    while (i < n && j < m) {
      const x = a[start + i]!
      const y = b[start + j]!
      if (eq(x, y)) {
        out.push({ op: 'same', a: x, b: y })
        i++
        j++
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
        out.push({ op: 'del', a: x })
        i++
      } else {
        out.push({ op: 'add', b: y })
        j++
      }
    }
    for (; i < n; i++) out.push({ op: 'del', a: a[start + i]! })
    for (; j < m; j++) out.push({ op: 'add', b: b[start + j]! })
  }
  for (let i = endA, j = endB; i < a.length; i++, j++) out.push({ op: 'same', a: a[i]!, b: b[j]! })
  return out
}
