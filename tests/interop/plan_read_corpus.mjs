// Markdown inputs for plan_read.test.mjs: each is parsed by BlockNote, and the
// C++ markdown of the resulting document must parse back to the same blocks.
// Known lossy cases are not here; markdown_writer.h lists them with reasons.

export const corpus = [
  { name: 'headings', md: '# One\n\n## Two *it*\n\n### Three **bold**\n\n#### Four\n\n##### Five\n\n###### Six `code`' },
  { name: 'marks', md: 'Plain **bold** *italic* ***both*** ~~strike~~ `code` <u>under</u> and **bold with *italic* inside** end.' },
  { name: 'adjacent marks', md: '**a**<!---->*b* x**(c)**y ~~s~~**t** `c`**d**' },
  { name: 'nested bullets', md: '- one\n  - one.one\n    - one.one.one\n  - one.two\n- two\n- three' },
  { name: 'numbered from 3', md: '3. three\n4. four\n   1. nested one\n   2. nested two\n5. five' },
  { name: 'two numbered lists', md: '1. a\n2. b\n\n<!-- -->\n\n7. seven\n8. eight' },
  { name: 'check lists', md: '- [ ] todo\n- [x] done\n  - [ ] sub todo\n  - [x] sub done\n- [ ] last' },
  { name: 'mixed lists', md: '- bullet\n1. numbered\n- [x] checked\n- bullet again\n\nAfter the list.' },
  { name: 'table', md: '| Name | Value | Notes |\n| --- | --- | --- |\n| **a** | `1 \\| 2` | [link](http://x.y/z) |\n| b | 2 | plain |\n| c |  | *it* |' },
  { name: 'headerless table', md: '| | |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |' },
  { name: 'code blocks', md: '```ts\nconst a = `x`;\nif (a) {\n  return "```";\n}\n```\n\n~~~\nplain ~~~ tilde\n~~~\n\n```python\n\n# blank first line\nprint(1)\n```' },
  { name: 'links', md: 'See [the docs](https://example.com/a_b?x=1&y=(2)) and [**bold link**](http://x.y/) or [a b](<http://x.y/a b>).' },
  { name: 'images', md: '![Architecture diagram](https://example.com/arch.png)\n\nText between.\n\n![](https://example.com/empty-alt.png)' },
  { name: 'dividers', md: 'Above\n\n---\n\nMiddle\n\n***\n\nBelow' },
  { name: 'quotes', md: '> A quote with **bold** and `code`\n\n> Another quote' },
  { name: 'unicode and emoji', md: '# Ünïcödé ✓\n\nEmoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷, CJK 中文字符, RTL עברית, math ∑∫√.\n\n- 日本語 *斜体*' },
  { name: 'hard breaks', md: 'line one<br>line two<br>**bold line**<br>end\n\nsoft\nwrap' },
  { name: 'escaped text', md: '\\*not italic\\* and 1\\. not a list, a \\| pipe, \\[not a link\\](x), back\\\\slash, snake_case_word, \\# hash' },
  { name: 'list children', md: '- item with children\n\n  A paragraph inside.\n\n  ```js\n  let x = 1\n  ```\n- next item\n\n1. numbered with child\n\n   > quoted child' },
  {
    name: 'realistic plan',
    md: `# Plan: migrate the session store

## Context

The hub keeps sessions in memory; restarts lose them. **Goal:** persist them in SQLite with *no* downtime.

## Steps

1. Add the \`sessions\` table (see [schema](https://example.com/schema.md)).
2. Write through on every change:
   - on connect
   - on awareness update
3. Backfill from memory at startup.

## Checklist

- [x] Design reviewed
- [ ] Migration written
- [ ] Benchmarks: p99 < 5 ms

| Phase | Owner | ETA |
| --- | --- | --- |
| 1 | Alice | 2d |
| 2 | Bob | 3d |

\`\`\`sql
CREATE TABLE sessions (id TEXT PRIMARY KEY, data BLOB);
\`\`\`

> Risk: WAL growth under load.

---

Questions? Ping @alice.`,
  },
]
