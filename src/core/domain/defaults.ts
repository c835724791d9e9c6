/** Domain adaptation's vocabulary and defaults (the recipe's `domain` object, schema.ts). */
export const DOMAIN_METHODS = ['adabn', 'coral', 'dann'] as const;
export type DomainMethod = (typeof DOMAIN_METHODS)[number];

export const DOMAIN_DEFAULTS = {
  /** dann: weight of the domain classifier's loss. */
  lambda: 0.1,
  /** Target images used for adaptation at most (a seeded sample beyond it). */
  maxImages: 2000,
  /** Points per domain kept for the 2-D projection in the report. */
  projectionPoints: 200,
  /** coral: covariance regularisation, added to the diagonal (features are standardised first: unit scale). */
  coralEpsilon: 1,
} as const;
