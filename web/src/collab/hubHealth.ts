// What to say about the hub connection, from the y-websocket provider and the
// browser's own idea of being online. y-websocket retries forever with
// backoff and tells only of status changes, so "offline" (as opposed to
// "reconnecting") is decided here from its count of failed attempts.
import type { WebsocketProvider } from 'y-websocket'
import { TOKEN_EXPIRED_CLOSE, type AccessProblem } from '../api/accessCheck'

/** 'none': this site has no hub for documents (peer-to-peer only). */
export type HubStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'none'

export type HubReport = {
  hub: HubStatus
  /** The hub has sent its state at least once since the session started. */
  hubSynced: boolean
  /**
   * The hub refused an edit from this browser: the document reached its size
   * limit (close code 4413). The edit stays in this browser; the hub refuses
   * it again at each reconnection until the document shrinks.
   */
  hubRefused: boolean
  /**
   * The hub does not let this page in (its token is missing, expired or does
   * not open this document): the page shows why instead of the document, and
   * stops reconnecting.
   */
  access: AccessProblem | null
}

/** The hub's close code for an update past a document limit (docs/hub.md). */
export const DOCUMENT_LIMIT_CLOSE = 4413

export class HubHealth {
  private everConnected = false
  private synced = false
  private refused = false
  private closed = false
  private readonly ws: WebsocketProvider
  private readonly report: (r: Partial<HubReport>) => void

  constructor(ws: WebsocketProvider, report: (r: Partial<HubReport>) => void) {
    this.ws = ws
    this.report = report
    ws.on('status', this.refresh)
    ws.on('connection-close', this.onClose)
    ws.on('connection-error', this.refresh)
    ws.on('sync', this.onSync)
    window.addEventListener('online', this.refresh)
    window.addEventListener('offline', this.refresh)
  }

  /**
   * Reports the current status. Also called on a timer: a reconnection
   * attempt that fails before opening raises no event the status can follow.
   */
  refresh = (): void => {
    if (this.closed) return
    const ws = this.ws
    let hub: HubStatus
    if (ws.wsconnected) {
      this.everConnected = true
      hub = 'connected'
    } else if (!navigator.onLine) {
      hub = 'offline'
    } else {
      const failures = ws.wsUnsuccessfulReconnects
      // Never reached it, or several attempts in a row failed: say so plainly.
      if ((!this.everConnected && failures >= 1) || failures >= 3) hub = 'offline'
      else hub = this.everConnected ? 'reconnecting' : 'connecting'
    }
    this.report({ hub })
  }

  private onClose = (event: CloseEvent | null): void => {
    if (!this.closed && event?.code === TOKEN_EXPIRED_CLOSE) this.report({ access: 'expired' })
    if (!this.closed && event?.code === DOCUMENT_LIMIT_CLOSE && !this.refused) {
      this.refused = true
      this.report({ hubRefused: true })
    }
    this.refresh()
  }

  private onSync = (synced: boolean): void => {
    if (this.closed || !synced || this.synced) return
    this.synced = true
    this.report({ hubSynced: true })
  }

  /** Stops listening (the provider itself is destroyed by its owner). */
  close(): void {
    this.closed = true
    this.ws.off('status', this.refresh)
    this.ws.off('connection-close', this.onClose)
    this.ws.off('connection-error', this.refresh)
    this.ws.off('sync', this.onSync)
    window.removeEventListener('online', this.refresh)
    window.removeEventListener('offline', this.refresh)
  }
}
