/**
 * Why this page cannot reach other reviewers: it was opened over plain http,
 * where the browser has no WebCrypto for y-webrtc's room encryption.
 */
export const InsecurePageNotice = () => (
  <p className="notice warn" data-testid="p2p-insecure-page">
    This page was opened over plain HTTP, so the browser withholds the encryption that private peer-to-peer rooms need:
    other reviewers can’t be reached from here. Open the link over HTTPS (or on this machine, at localhost).
  </p>
)
