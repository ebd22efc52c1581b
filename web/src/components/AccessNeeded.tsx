import type { AccessProblem } from '../api/accessCheck'

const TEXT: Record<AccessProblem, { title: string; body: string }> = {
  missing: {
    title: 'This link needs an access token',
    body:
      'This hub lets in only people with a link that carries an access token. Ask the plan\'s author for its share link ' +
      '(the token is the part after #access_token=).',
  },
  expired: {
    title: 'Your access has expired',
    body: 'The token in your link is no longer valid. Ask the plan\'s author for a new link.',
  },
  refused: {
    title: 'This link does not open this page',
    body:
      'The hub refused the link\'s access token: it is for another plan, only lets its holder do less, or was not issued ' +
      'by this hub. Ask the plan\'s author for a new link.',
  },
}

/** The hub refused this page's token: what happened and what to do, in place of the document. */
export const AccessNeeded = ({ problem }: { problem: AccessProblem }) => (
  <main className="center-card" data-testid="access-needed" data-problem={problem}>
    <h1>{TEXT[problem].title}</h1>
    <p className="muted">{TEXT[problem].body}</p>
  </main>
)
