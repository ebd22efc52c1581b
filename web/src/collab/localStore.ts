// The browser's own copy of a document (y-indexeddb), checked before use.
//
// y-indexeddb applies whatever it finds and reports failure only as an
// unhandled rejection, after which it never says "synced". So before handing
// a database to it, read its updates ourselves and apply them to a scratch
// document: a store that does not decode, or that an older version of this
// app wrote, is deleted and the document recovers from the hub or a peer.
import * as Y from 'yjs'
import * as idb from 'lib0/indexeddb'

/** Bumped when what this app keeps locally changes incompatibly. */
export const LOCAL_SCHEMA_VERSION = 1
/** Key in y-indexeddb's `custom` store holding the version that wrote it. */
export const SCHEMA_KEY = 'roundtable-schema'

export type LocalCheck = 'empty' | 'ok' | 'reset-corrupt' | 'reset-outdated' | 'unavailable'

export const localDbName = (docName: string): string => `roundtable:${docName}`

const openStores = (name: string): Promise<IDBDatabase> =>
  idb.openDB(name, db =>
    idb.createStores(db, [['updates', { autoIncrement: true }], ['custom']]),
  )

export const checkLocalStore = async (name: string): Promise<LocalCheck> => {
  if (typeof indexedDB === 'undefined') return 'unavailable'
  let db: IDBDatabase
  try {
    db = await openStores(name)
  } catch {
    return 'unavailable'
  }
  let verdict: LocalCheck = 'ok'
  try {
    const [updates, custom] = idb.transact(db, ['updates', 'custom'], 'readonly')
    const all = (await idb.getAll(updates)) as unknown[]
    const version = await idb.get(custom, SCHEMA_KEY)
    if (all.length === 0) {
      verdict = 'empty'
    } else if (version !== LOCAL_SCHEMA_VERSION) {
      verdict = 'reset-outdated'
    } else {
      const scratch = new Y.Doc()
      try {
        Y.transact(scratch, () => {
          for (const u of all) {
            if (!(u instanceof Uint8Array)) throw new Error('not an update')
            Y.applyUpdate(scratch, u)
          }
        })
        // Structs that wait for missing ones mean the store lost updates.
        if (scratch.store.pendingStructs !== null || scratch.store.pendingDs !== null) verdict = 'reset-corrupt'
      } catch {
        verdict = 'reset-corrupt'
      } finally {
        scratch.destroy()
      }
    }
  } catch {
    verdict = 'reset-corrupt'
  } finally {
    db.close()
  }
  if (verdict === 'reset-corrupt' || verdict === 'reset-outdated') await deleteLocalStore(name)
  return verdict
}

export const deleteLocalStore = async (name: string): Promise<void> => {
  try {
    await idb.deleteDB(name)
  } catch {
    // Blocked or unavailable: nothing more to do; the next load checks again.
  }
}
