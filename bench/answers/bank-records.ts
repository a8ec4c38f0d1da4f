/**
 * Bank section: questions about records rather than numbers — lists combined with date windows and people,
 * pull requests linked to an item, distinct values of one field under filters, and lookups of dates and sizes.
 * These kinds are most of what people ask an issue tracker, so they get the most phrasings.
 */
import type { Expectation } from './answer-bank.types';
import {
  countOf,
  distinctOf,
  isOpen,
  listOf,
  surname,
  TYPE_WORD,
  utc,
  within,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function addRecordQuestions(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;

  // Lists in a calendar month.
  for (const [project, type, month] of [
    ['PAY', 'bug', 10],
    ['WEB', 'story', 9],
    ['OPS', 'task', 8],
    ['DATA', 'bug', 7],
  ] as const) {
    const rows = items.filter(
      (x) =>
        x.project === project &&
        x.type === type &&
        within(x.createdAt, utc(2026, month), utc(2026, month + 1)),
    );
    const tw = TYPE_WORD[type];
    const name = MONTH_NAMES[month - 1];
    b.add(
      'date_window',
      [
        `show me all ${tw} in ${project} created in ${name} 2026`,
        `list ${project} ${tw} created during ${name} 2026`,
        `which ${project} ${tw} were opened in ${name} 2026?`,
      ],
      listOf(rows),
    );
  }
  const incidentsQ2 = items.filter(
    (x) => x.type === 'incident' && within(x.resolvedAt, utc(2026, 4), utc(2026, 7)),
  );
  b.add(
    'date_window',
    ['list the incidents resolved in Q2 2026', 'show me incidents resolved in the second quarter of 2026'],
    [listOf(incidentsQ2), listOf(incidentsQ2.filter((x) => x.status === 'done'))],
  );
  b.add(
    'date_window',
    [
      'list pull requests merged between 2026-10-05 and 2026-10-11',
      'which PRs were merged from October 5 to October 11, 2026?',
    ],
    listOf(prs.filter((p) => within(p.mergedAt, utc(2026, 10, 5), utc(2026, 10, 12)))),
  );
  b.add(
    'date_window',
    ['how many items were created on March 3, 2026', 'number of tickets created on 2026-03-03'],
    countOf(items.filter((x) => within(x.createdAt, utc(2026, 3, 3), utc(2026, 3, 4))).length),
  );
  b.add(
    'date_window',
    [
      'list deployments to production in the first half of November 2026',
      'show me the production deployments between 1 November and 15 November 2026',
    ],
    listOf(
      deps.filter(
        (d) => d.environment === 'production' && within(d.startedAt, utc(2026, 11, 1), utc(2026, 11, 16)),
      ),
    ),
  );

  // Lists about people.
  for (const person of ['Marcus Chen', 'Aisha Okoro', 'Elena Petrova']) {
    const inProgress = items.filter((x) => x.assignee === person && x.status === 'in_progress');
    b.add(
      'list',
      [
        `which tickets are assigned to ${person} and in progress`,
        `list ${surname(person)}'s items in progress`,
        `show me what ${person} has in progress`,
      ],
      listOf(inProgress),
    );
    const reported = items.filter((x) => x.reporter === person && x.type === 'bug' && isOpen(x));
    b.add(
      'list',
      [`list open bugs reported by ${person}`, `show me the open bugs ${person} reported`],
      listOf(reported),
    );
  }
  b.add(
    'list',
    [
      'list the highest priority incidents',
      'show me incidents with highest priority',
      'which incidents have the highest priority?',
    ],
    listOf(items.filter((x) => x.type === 'incident' && x.priority === 'highest')),
  );
  b.add(
    'list',
    ['list the epics in PAY', 'show me the PAY epics', 'what are the epics in project PAY?'],
    listOf(items.filter((x) => x.project === 'PAY' && x.type === 'epic')),
  );
  b.add(
    'list',
    ['which deployments to production were rolled back', 'list rolled back production deployments'],
    listOf(deps.filter((d) => d.environment === 'production' && d.status === 'rolled_back')),
  );
  const merged = prs.filter(
    (p) => p.author === 'Tom Becker' && within(p.mergedAt, utc(2026, 9), utc(2100, 1)),
  );
  b.add(
    'list',
    [
      'list pull requests by Tom Becker merged since September 2026',
      'show me PRs authored by Becker merged after August 2026',
    ],
    listOf(merged),
  );
  const linkedTo = prs.find((p) => p.workItemKeys.length > 0)!.workItemKeys[0];
  b.add(
    'list',
    [`which pull requests are linked to ${linkedTo}`, `list PRs for ${linkedTo}`],
    listOf(prs.filter((p) => p.workItemKeys.includes(linkedTo))),
  );
  b.add(
    'list',
    ['list open PRs with more than 500 lines changed', 'show me open pull requests larger than 500 lines'],
    listOf(prs.filter((p) => p.state === 'open' && p.additions + p.deletions > 500)),
  );
  b.add(
    'list',
    [
      'list stories with 13 story points that are still open',
      'which open stories are estimated at 13 points?',
    ],
    listOf(items.filter((x) => x.type === 'story' && isOpen(x) && x.storyPoints === 13)),
  );

  // Distinct values under filters.
  b.add(
    'distinct',
    ['which repositories has Tom Becker authored pull requests in', 'list the repos Becker opened PRs in'],
    distinctOf(prs.filter((p) => p.author === 'Tom Becker').map((p) => p.repository)),
  );
  b.add(
    'distinct',
    [
      'which environments has data-ingest been deployed to',
      'list the environments of data-ingest deployments',
    ],
    distinctOf(deps.filter((d) => d.service === 'data-ingest').map((d) => d.environment)),
  );
  b.add(
    'distinct',
    ['what types of items are in review', 'which types do the tickets in review have?'],
    distinctOf(items.filter((x) => x.status === 'in_review').map((x) => x.type)),
  );
  b.add(
    'distinct',
    ['who reported incidents in 2026', 'list the reporters of incidents created in 2026'],
    distinctOf(
      items.filter((x) => x.type === 'incident' && x.createdAt.startsWith('2026')).map((x) => x.reporter),
    ),
  );
  b.add(
    'distinct',
    ['which projects have open incidents', 'list projects with an open incident'],
    distinctOf(items.filter((x) => x.type === 'incident' && isOpen(x)).map((x) => x.project)),
  );
  b.add(
    'distinct',
    ['who authored pull requests merged last month', 'list the authors of PRs merged last month'],
    distinctOf(prs.filter((p) => within(p.mergedAt, utc(2026, 10), utc(2026, 11))).map((p) => p.author)),
  );

  // Lookups of dates, sizes and places.
  const lookups: [string[], Expectation][] = [];
  const item = items[421];
  lookups.push([
    [`when was ${item.externalId} created`, `creation date of ${item.externalId}`],
    { shape: 'lookup', field: 'createdAt', value: item.createdAt },
  ]);
  const resolved = items.filter((x) => x.resolvedAt !== null)[97];
  lookups.push([
    [`when was ${resolved.externalId} resolved`, `resolution date of ${resolved.externalId.toLowerCase()}`],
    { shape: 'lookup', field: 'resolvedAt', value: resolved.resolvedAt! },
  ]);
  const pr = prs.filter((p) => p.mergedAt !== null)[64];
  lookups.push([
    [`when was ${pr.externalId} merged`, `merge date of ${pr.externalId}`],
    { shape: 'lookup', field: 'mergedAt', value: pr.mergedAt! },
  ]);
  const pr2 = prs[88];
  lookups.push([
    [`how many files changed in ${pr2.externalId}`, `changed files of ${pr2.externalId}`],
    { shape: 'lookup', field: 'changedFiles', value: pr2.changedFiles },
  ]);
  const dep = deps[123];
  lookups.push([
    [`what environment was ${dep.externalId} deployed to`, `environment of ${dep.externalId}`],
    { shape: 'lookup', field: 'environment', value: dep.environment },
  ]);
  lookups.push([
    [`when did ${deps[200].externalId} start`, `start time of deployment ${deps[200].externalId}`],
    { shape: 'lookup', field: 'startedAt', value: deps[200].startedAt },
  ]);
  const labelled = items.filter((x) => x.assignee !== null)[300];
  lookups.push([
    [`who is working on ${labelled.externalId}`, `${labelled.externalId} assignee?`],
    { shape: 'lookup', field: 'assignee', value: labelled.assignee! },
  ]);
  for (const [texts, e] of lookups) b.add('lookup', texts, e);
}
