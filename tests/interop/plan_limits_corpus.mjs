// Adversarial markdown for create_plan (tests/interop/plan_limits.test.mjs):
// shapes that once cost far more than their size (wide and long tables,
// header lines, pipes, formatted runs, nesting...), each grown to just under
// the 1 MiB content limit. `corpus()` gives [{name, markdown}].

export const MAX_BYTES = 1 << 20
// A little under the limit, so that no shape is refused for its size.
const BUDGET = MAX_BYTES - 1024

/** `unit` (a string or a function of the index) repeated while it fits in `bytes`, after `head`. */
const fill = (head, unit, bytes = BUDGET, tail = '') => {
  const parts = [head]
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail)
  for (let i = 0; ; i++) {
    const u = typeof unit === 'function' ? unit(i) : unit
    const n = Buffer.byteLength(u)
    if (size + n > bytes) break
    parts.push(u)
    size += n
  }
  parts.push(tail)
  return parts.join('')
}

const row = (cells, text = i => `c${i}`) => '|' + Array.from({ length: cells }, (_, i) => ` ${text(i)} `).join('|') + '|\n'
const delimiter = cells => '|' + '---|'.repeat(cells) + '\n'
const table = (columns, rows) => row(columns, i => `h${i}`) + delimiter(columns) + Array.from({ length: rows }, (_, r) => row(columns, i => `${r}.${i}`)).join('')

export const corpus = () => [
  // The cases.
  { name: 'wide table 10 x 10,000', markdown: table(10000, 9) },
  { name: '32,000 columns', markdown: row(32000, () => 'a') + delimiter(32000) },
  { name: 'long table (2 columns to 1 MiB)', markdown: fill(row(2, i => `h${i}`) + delimiter(2), i => `| ${i} | x |\n`) },
  // The lead's measurements: quadratic row parsing in cmark-gfm.
  { name: 'body row of pipes', markdown: fill('| a | b |\n|---|---|\n| ', 'x |', BUDGET, '\n') },
  { name: 'header line of 40,000 cells', markdown: row(40000, () => 'a') + '|---|\n' },
  { name: 'header line of pipes', markdown: fill('', '|', BUDGET - 8, '\n|---|\n') },
  { name: 'delimiter row of 100,000 columns', markdown: 'a\n' + fill('', '|-', BUDGET - 8, '|\n') },
  // Paragraph lines re-read as header candidates by each delimiter-like line after them.
  { name: 'alternating delimiter lines', markdown: fill('', i => (i % 2 ? '|-|-|\n' : '|-|\n')) },
  { name: 'long paragraph, then delimiter lines', markdown: fill('', i => (i < 40000 ? `line ${i} of text\n` : i % 2 ? '|-|-|\n' : '|-|\n')) },
  { name: 'many tables', markdown: fill('', i => table(3, 3) + '\n') },
  { name: 'tables of 64 columns', markdown: fill('', () => table(64, 20) + '\n') },
  { name: 'one table of 64 x 150', markdown: table(64, 150) },
  { name: 'tables at the cell limit', markdown: Array.from({ length: 100 }, () => table(10, 9)).join('\n') },
  { name: 'pipes in a code block', markdown: fill('```\n', i => (i % 2 ? '|---|---|---|---|\n' : '| a | b | c | d |'.repeat(50) + '\n'), BUDGET, '```\n') },
  { name: 'pipes in a paragraph', markdown: fill('', 'a | b | ') },
  // Inline content.
  { name: 'formatted runs', markdown: fill('', '**a** ') },
  { name: 'mixed styles', markdown: fill('', i => ['*a* ', '**b** ', '~~c~~ ', '`d` ', '<u>e</u> '][i % 5]) },
  { name: 'links', markdown: fill('', i => `[l${i}](https://example.com/${i}) `) },
  { name: 'autolinks', markdown: fill('', i => `https://example.com/${i} `) },
  { name: 'hard breaks', markdown: fill('', 'a  \n') },
  { name: 'code spans', markdown: fill('', '`a` ') },
  { name: 'html tags', markdown: fill('', '<b>a</b> ') },
  { name: 'images', markdown: fill('', i => `![i${i}](https://example.com/${i}.png)\n`) },
  { name: 'entities', markdown: fill('', '&amp;') },
  { name: 'nested emphasis', markdown: fill('', '*a **b') },
  { name: 'unclosed brackets', markdown: fill('', '[a](') },
  { name: 'runs at the limit', markdown: '**a** '.repeat(10000) },
  { name: 'line breaks at the limit', markdown: ('a  \n'.repeat(999) + 'b\n\n').repeat(20) },
  // Blocks.
  { name: 'blocks at the limit', markdown: 'p\n\n'.repeat(5000) },
  { name: 'list items at the limit', markdown: Array.from({ length: 5000 }, (_, i) => `- item ${i}\n`).join('') },
  { name: 'long lines at the limit', markdown: Array.from({ length: 5000 }, (_, i) => `${i} ${'x'.repeat(190)}\n\n`).join('') },
  { name: 'list items', markdown: fill('', i => `- item ${i}\n`) },
  { name: 'check list items', markdown: fill('', i => `- [x] t${i}\n`) },
  { name: 'headings', markdown: fill('', i => `# h${i}\n`) },
  { name: 'paragraphs', markdown: fill('', 'p\n\n') },
  { name: 'dividers', markdown: fill('', '---\n\n') },
  { name: 'code blocks', markdown: fill('', '```\nx\n```\n') },
  { name: 'quotes', markdown: fill('', '> q\n\n') },
  { name: 'html blocks', markdown: fill('', '<div>a</div>\n\n') },
  { name: 'deep quotes', markdown: fill('', '>') + ' deep' },
  { name: 'deep lists', markdown: fill('', i => '  '.repeat(i) + '- x\n', 200000) },
  { name: 'long single line', markdown: fill('', 'abcdefgh') },
  { name: 'long code block', markdown: fill('```\n', 'code line\n', BUDGET, '```\n') },
  { name: 'reference definitions', markdown: fill('', i => `[r${i}]: https://example.com/${i}\n`) },
  { name: 'reference uses', markdown: fill('[r]: https://example.com/\n\n', '[a][r] ') }
]

/** The most expensive shapes that are accepted: run two at once to check that the hub keeps answering. */
export const HEAVY = ['tables at the cell limit', 'blocks at the limit']
