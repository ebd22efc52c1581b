// A realistic plan snapshot (docs/product.md: the plan's metadata and its
// BlockNote blocks as JSON) of about a given size, the same on every run, for
// lz_string.test.mjs and bench/lz_string_bench.mjs. Text in several scripts,
// so that the compressor sees 16-bit units and surrogate pairs as well as
// ASCII.

const sentences = [
  'Move the session store to the new cluster before the freeze.',
  'Vérifier que la migration préserve les identifiants — étape critique.',
  'Übergang schrittweise: erst Lesen, dann Schreiben umstellen.',
  '移行中もAPIの後方互換性を維持すること。',
  'Проверить откат на тестовом стенде.',
  'تأكد من أن النسخ الاحتياطي يعمل قبل البدء.',
  'בדיקת עומסים אחרי כל שלב.',
  'Ship it 🚀 once the dashboards are green ✅ 👩‍💻',
  'Use `ALTER TABLE … ADD COLUMN` with a default, then backfill in batches of 10 000.',
]
const types = ['heading', 'paragraph', 'bulletListItem', 'numberedListItem', 'checkListItem', 'paragraph', 'codeBlock']

function block (i) {
  const type = types[i % types.length]
  const text = `${sentences[(i * 5) % sentences.length]} (${i})`
  const props = { textColor: 'default', backgroundColor: 'default', textAlignment: 'left' }
  if (type === 'heading') props.level = 1 + (i % 3)
  if (type === 'checkListItem') props.checked = i % 2 === 0
  if (type === 'codeBlock') return { id: `blk-${i.toString(36)}`, type, props: { language: 'sql' }, content: [{ type: 'text', text: `UPDATE users SET region = 'eu-${i % 4}' WHERE id % 16 = ${i % 16};`, styles: {} }], children: [] }
  const content = i % 3 === 0
    ? [{ type: 'text', text, styles: {} }, { type: 'link', href: `https://example.com/tickets/${1000 + i}`, content: [{ type: 'text', text: `#${1000 + i}`, styles: { bold: true } }] }]
    : [{ type: 'text', text, styles: i % 4 === 1 ? { italic: true } : {} }]
  const children = i % 11 === 10 ? [block(i * 31 + 7)] : []
  return { id: `blk-${i.toString(36)}`, type, props, content, children }
}

// The JSON text, at least `bytes` UTF-8 bytes long (a little more).
export function planSnapshotJson (bytes) {
  const plan = {
    id: 'plan-7f3a9c',
    title: 'Session store migration — Überblick 計画 🚀',
    status: 'pending_review',
    createdAt: 1767225600000,
    updatedAt: 1767312000000,
    blocks: [],
  }
  let size = Buffer.byteLength(JSON.stringify(plan))
  for (let i = 0; size < bytes; i++) {
    const b = block(i)
    plan.blocks.push(b)
    size += Buffer.byteLength(JSON.stringify(b)) + 1
  }
  return JSON.stringify(plan)
}
