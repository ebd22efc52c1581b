// Which room secret a plan page uses (docs/p2p.md, "Room secrets"). The hub
// keeps one per plan, and its room is where the agent's machine listens, so
// the hub's secret wins over anything the page had; the page's own (from its
// link, this browser's memory or a new one) is used when the hub has none, and
// then offered to the hub, which keeps the first one it is offered.
//
// The rules only; share.ts gives them the address bar, localStorage and the
// hub. Imports nothing, so the rules are tested alone in Node.

/** What the hub answered about a plan's secret. */
export type HubAnswer =
  | { kind: 'secret'; secret: string } // 200: the secret it keeps
  | { kind: 'none' } // 404: it has none (an older plan), or keeps none (a relay)
  | { kind: 'unreachable' } // a network failure or any other refusal

export type SecretSources = {
  /** The secret in the page's link (`#k=`), already validated. */
  fromLink: string | null
  /** The secret this browser used for the plan before. */
  remembered: () => string | null
  newSecret: () => string
  /** The hub with documents that served this page; null on a review site without one. */
  hub: {
    get: () => Promise<HubAnswer>
    offer: (secret: string) => Promise<HubAnswer>
  } | null
}

/** A room secret as the hub and the links carry it: 16 to 128 characters of [A-Za-z0-9_-]. */
export const isRoomSecret = (s: unknown): s is string => typeof s === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(s)

/** The page's own secret, offered to the hub: the hub's if it keeps another one. */
const offered = async (secret: string, hub: NonNullable<SecretSources['hub']>): Promise<string> => {
  const answer = await hub.offer(secret)
  return answer.kind === 'secret' ? answer.secret : secret
}

/**
 * The plan's room secret:
 * - a link's `#k=` is offered to the hub, and the hub's kept secret wins;
 * - without one, the hub's; if it has none, this browser's earlier or a new
 *   one, offered to it;
 * - with the hub unreachable (or no hub), the link's, else this browser's
 *   earlier, else a new one, as before the hub kept secrets.
 */
export const resolveSecret = async (sources: SecretSources): Promise<string> => {
  const { fromLink, hub } = sources
  if (fromLink) return hub ? offered(fromLink, hub) : fromLink
  const own = () => sources.remembered() ?? sources.newSecret()
  if (!hub) return own()
  const answer = await hub.get()
  if (answer.kind === 'secret') return answer.secret
  if (answer.kind === 'unreachable') return own()
  return offered(own(), hub)
}
