/** The hub has synced and has no such plan (only on a site with a hub: peers never say "no"). */
export const PlanNotFound = ({ planId }: { planId: string }) => (
  <main className="center-card" data-testid="plan-missing">
    <h1>Plan not found</h1>
    <p className="muted">
      The hub has no plan with the id <code>{planId}</code>. It may have been created on another machine: ask for its share
      link or snapshot link.
    </p>
    <a className="btn" href="/">
      All plans
    </a>
  </main>
)
