/**
 * Bank sections about filters: explicit date windows, negation, disjunction, relative ages, null checks and
 * text search. Time conventions are in bench/answers/README.md ("Time").
 */
import type { WorkItemRow } from './answer-dataset.generator';
import type { Expectation } from './answer-bank.types';
import {
  countOf,
  DAY,
  isOpen,
  listOf,
  ms,
  TYPE_WORD,
  utc,
  within,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

/** "last N days" both ways a person may mean it: N whole days before today, or the product's N days up to tonight. */
function rollingDays(now: Date, n: number): [Date, Date][] {
  const tomorrow = new Date(now.getTime() + DAY);
  return [
    [new Date(now.getTime() - n * DAY), now],
    [new Date(tomorrow.getTime() - n * DAY), tomorrow],
  ];
}

/** "Resolved" in a window: every item with a resolution date in it, or only those done (cancelled is not "resolved" to some). */
function resolvedIn(rows: WorkItemRow[], start: Date, end: Date): Expectation[] {
  const all = rows.filter((x) => within(x.resolvedAt, start, end));
  return [countOf(all.length), countOf(all.filter((x) => x.status === 'done').length)];
}

export function addDateWindows(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  const created = (rows: WorkItemRow[], s: Date, e: Date) => rows.filter((x) => within(x.createdAt, s, e));
  const bugs = items.filter((x) => x.type === 'bug');
  b.add(
    'date_window',
    [
      'how many bugs were created between 1 March and 15 March 2026',
      'number of bugs created from March 1 to March 15, 2026',
      'count bugs opened between 2026-03-01 and 2026-03-15',
    ],
    countOf(created(bugs, utc(2026, 3, 1), utc(2026, 3, 16)).length),
  );
  b.add(
    'date_window',
    [
      'how many items were created in January 2026',
      'number of tickets created during January 2026',
      'tickets created in jan 2026: how many?',
    ],
    countOf(created(items, utc(2026, 1), utc(2026, 2)).length),
  );
  b.add(
    'date_window',
    ['how many stories were created before 2026-02-01', 'number of stories created before February 1, 2026'],
    countOf(
      created(
        items.filter((x) => x.type === 'story'),
        utc(2000, 1),
        utc(2026, 2, 1),
      ).length,
    ),
  );
  b.add(
    'date_window',
    [
      'how many bugs were resolved in October 2026',
      'number of bugs resolved during October 2026',
      'bugs resolved in oct 2026, how many',
    ],
    resolvedIn(bugs, utc(2026, 10), utc(2026, 11)),
  );
  b.add(
    'date_window',
    ['how many items were resolved last month', 'number of tickets resolved last month'],
    resolvedIn(items, utc(2026, 10), utc(2026, 11)),
  );
  // NOW is Wednesday 18 November 2026: last week is Monday 9 to Sunday 15 November.
  b.add(
    'date_window',
    [
      'how many bugs were created last week',
      'number of bugs opened last week',
      'bugs created last week: how many?',
    ],
    countOf(created(bugs, utc(2026, 11, 9), utc(2026, 11, 16)).length),
  );
  b.add(
    'date_window',
    ['list the incidents created last week', 'show me incidents opened last week'],
    listOf(
      created(
        items.filter((x) => x.type === 'incident'),
        utc(2026, 11, 9),
        utc(2026, 11, 16),
      ),
    ),
  );
  // "Last Monday" on a Wednesday is this week's Monday to most people, the previous week's to some.
  b.add(
    'date_window',
    ['how many items were created since last Monday', 'number of tickets created since last Monday'],
    [utc(2026, 11, 16), utc(2026, 11, 9)].map((s) => countOf(created(items, s, utc(2100, 1)).length)),
  );
  b.add(
    'date_window',
    ['how many tickets were created since 2026-11-01', 'number of items created since November 1, 2026'],
    countOf(created(items, utc(2026, 11, 1), utc(2100, 1)).length),
  );
  b.add(
    'date_window',
    ['how many items were created in Q3 2026', 'number of tickets created in the third quarter of 2026'],
    countOf(created(items, utc(2026, 7), utc(2026, 10)).length),
  );
  b.add(
    'date_window',
    ['how many bugs were created in 2025', 'number of bugs opened during 2025'],
    countOf(created(bugs, utc(2025, 1), utc(2026, 1)).length),
  );
  b.add(
    'date_window',
    ['how many items were created in the last 30 days', 'number of tickets created over the last 30 days'],
    rollingDays(ctx.now, 30).map(([s, e]) => countOf(created(items, s, e).length)),
  );
  b.add(
    'date_window',
    [
      'how many pull requests were merged in September 2026',
      'number of PRs merged during September 2026',
      'merged pull requests in sep 2026: how many',
    ],
    countOf(prs.filter((p) => within(p.mergedAt, utc(2026, 9), utc(2026, 10))).length),
  );
  b.add(
    'date_window',
    ['how many pull requests were merged last month', 'number of PRs merged last month'],
    countOf(prs.filter((p) => within(p.mergedAt, utc(2026, 10), utc(2026, 11))).length),
  );
  b.add(
    'date_window',
    [
      'how many production deployments were there in August 2026',
      'number of deployments to production in August 2026',
    ],
    countOf(
      deps.filter((d) => d.environment === 'production' && within(d.startedAt, utc(2026, 8), utc(2026, 9)))
        .length,
    ),
  );
  b.add(
    'date_window',
    [
      'list the failed deployments between 1 October and 31 October 2026',
      'show me the failed deployments from October 1 to October 31, 2026',
    ],
    listOf(deps.filter((d) => d.status === 'failed' && within(d.startedAt, utc(2026, 10), utc(2026, 11)))),
  );
  b.add(
    'date_window',
    ['how many deployments were made after 2026-10-15', 'number of deployments after October 15, 2026'],
    countOf(deps.filter((d) => within(d.startedAt, utc(2026, 10, 16), utc(2100, 1))).length),
  );
  b.add(
    'date_window',
    ['how many stories were resolved in the first quarter of 2026', 'number of stories resolved in Q1 2026'],
    resolvedIn(
      items.filter((x) => x.type === 'story'),
      utc(2026, 1),
      utc(2026, 4),
    ),
  );
}

export function addNegations(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const bugs = items.filter((x) => x.type === 'bug');
  b.add(
    'negation',
    [
      'how many items are not resolved',
      'how many tickets are not done or cancelled',
      'number of issues that are not resolved',
    ],
    countOf(items.filter(isOpen).length),
  );
  b.add(
    'negation',
    [
      'how many bugs are not in PAY',
      'number of bugs outside the PAY project',
      'count bugs except those in PAY',
    ],
    countOf(bugs.filter((x) => x.project !== 'PAY').length),
  );
  b.add(
    'negation',
    ['how many items are not done', 'number of tickets whose status is not done'],
    countOf(items.filter((x) => x.status !== 'done').length),
  );
  b.add(
    'negation',
    ['how many tickets are not bugs', 'number of items other than bugs'],
    countOf(items.filter((x) => x.type !== 'bug').length),
  );
  b.add(
    'negation',
    ['how many open bugs are not high priority', 'number of open bugs without high priority'],
    countOf(bugs.filter((x) => isOpen(x) && x.priority !== 'high').length),
  );
  const person = 'Daniel Ward';
  const notHim = bugs.filter(isOpen);
  b.add(
    'negation',
    [
      `how many open bugs are not assigned to ${person}`,
      `open bugs except the ones assigned to ${person}: how many`,
    ],
    // Unassigned bugs are "not assigned to him" for a person; SQL's "<>" drops them, which is also a reading.
    [
      countOf(notHim.filter((x) => x.assignee !== person).length),
      countOf(notHim.filter((x) => x.assignee !== null && x.assignee !== person).length),
    ],
  );
  const prs = ctx.ds.pullRequests;
  b.add(
    'negation',
    ['how many pull requests are not merged', 'number of PRs that were not merged'],
    countOf(prs.filter((p) => p.state !== 'merged').length),
  );
  const deps = ctx.ds.deployments;
  b.add(
    'negation',
    [
      'how many deployments were not to production',
      'number of deployments to environments other than production',
    ],
    countOf(deps.filter((d) => d.environment !== 'production').length),
  );
  b.add(
    'negation',
    ['how many deployments did not succeed', 'number of deployments that were not successful'],
    countOf(deps.filter((d) => d.status !== 'success').length),
  );
  b.add(
    'negation',
    ['list open incidents not in OPS', 'show me the open incidents outside OPS'],
    listOf(items.filter((x) => x.type === 'incident' && isOpen(x) && x.project !== 'OPS')),
  );
}

export function addDisjunctions(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const bugs = items.filter((x) => x.type === 'bug');
  b.add(
    'disjunction',
    [
      'how many bugs are high or highest priority',
      'number of bugs with highest or high priority',
      'count the high and highest priority bugs',
    ],
    countOf(bugs.filter((x) => x.priority === 'high' || x.priority === 'highest').length),
  );
  b.add(
    'disjunction',
    ['how many bugs or incidents are in OPS', 'number of OPS bugs and incidents'],
    countOf(items.filter((x) => x.project === 'OPS' && (x.type === 'bug' || x.type === 'incident')).length),
  );
  b.add(
    'disjunction',
    ['how many items are in PAY or WEB', 'number of tickets in either PAY or WEB'],
    countOf(items.filter((x) => x.project === 'PAY' || x.project === 'WEB').length),
  );
  b.add(
    'disjunction',
    ['how many items are in progress or in review', 'number of tickets in progress or in review'],
    countOf(items.filter((x) => x.status === 'in_progress' || x.status === 'in_review').length),
  );
  const deps = ctx.ds.deployments;
  b.add(
    'disjunction',
    ['how many deployments failed or were rolled back', 'number of failed or rolled back deployments'],
    countOf(deps.filter((d) => d.status !== 'success').length),
  );
  b.add(
    'disjunction',
    [
      'list open highest priority bugs in DATA or OPS',
      'show me open bugs with highest priority in OPS or DATA',
    ],
    listOf(
      bugs.filter(
        (x) => isOpen(x) && x.priority === 'highest' && (x.project === 'DATA' || x.project === 'OPS'),
      ),
    ),
  );
  b.add(
    'disjunction',
    ['how many open bugs have low or lowest priority', 'number of open bugs with lowest or low priority'],
    countOf(bugs.filter((x) => isOpen(x) && (x.priority === 'low' || x.priority === 'lowest')).length),
  );
}

export function addRelativeAges(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const older = (days: number) => (iso: string) => ms(iso) < ctx.now.getTime() - days * DAY;
  b.add(
    'relative_age',
    [
      'which open high-priority bugs are older than 30 days',
      'list open high priority bugs created more than 30 days ago',
    ],
    listOf(
      items.filter((x) => x.type === 'bug' && isOpen(x) && x.priority === 'high' && older(30)(x.createdAt)),
    ),
  );
  b.add(
    'relative_age',
    ['how many open tickets are older than 90 days', 'number of open items created more than 90 days ago'],
    countOf(items.filter((x) => isOpen(x) && older(90)(x.createdAt)).length),
  );
  b.add(
    'relative_age',
    [
      'how many stories have not been updated in 60 days',
      'number of stories last updated more than 60 days ago',
    ],
    countOf(items.filter((x) => x.type === 'story' && older(60)(x.updatedAt)).length),
  );
  const prs = ctx.ds.pullRequests;
  b.add(
    'relative_age',
    [
      'how many open pull requests are older than 14 days',
      'number of open PRs created more than two weeks ago',
    ],
    countOf(prs.filter((p) => p.state === 'open' && older(14)(p.createdAt)).length),
  );
  b.add(
    'relative_age',
    ['how many open bugs are older than a year', 'number of open bugs created more than 365 days ago'],
    countOf(items.filter((x) => x.type === 'bug' && isOpen(x) && older(365)(x.createdAt)).length),
  );
}

export function addNullChecks(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  b.add(
    'null_check',
    [
      'how many open items are unassigned',
      'number of open tickets with no assignee',
      'count unassigned open issues',
    ],
    countOf(items.filter((x) => isOpen(x) && x.assignee === null).length),
  );
  b.add(
    'null_check',
    ['list the unassigned open bugs', 'show me open bugs that nobody is assigned to'],
    listOf(items.filter((x) => x.type === 'bug' && isOpen(x) && x.assignee === null)),
  );
  b.add(
    'null_check',
    ['how many stories have no story points', 'number of stories without story points'],
    countOf(items.filter((x) => x.type === 'story' && x.storyPoints === null).length),
  );
  b.add(
    'null_check',
    ['how many bugs are not resolved', 'number of bugs with no resolution date'],
    countOf(items.filter((x) => x.type === 'bug' && x.resolvedAt === null).length),
  );
  const prs = ctx.ds.pullRequests;
  b.add(
    'null_check',
    ['how many pull requests have no reviewers', 'number of PRs without reviewers'],
    countOf(prs.filter((p) => p.reviewers.length === 0).length),
  );
  b.add(
    'null_check',
    [
      'how many merged PRs are not linked to any work item',
      'number of merged pull requests without work item keys',
    ],
    countOf(prs.filter((p) => p.state === 'merged' && p.workItemKeys.length === 0).length),
  );
  b.add(
    'null_check',
    ['how many bugs have no labels', 'number of bugs without any label'],
    countOf(items.filter((x) => x.type === 'bug' && x.labels.length === 0).length),
  );
}

export function addTextContains(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const has = (word: string, s: string) => s.toLowerCase().includes(word);
  // "Mentioning" may mean the title or the title and description: both readings count.
  const mentioning = (rows: WorkItemRow[], word: string, shape: 'count' | 'list'): Expectation[] => {
    const inTitle = rows.filter((x) => has(word, x.title));
    const inEither = rows.filter((x) => has(word, x.title) || has(word, x.description));
    return shape === 'count'
      ? [countOf(inTitle.length), countOf(inEither.length)]
      : [listOf(inTitle), listOf(inEither)];
  };
  for (const word of ['checkout', 'login', 'refund', 'kafka']) {
    b.add(
      'text_contains',
      [`how many tickets mention ${word}`, `number of items mentioning ${word}`],
      mentioning(items, word, 'count'),
    );
  }
  b.add(
    'text_contains',
    ['list open bugs mentioning checkout', 'show me open bugs that mention checkout'],
    mentioning(
      items.filter((x) => x.type === 'bug' && isOpen(x)),
      'checkout',
      'list',
    ),
  );
  b.add(
    'text_contains',
    ["how many bugs have 'timeout' in the title", 'number of bugs whose title contains timeout'],
    countOf(items.filter((x) => x.type === 'bug' && has('timeout', x.title)).length),
  );
  const prs = ctx.ds.pullRequests;
  b.add(
    'text_contains',
    ['how many pull requests have refactor in the title', 'number of PRs whose title contains refactor'],
    countOf(prs.filter((p) => has('refactor', p.title)).length),
  );
  for (const type of ['incident'] as const) {
    b.add(
      'text_contains',
      [`list ${TYPE_WORD[type]} mentioning backup`, `which ${TYPE_WORD[type]} mention backup?`],
      mentioning(
        items.filter((x) => x.type === type),
        'backup',
        'list',
      ),
    );
  }
}
