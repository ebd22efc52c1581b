// The C++ lz-string (src/plan/lz_string.h) against the npm lz-string 1.5.0,
// through roundtable_plan_driver (lzCompress / lzDecompress).
//
// For every text of the corpus and of the seeded random cases: the C++
// compressToEncodedURIComponent output equals the JavaScript one character
// for character, the JavaScript decompressFromEncodedURIComponent reads the
// C++ output back to the text, and the C++ decompressor reads the JavaScript
// output back to the text. Corrupt data: the C++ answers null for every
// truncation, extension and foreign character; for random character
// substitutions it may decode (another valid stream) but then must agree with
// the JavaScript. Where the C++ says null, what the JavaScript says instead
// is counted and printed (it is more lenient: see lz_string.h).
//
//   cd tests/interop && ROUNDTABLE_BUILD_DIR=$PWD/../../build node --test lz_string.test.mjs
//   SEED=7 CASES=5000 node --test lz_string.test.mjs

import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Driver } from './driver_client.mjs'
import { planSnapshotJson } from './plan_snapshot_fixture.mjs'

const LZString = createRequire(import.meta.url)('lz-string')
assert.equal(createRequire(import.meta.url)('lz-string/package.json').version, '1.5.0')

const SEED = Number(process.env.SEED ?? 1)
const CASES = Number(process.env.CASES ?? 3000)

const driver = new Driver('roundtable_plan_driver')
after(() => driver.close())

const cppCompress = async (text) => (await driver.call({ cmd: 'lzCompress', text })).out
const cppDecompress = async (data, maxTextUnits) =>
  (await driver.call({ cmd: 'lzDecompress', data, ...(maxTextUnits !== undefined && { maxTextUnits }) })).text

