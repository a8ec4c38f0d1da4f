import { VECTOR_FILTER_FIELDS, type VectorPayload } from '../../ports/vector-store.port';
import { filterableValues, type NormalizedFilter } from '../../vector-input';

/** The labels a filter selects: a cheap upper bound on their number, membership, and the exact list on demand. */
export interface FilterMatch {
  estimate: number;
  has(label: number): boolean;
  labels(): number[];
}

/** Field → value → labels, for the filterable payload fields, so filters never scan payloads. */
export class PayloadPostings {
  private readonly fields = new Map<string, Map<string, Set<number>>>(
    VECTOR_FILTER_FIELDS.map((f) => [f, new Map<string, Set<number>>()]),
  );

  add(label: number, payload: VectorPayload): void {
    for (const field of VECTOR_FILTER_FIELDS) {
      const byValue = this.fields.get(field)!;
      for (const value of filterableValues(payload, field)) {
        let labels = byValue.get(value);
        if (!labels) byValue.set(value, (labels = new Set()));
        labels.add(label);
      }
    }
  }

  remove(label: number, payload: VectorPayload): void {
    for (const field of VECTOR_FILTER_FIELDS) {
      const byValue = this.fields.get(field)!;
      for (const value of filterableValues(payload, field)) {
        const labels = byValue.get(value);
        labels?.delete(label);
        if (labels?.size === 0) byValue.delete(value);
      }
    }
  }

  match(filter: NormalizedFilter): FilterMatch {
    // Per field, the sets of its wanted values (a label matches the field if it is in any of them).
    const clauses = filter.map(([field, values]) => {
      const byValue = this.fields.get(field)!;
      const sets = values.map((v) => byValue.get(v)).filter((s): s is Set<number> => s !== undefined);
      return { sets, size: sets.reduce((n, s) => n + s.size, 0) };
    });
    clauses.sort((a, b) => a.size - b.size);
    const has = (label: number): boolean => clauses.every((c) => c.sets.some((s) => s.has(label)));
    const smallest = clauses[0];
    return {
      estimate: smallest?.size ?? 0,
      has,
      labels: () => {
        if (!smallest) return [];
        const out = new Set<number>();
        for (const s of smallest.sets) for (const label of s) if (has(label)) out.add(label);
        return [...out];
      },
    };
  }
}
