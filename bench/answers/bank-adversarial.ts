/**
 * Bank section: harder phrasings of every filter kind, the way people type into a search box: surnames only,
 * typos in names, lower-case ids, polite wrappers, service and repository names that look like project keys,
 * and combinations of negation, disjunction, age and text.
 */
import type { WorkItemRow } from './answer-dataset.generator';
import type { Expectation } from './answer-bank.types';
import {
  countOf,
  DAY,
  groupsOf,
  isOpen,
  listOf,
  ms,
  surname,
  typo,
  utc,
  weekOf,
  within,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

const mentions = (rows: WorkItemRow[], word: string): [WorkItemRow[], WorkItemRow[]] => [
  rows.filter((x) => x.title.toLowerCase().includes(word)),
  rows.filter((x) => (x.title + x.description).toLowerCase().includes(word)),
];

export function addAdversarial(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  const older = (iso: string, days: number) => ms(iso) < ctx.now.getTime() - days * DAY;
  const bugs = items.filter((x) => x.type === 'bug');

  // Service "web" and repository "data-pipeline" next to the projects WEB and DATA.
  b.add(
    'count',
    [
      'how many failed production deployments did web have',
      'number of failed deployments of the web service to production',
    ],
    countOf(
      deps.filter((d) => d.service === 'web' && d.environment === 'production' && d.status === 'failed')
        .length,
    ),
  );
  b.add(
    'count',
    ['how many merged pull requests are in data-pipeline', 'number of merged PRs in the data-pipeline repo'],
    countOf(prs.filter((p) => p.repository === 'data-pipeline' && p.state === 'merged').length),
  );
  b.add(
    'count',
    [
      'could you tell me how many incidents there are in total?',
      'total number of incidents please',
      'how many incidents do we have overall',
    ],
    countOf(items.filter((x) => x.type === 'incident').length),
  );
  b.add(
    'count',
    [
      'how many epics are in progress',
      'number of epics with status in progress',
      'in-progress epics: how many?',
    ],
    countOf(items.filter((x) => x.type === 'epic' && x.status === 'in_progress').length),
  );

  const people = ['Tom Becker', 'Hannah Lee', 'Omar Haddad', 'Grace Kim'];
  for (const person of people) {
    const open = items.filter((x) => x.assignee === person && isOpen(x));
    b.add(
      'count',
      [
        `how many open tickets does ${surname(person)} have`,
        `${typo(person)}'s open items: how many?`,
        `number of open issues assigned to ${person.toLowerCase()}`,
      ],
      countOf(open.length),
    );
  }

  // Relative ages.
  b.add(
    'relative_age',
    ['how many open bugs are older than 7 days', 'number of open bugs created more than a week ago'],
    countOf(items.filter((x) => x.type === 'bug' && isOpen(x) && older(x.createdAt, 7)).length),
  );
  b.add(
    'relative_age',
    ['how many to do items are older than 180 days', 'number of todo tickets created more than 180 days ago'],
    countOf(items.filter((x) => x.status === 'todo' && older(x.createdAt, 180)).length),
  );
  b.add(
    'relative_age',
    [
      'list open pull requests older than 30 days',
      'show me open PRs created more than 30 days ago',
      'which open PRs are older than 30 days?',
    ],
    listOf(prs.filter((p) => p.state === 'open' && older(p.createdAt, 30))),
  );
  b.add(
    'relative_age',
    [
      'how many items in progress were created more than 60 days ago',
      'number of in progress tickets older than 60 days',
    ],
    countOf(items.filter((x) => x.status === 'in_progress' && older(x.createdAt, 60)).length),
  );
  b.add(
    'relative_age',
    [
      'how many open bugs in PAY are older than 14 days',
      'number of open PAY bugs created more than two weeks ago',
    ],
    countOf(bugs.filter((x) => x.project === 'PAY' && isOpen(x) && older(x.createdAt, 14)).length),
  );
  b.add(
    'relative_age',
    ['how many open epics are older than 200 days', 'number of open epics created more than 200 days ago'],
    countOf(items.filter((x) => x.type === 'epic' && isOpen(x) && older(x.createdAt, 200)).length),
  );

  // Null checks.
  b.add(
    'null_check',
    ['list open pull requests with no reviewers', 'show me open PRs that have no reviewers'],
    listOf(prs.filter((p) => p.state === 'open' && p.reviewers.length === 0)),
  );
  b.add(
    'null_check',
    ['how many unassigned tickets are in WEB', 'number of WEB items with no assignee'],
    countOf(items.filter((x) => x.project === 'WEB' && x.assignee === null).length),
  );
  b.add(
    'null_check',
    ['how many items in progress have no assignee', 'number of in progress tickets that are unassigned'],
    countOf(items.filter((x) => x.status === 'in_progress' && x.assignee === null).length),
  );
  b.add(
    'null_check',
    ['how many tasks have no story points', 'number of tasks without story points'],
    countOf(items.filter((x) => x.type === 'task' && x.storyPoints === null).length),
  );
  b.add(
    'null_check',
    ['unassigned open items by project', 'number of open tickets with no assignee per project'],
    groupsOf(
      items.filter((x) => isOpen(x) && x.assignee === null),
      [(x) => x.project],
    ),
  );

  // Text.
  for (const word of ['dashboard', 'invoice', 'search', 'certificates']) {
    const [title, either] = mentions(items, word);
    b.add(
      'text_contains',
      [`how many items mention ${word}`, `number of tickets that mention ${word}`],
      [countOf(title.length), countOf(either.length)],
    );
  }
  const [titleBugs, eitherBugs] = mentions(bugs.filter(isOpen), 'login');
  b.add(
    'text_contains',
    ['list open bugs mentioning login', 'open bugs that mention login'],
    [listOf(titleBugs), listOf(eitherBugs)],
  );

  // Negation and disjunction together with other filters.
  b.add(
    'negation',
    ['how many bugs are not done and not cancelled', 'number of bugs neither done nor cancelled'],
    countOf(bugs.filter(isOpen).length),
  );
  b.add(
    'negation',
    ['how many stories are not in WEB or PAY', 'number of stories outside WEB and PAY'],
    countOf(items.filter((x) => x.type === 'story' && x.project !== 'WEB' && x.project !== 'PAY').length),
  );
  b.add(
    'negation',
    [
      'how many production deployments were not successful',
      'number of production deployments that did not succeed',
    ],
    countOf(deps.filter((d) => d.environment === 'production' && d.status !== 'success').length),
  );
  b.add(
    'negation',
    ['open items other than stories by type', 'open tickets excluding stories, by type'],
    groupsOf(
      items.filter((x) => isOpen(x) && x.type !== 'story'),
      [(x) => x.type],
    ),
  );
  b.add(
    'negation',
    ['how many pull requests were closed without merging', 'number of PRs closed but not merged'],
    countOf(prs.filter((p) => p.state === 'closed').length),
  );
  b.add(
    'disjunction',
    ['how many items are todo or in progress in WEB', 'number of WEB tickets in to do or in progress'],
    countOf(
      items.filter((x) => x.project === 'WEB' && (x.status === 'todo' || x.status === 'in_progress')).length,
    ),
  );
  b.add(
    'disjunction',
    [
      'how many deployments went to staging or development',
      'number of deployments to development or staging',
    ],
    countOf(deps.filter((d) => d.environment !== 'production').length),
  );
  b.add(
    'disjunction',
    ['open bugs or incidents by priority', 'open incidents and bugs per priority'],
    groupsOf(
      items.filter((x) => isOpen(x) && (x.type === 'bug' || x.type === 'incident')),
      [(x) => x.priority],
    ),
  );
  const [a, c] = ['Daniel Ward', 'Priya Shah'];
  b.add(
    'disjunction',
    [
      `how many open tickets are assigned to ${a} or ${c}`,
      `number of open items assigned to ${surname(a)} or ${surname(c)}`,
    ],
    countOf(items.filter((x) => isOpen(x) && (x.assignee === a || x.assignee === c)).length),
  );
  b.add(
    'disjunction',
    ['how many pull requests are open or closed', 'number of PRs that are either open or closed'],
    countOf(prs.filter((p) => p.state !== 'merged').length),
  );

  // Date windows in other words.
  const created = (rows: WorkItemRow[], s: Date, e: Date) =>
    rows.filter((x) => within(x.createdAt, s, e)).length;
  b.add(
    'date_window',
    [
      'how many bugs were created between 2026-06-01 and 2026-06-30',
      'number of bugs created from June 1 to June 30, 2026',
    ],
    countOf(created(bugs, utc(2026, 6), utc(2026, 7))),
  );
  b.add(
    'date_window',
    ['how many incidents were created in 2026', 'number of incidents opened during 2026'],
    countOf(
      created(
        items.filter((x) => x.type === 'incident'),
        utc(2026, 1),
        utc(2027, 1),
      ),
    ),
  );
  b.add(
    'date_window',
    ['how many tickets were created this month', 'number of items created so far this month'],
    countOf(created(items, utc(2026, 11), utc(2026, 12))),
  );
  b.add(
    'date_window',
    ['how many pull requests were created this year', 'number of PRs opened this year'],
    countOf(prs.filter((p) => within(p.createdAt, utc(2026, 1), utc(2027, 1))).length),
  );
  b.add(
    'date_window',
    ['how many deployments were there last week', 'number of deployments last week'],
    countOf(deps.filter((d) => within(d.startedAt, utc(2026, 11, 9), utc(2026, 11, 16))).length),
  );
  b.add(
    'date_window',
    ['bugs created per week in October 2026', 'weekly count of bugs created during October 2026'],
    groupsOf(
      bugs.filter((x) => within(x.createdAt, utc(2026, 10), utc(2026, 11))),
      [(x) => weekOf(x.createdAt)],
    ),
  );
  b.add(
    'date_window',
    [
      'how many stories were created before 2025-12-01 and are still open',
      'number of open stories created before December 1, 2025',
    ],
    countOf(items.filter((x) => x.type === 'story' && isOpen(x) && ms(x.createdAt) < +utc(2025, 12)).length),
  );
  b.add(
    'date_window',
    ['list the incidents created in September 2026', 'show me incidents opened in September 2026'],
    listOf(items.filter((x) => x.type === 'incident' && within(x.createdAt, utc(2026, 9), utc(2026, 10)))),
  );

  // Lookups with messier wording.
  const sample = [items[5], items[150], items[333], items[512], items[777], items[1001 % items.length]];
  for (const [i, x] of sample.entries()) {
    const id = i % 2 ? x.externalId.toLowerCase() : x.externalId;
    const e: Expectation =
      i % 3 === 0
        ? { shape: 'lookup', field: 'status', value: x.status }
        : i % 3 === 1
          ? { shape: 'lookup', field: 'priority', value: x.priority }
          : { shape: 'lookup', field: 'project', value: x.project };
    const field = e.shape === 'lookup' ? e.field : '';
    b.add(
      'lookup',
      [`could you tell me the ${field} of ${id}?`, `${id} ${field}`, `what ${field} does ticket ${id} have`],
      e,
    );
  }
}