// Shows a string's code units when an assertion fails on it.
const label = (s) => s.length <= 40 ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, 40))}… (${s.length} units)`

async function checkText (text) {
  const js = LZString.compressToEncodedURIComponent(text)
  const [cpp, back] = await Promise.all([cppCompress(text), cppDecompress(js)])
  assert.equal(cpp, js, `compress ${label(text)}`)
  assert.equal(LZString.decompressFromEncodedURIComponent(cpp), text, `JS decompress of C++ ${label(text)}`)
  assert.equal(back, text, `C++ decompress of JS ${label(text)}`)
}

const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i)
const units = (codes) => codes.map((c) => String.fromCharCode(c)).join('')

const corpus = {
  empty: [''],
  'single chars': ['a', ' ', '\0', '\x7f', '\x80', '\xff', '\u0100', '\u07ff', '\u0800', '\ufffd', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '😀', '_'],
  ascii: ['hello world', 'Hello, world! Hello, world!', 'The quick brown fox jumps over the lazy dog.', units(range(32, 127)), '+-$/=?&#%'],
  'latin-1': ['ééé café', 'Ærøskøbing — Straße, señor, garçon', units(range(0xa0, 0x100))],
  cjk: ['日本語のテキスト', '汉字简体与繁體字混排', '한국어 텍스트', units(range(0x4e00, 0x4f00))],
  rtl: ['مرحبا بالعالم', 'שלום עולם', 'mixed עברית and العربية with 123'],
  'combining marks': ['e\u0301 a\u0300 o\u0308', 'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357', 'ก่ำ', 'नमस्ते'],
  emoji: ['😀', '😀😀😀😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷🇯🇵🇺🇸', '🧑🏾‍🚀 and 👩‍💻', '\u{10ffff}\u{10000}'],
  'lone surrogates': ['\ud800', 'a\ud800b', '\udc00\ud800', '\ud83d', '\ude00', '\ud83d\ud83d\ude00\ude00', 'x\udfff\udbff'],
  'control chars': ['\0\x01\x02\x1f', 'line1\nline2\r\n\ttab', '\u2028\u2029', '\ufeffBOM', '\u200b\u200c\u200d'],
  'the __proto__ phrase': ['__proto__', '__proto__x__proto__y__proto__', '__proto__'.repeat(50), 'a__proto___', '{"__proto__":{"constructor":"toString"}}', 'constructor hasOwnProperty valueOf'],
}

for (const [name, texts] of Object.entries(corpus)) {
  test(`corpus: ${name}`, async () => {
    for (const t of texts) await checkText(t)
  })
}

test('long texts: dictionary past 2^8, 2^16 and 2^17 entries', async () => {
  const everyUnit = units(range(0, 0x10000)) // 65536 single-unit entries alone, lone surrogates included
  await checkText('a'.repeat(300000)) // codes up to ~10 bits
  await checkText('lorem ipsum dolor sit amet '.repeat(20000))
  await checkText(everyUnit)
  await checkText(everyUnit + everyUnit + '😀'.repeat(1000)) // 18-bit codes, pairs reused
  const rnd = mulberry32(SEED)
  await checkText(Array.from({ length: 400000 }, () => 'acgt'[Math.floor(rnd() * 4)]).join('')) // ~70k phrases
})

test('a realistic 100 KB plan snapshot', async () => {
  const json = planSnapshotJson(100_000)
  await checkText(json)
  await checkText(planSnapshotJson(2_000))
})

// --- seeded random strings ---

function mulberry32 (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pieces = ['a', 'b', ' ', 'the ', '{"', '":', 'é', 'ß', '中', '文', '😀', '👍🏽', '‍', '\u0301', '\ud800', '\udfff', '\0', '\n', '__proto__', '_', 'proto', '\uffff', 'ÿ', 'Ā']

function randomText (rnd) {
  const int = (n) => Math.floor(rnd() * n)
  const len = [4, 30, 300, 3000][int(4)]
  const n = int(len + 1)
  switch (int(5)) {
    case 0: return Array.from({ length: n }, () => String.fromCharCode(32 + int(95))).join('')
    case 1: return Array.from({ length: n }, () => 'ab'[int(2)]).join('') // deep dictionary
    case 2: return Array.from({ length: n }, () => String.fromCharCode(int(0x10000))).join('') // any unit, lone surrogates too
    case 3: return Array.from({ length: n }, () => String.fromCharCode(int(4) === 0 ? 0xd800 + int(0x800) : int(0x300))).join('')
    default: return Array.from({ length: int(len / 4 + 1) }, () => pieces[int(pieces.length)]).join('')
  }
}

test(`seeded random strings (SEED=${SEED}, CASES=${CASES})`, async () => {
  const rnd = mulberry32(SEED)
  const texts = Array.from({ length: CASES }, () => randomText(rnd))
  // Pipelined: the driver answers in order, so all requests can be in flight.
  const [cpp, back] = await Promise.all([
    Promise.all(texts.map(cppCompress)),
    Promise.all(texts.map((t) => cppDecompress(LZString.compressToEncodedURIComponent(t)))),
  ])
  texts.forEach((t, i) => {
    assert.equal(cpp[i], LZString.compressToEncodedURIComponent(t), `case ${i}: compress ${label(t)}`)
    assert.equal(LZString.decompressFromEncodedURIComponent(cpp[i]), t, `case ${i}: JS decompress ${label(t)}`)
    assert.equal(back[i], t, `case ${i}: C++ decompress ${label(t)}`)
  })
})

test('a space reads as "+" (query decoding turns "+" into a space)', async () => {
  const json = planSnapshotJson(5_000)
  const spaced = LZString.compressToEncodedURIComponent(json).replaceAll('+', ' ')
  assert.ok(spaced.includes(' '))
  assert.equal(LZString.decompressFromEncodedURIComponent(spaced), json)
  assert.equal(await cppDecompress(spaced), json)
})

test('the output cap', async () => {
  const text = 'a'.repeat(33000)
  const data = LZString.compressToEncodedURIComponent(text)
  assert.equal(await cppDecompress(data, 33000), text)
  assert.equal(await cppDecompress(data, 32999), null)
})

// --- corrupt data ---

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$'
const foreign = ['=', '/', '.', '_', '~', '%', '!', 'é', '\0', '\n', '😀']

// The JavaScript decompressor on corrupt data: a string, null, or a thrown
// TypeError (e.g. a first code of 3 leaves its `w` undefined).
function jsDecompress (data) {
  try {
    return LZString.decompressFromEncodedURIComponent(data)
  } catch (e) {
    return e
  }
}

// What the JavaScript returned where the C++ said null, by kind of damage.
const jsWhenCppNull = {}
function tally (kind, js) {
  const k = js === null ? 'null' : js === '' ? '""' : js instanceof Error ? 'throws' : 'a string'
  jsWhenCppNull[kind] ??= {}
  jsWhenCppNull[kind][k] = (jsWhenCppNull[kind][k] ?? 0) + 1
}

test('corrupt data: the C++ says null for damage that cannot be valid', async () => {
  const rnd = mulberry32(SEED + 1)
  const int = (n) => Math.floor(rnd() * n)
  const bad = [['empty', ''], ['first code 3', 'wAAA'], ['code past the dictionary', 'Ibg']]
  for (let i = 0; i < 300; i++) {
    const data = LZString.compressToEncodedURIComponent(randomText(rnd))
    bad.push(['truncated', data.slice(0, int(data.length))])
    bad.push(['extended', data + alphabet[int(alphabet.length)]])
    bad.push(['extended', data + 'A'])
    const at = int(data.length)
    bad.push(['foreign character', data.slice(0, at) + foreign[int(foreign.length)] + data.slice(at + 1)])
  }
  const cpp = await Promise.all(bad.map(([, d]) => cppDecompress(d)))
  bad.forEach(([kind, d], i) => {
    assert.equal(cpp[i], null, `${kind}: ${label(d)}`)
    tally(kind, jsDecompress(d))
  })
})

test('corrupt data: substituted characters decode as in the JavaScript or not at all', async () => {
  const rnd = mulberry32(SEED + 2)
  const int = (n) => Math.floor(rnd() * n)
  const cases = []
  for (let i = 0; i < 2000; i++) {
    const data = LZString.compressToEncodedURIComponent(randomText(rnd))
    const at = int(data.length)
    const ch = alphabet[int(alphabet.length)]
    if (ch !== data[at]) cases.push(data.slice(0, at) + ch + data.slice(at + 1))
  }
  const cpp = await Promise.all(cases.map((d) => cppDecompress(d)))
  let decoded = 0
  cases.forEach((d, i) => {
    const js = jsDecompress(d)
    if (cpp[i] === null) {
      tally('substituted', js)
    } else {
      decoded++
      assert.equal(cpp[i], js, `substituted: ${label(d)}`)
    }
  })
  jsWhenCppNull.substituted ??= {}
  jsWhenCppNull.substituted['(C++ decoded, same as JS)'] = decoded
})

test('report: what the JavaScript returns where the C++ returns null', () => {
  console.log('lz-string corrupt data, JS results where C++ gives null:', JSON.stringify(jsWhenCppNull))
})
