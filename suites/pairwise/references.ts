/**
 * Published results of other judges on the same 1,392 pairs (data: references.json), so a
 * report can place the judge under test among them. Figures as published: percentages
 * rounded to 2 decimals by the authors.
 */
import published from './references.json' with { type: 'json' };

export interface ReferenceRow {
  readonly judge: string;
  /** "pairwise judge" or "reward model (single rating)" */
  readonly kind: string;
  readonly agreement: number;
  /** null: not applicable (reward models rate each response on its own; nothing is swapped) */
  readonly consistency: number | null;
}

export const REFERENCE_SOURCE: string = published.source;

export const REFERENCES: readonly ReferenceRow[] = published.judges;
