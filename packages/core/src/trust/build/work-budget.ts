/** Thrown (internally) when path building has spent its whole work budget. */
export class WorkBudgetExhausted extends Error {
  constructor(readonly limit: number) {
    super(`path building reached its work bound of ${limit} steps`);
    this.name = 'WorkBudgetExhausted';
  }
}

/**
 * A count of work units (candidate edges examined, signatures verified, complete paths validated)
 * that one validation call may spend. A crafted pool (hundreds of look-alike issuers, cycles, a
 * shared key that makes every signature verify) can otherwise make depth-first search exponential;
 * with the budget it stops after a fixed amount of work, whatever the pool.
 */
export class WorkBudget {
  private spent = 0;

  constructor(readonly limit: number) {}

  /** Spends `units`; throws WorkBudgetExhausted once the limit is passed. */
  spend(units = 1): void {
    this.spent += units;
    if (this.spent > this.limit) throw new WorkBudgetExhausted(this.limit);
  }

  get used(): number {
    return this.spent;
  }
}

/** Default work bound: enough for pools of hundreds of certificates, and well under a second of work. */
export const DEFAULT_WORK_BUDGET = 1_000;
