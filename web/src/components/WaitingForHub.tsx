/** No copy of the plan in this browser and the hub is offline: nothing to show yet, and why. */
export const WaitingForHub = () => (
  <div className="center-card" data-testid="plan-unavailable">
    <h2>Waiting for the plan</h2>
    <p className="muted">
      This browser has no saved copy of this plan and the hub is offline. It appears here as soon as the hub or another
      reviewer can be reached. A snapshot link (<code>/plan?d=…</code>) opens without either.
    </p>
  </div>
)
