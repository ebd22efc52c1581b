/** Placeholder lines while a plan (or the app's configuration) loads. */
export const PlanSkeleton = () => (
  <div className="plan-skeleton" aria-busy aria-label="Loading plan">
    <div className="skeleton h" />
    <div className="skeleton" />
    <div className="skeleton" />
    <div className="skeleton short" />
  </div>
)
