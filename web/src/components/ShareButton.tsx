import { useEffect, useState } from 'react'
import { shareLink } from '../collab/share'
import { Dialog } from './ui'

/**
 * Copies the plan's share link (with the room secret in its fragment); where
 * the clipboard is refused, shows the link to copy by hand.
 */
export const ShareButton = ({ planId, secret, publicUrl }: { planId: string; secret: string; publicUrl: string | null }) => {
  const [copied, setCopied] = useState<'copied' | 'shown' | null>(null)
  const link = shareLink(planId, secret, publicUrl)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link)
      setCopied('copied')
    } catch {
      setCopied('shown')
    }
  }
  useEffect(() => {
    if (copied !== 'copied') return
    const t = setTimeout(() => setCopied(null), 2500)
    return () => clearTimeout(t)
  }, [copied])
  return (
    <>
      <button className="btn" onClick={copy} data-testid="share" data-link={link} title="Copy a link for other reviewers">
        {copied === 'copied' ? '✓ Link copied' : 'Share'}
      </button>
      <Dialog open={copied === 'shown'} title="Share this plan" onClose={() => setCopied(null)}>
        <p className="muted">Copy this link and send it to reviewers. The part after # is the key of the private P2P room.</p>
        <input className="share-input" readOnly value={link} onFocus={e => e.currentTarget.select()} data-testid="share-link" />
        <div className="row end">
          <button className="btn" onClick={() => setCopied(null)}>
            Done
          </button>
        </div>
      </Dialog>
    </>
  )
}
