import type { AnalyticsQuestion, Cell } from './analytics-questions';
import { grouped, isOpen, within } from './analytics-questions';
import type { FixtureWorkItem } from './fixtures';

// Kinds the compositional parser adds: lists, distinct values, one record's field, arg-max over groups and days,
// negations, disjunctions, ages and explicit date windows. Answers are computed here over the fixture objects.
// now = FIXTURE_NOW = 2026-11-25T15:30Z; "older than 30 days" is before 2026-10-26 (whole days, as BI tools do).

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const LIST_COLUMNS = [
  'id',
  'title',
  'type',
  'status',
  'priority',
  'assignee',
  'reporter',
  'project',
  'created_at',
  'resolved_at',
];
const row = (w: FixtureWorkItem): Cell[] => [
  w.externalId,
  w.title,
  w.type,
  w.status,
  w.priority,
  w.assignee,
  w.reporter,
  w.project,
  iso(w.createdAt),
  iso(w.resolvedAt),
];
/** The group with the highest (or lowest) count, ties by name, no empty group: "which X has the most". */
function top(rows: Cell[][], direction: 'desc' | 'asc' = 'desc'): Cell[][] {
  return rows
    .filter((r) => r[0] !== null)
    .sort((a, b) => {
      const diff = (Number(b[1]) - Number(a[1])) * (direction === 'desc' ? 1 : -1);
      return diff !== 0 ? diff : String(a[0]) < String(b[0]) ? -1 : 1;
    })
    .slice(0, 1);
}
/** Distinct values, sorted as the answer lists them. */
const distinct = (values: (string | null)[]): Cell[][] =>
  [...new Set(values.filter((v): v is string => v !== null))].sort().map((v) => [v]);
const before = (d: Date, iso: string) => d.getTime() < new Date(iso).getTime();
const dayOf = (d: Date) =>
  new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())).toISOString();

export const WORK_ITEM_QUESTIONS: AnalyticsQuestion[] = [
  {
    q: 'Which open high-priority bugs are older than 30 days?',
    expect: ({ wi }) => ({
      columns: LIST_COLUMNS,
      rows: wi
        .filter(
          (w) =>
            w.type === 'bug' &&
            isOpen(w) &&
            w.priority === 'high' &&
            before(w.createdAt, '2026-10-26T00:00:00Z'),
        )
        .map(row),
    }),
  },
  {
    q: 'list bugs or incidents assigned to alice that are not in progress',
    expect: ({ wi }) => ({
      columns: LIST_COLUMNS,
      rows: wi
        .filter(
          (w) =>
            (w.type === 'bug' || w.type === 'incident') &&
            w.assignee === 'alice' &&
            w.status !== 'in_progress',
        )
        .map(row),
    }),
  },
  {
    q: 'Show tickets mentioning checkout',
    expect: ({ wi }) => ({
      columns: LIST_COLUMNS,
      rows: wi.filter((w) => w.title.toLowerCase().includes('checkout')).map(row),
    }),
  },
  {
    q: 'Which assignee has the most open bugs?',
    expect: ({ wi }) => ({
      columns: ['assignee', 'open_bugs'],
      rows: top(
        grouped(
          wi.filter((w) => w.type === 'bug' && isOpen(w)),
          (w) => w.assignee,
          (g) => g.length,
        ),
      ),
    }),
  },
  {
    q: 'Who reported the fewest incidents?',
    expect: ({ wi }) => ({
      columns: ['reporter', 'incidents'],
      rows: top(
        grouped(
          wi.filter((w) => w.type === 'incident'),
          (w) => w.reporter,
          (g) => g.length,
        ),
        'asc',
      ),
    }),
  },
  {
    q: 'On which day were the most items created?',
    expect: ({ wi }) => ({
      columns: ['day', 'work_items'],
      rows: top(
        grouped(
          wi,
          (w) => dayOf(w.createdAt),
          (g) => g.length,
        ),
      ),
    }),
  },
  {
    q: 'Which projects have open bugs?',
    expect: ({ wi }) => ({
      columns: ['project'],
      ordered: true,
      rows: distinct(wi.filter((w) => w.type === 'bug' && isOpen(w)).map((w) => w.project)),
    }),
  },
  {
    q: 'What are the distinct labels of incidents?',
    expect: ({ wi }) => ({
      columns: ['label'],
      ordered: true,
      rows: distinct(wi.filter((w) => w.type === 'incident').flatMap((w) => w.labels)),
    }),
  },
  {
    q: 'What is the priority of PAY-3?',
    expect: ({ wi }) => ({
      columns: ['id', 'priority'],
      rows: wi.filter((w) => w.externalId === 'PAY-3').map((w) => [w.externalId, w.priority]),
    }),
  },
  {
    q: 'When was PAY-5 created?',
    expect: ({ wi }) => ({
      columns: ['id', 'created_at'],
      rows: wi.filter((w) => w.externalId === 'PAY-5').map((w) => [w.externalId, iso(w.createdAt)]),
    }),
  },
  {
    q: 'How many tickets were created between 1 March and 15 March 2026?',
    expect: ({ wi }) => ({
      columns: ['work_items'],
      rows: [
        [wi.filter((w) => within(w.createdAt, [Date.parse('2026-03-01'), Date.parse('2026-03-16')])).length],
      ],
    }),
  },
  {
    q: 'How many items are not resolved?',
    expect: ({ wi }) => ({ columns: ['open_work_items'], rows: [[wi.filter(isOpen).length]] }),
  },
  {
    q: 'how many highest or high priority bugs were created in January?',
    expect: ({ wi }) => ({
      columns: ['bugs'],
      rows: [
        [
          wi.filter(
            (w) =>
              w.type === 'bug' &&
              (w.priority === 'high' || w.priority === 'highest') &&
              within(w.createdAt, [Date.parse('2026-01-01'), Date.parse('2026-02-01')]),
          ).length,
        ],
      ],
    }),
  },
  {
    q: 'unassigned tickets that are not bugs',
    expect: ({ wi }) => ({
      columns: LIST_COLUMNS,
      rows: wi.filter((w) => w.assignee === null && w.type !== 'bug').map(row),
    }),
  },
];
