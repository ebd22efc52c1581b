// A module of the web app, for Node tests: Node 20 cannot strip types
// itself, so the web app's own TypeScript compiles the module (which must
// import nothing) into a temporary .mjs, removed when the test file ends.
import { after } from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const webDir = path.resolve(import.meta.dirname, '../../web')

/** The exports of web/<relativePath> (e.g. 'src/collab/p2pFraming.ts'). */
export const importWebModule = async relativePath => {
  const ts = createRequire(path.join(webDir, 'package.json'))('typescript')
  const source = fs.readFileSync(path.join(webDir, relativePath), 'utf8')
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
  })
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'web-module-'))
  after(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const file = path.join(tmp, path.basename(relativePath).replace(/\.ts$/, '.mjs'))
  fs.writeFileSync(file, outputText)
  return import(pathToFileURL(file))
}
