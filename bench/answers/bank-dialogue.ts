/**
 * Bank sections: follow-up questions (asked after a first question in the same conversation) and questions that
 * cannot be answered correctly from the data, where only a refusal is right.
 */
import type { Expectation } from './answer-bank.types';
import {
  countOf,
  DAY,
  groupsOf,
  isOpen,
  listOf,
  utc,
  within,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

export function addFollowUps(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  const openPayBugs = items.filter((x) => x.project === 'PAY' && x.type === 'bug' && isOpen(x));
  const first = 'how many open bugs are in PAY?';
  b.add(
    'follow_up',
    ['only high priority ones', 'just the high priority ones?'],
    countOf(openPayBugs.filter((x) => x.priority === 'high').length),
    { first },
  );
  b.add(
    'follow_up',
    ['what about WEB?', 'and in WEB?'],
    countOf(items.filter((x) => x.project === 'WEB' && x.type === 'bug' && isOpen(x)).length),
    { first },
  );
  b.add(
    'follow_up',
    ['and by assignee?', 'break that down by assignee'],
    groupsOf(openPayBugs, [(x) => x.assignee]),
    { first },
  );
  b.add('follow_up', ['show me those', 'list them'], listOf(openPayBugs), { first });

  const bugs = items.filter((x) => x.type === 'bug');
  const second = 'how many bugs were created last month?';
  b.add(
    'follow_up',
    ['what about the month before?', 'and in September?'],
    countOf(bugs.filter((x) => within(x.createdAt, utc(2026, 9), utc(2026, 10))).length),
    { first: second },
  );
  b.add(
    'follow_up',
    ['and by project?', 'split that by project'],
    groupsOf(
      bugs.filter((x) => within(x.createdAt, utc(2026, 10), utc(2026, 11))),
      [(x) => x.project],
    ),
    { first: second },
  );

  const third = 'how many pull requests were merged in payments-api last month?';
  b.add(
    'follow_up',
    ['and in web-frontend?', 'what about web-frontend?'],
    countOf(
      prs.filter((p) => p.repository === 'web-frontend' && within(p.mergedAt, utc(2026, 10), utc(2026, 11)))
        .length,
    ),
    { first: third },
  );

  const failedProd = deps.filter((d) => d.environment === 'production' && d.status === 'failed');
  const fourth = 'failed production deployments by service';
  const tomorrow = new Date(ctx.now.getTime() + DAY);
  b.add(
    'follow_up',
    ['only in the last 90 days', 'what about the last 90 days?'],
    [ctx.now, tomorrow].map((end) =>
      groupsOf(
        failedProd.filter((d) => within(d.startedAt, end.getTime() - 90 * DAY, end)),
        [(d) => d.service],
      ),
    ),
    { first: fourth },
  );
  const incidents = items.filter((x) => x.type === 'incident' && isOpen(x));
  b.add(
    'follow_up',
    ['only the highest priority ones', 'just highest priority'],
    listOf(incidents.filter((x) => x.priority === 'highest')),
    { first: 'list the open incidents' },
  );
}

export function addMoreFollowUps(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const openIncidents = items.filter((x) => x.type === 'incident' && isOpen(x));
  b.add('follow_up', ['how many are there?', 'how many is that?'], countOf(openIncidents.length), {
    first: 'list the open incidents',
  });
  const openBugs = items.filter((x) => x.type === 'bug' && isOpen(x));
  b.add(
    'follow_up',
    ['only in WEB', 'just for WEB?'],
    groupsOf(
      openBugs.filter((x) => x.project === 'WEB'),
      [(x) => x.priority],
    ),
    { first: 'open bugs by priority' },
  );
  const stories = items.filter((x) => x.type === 'story');
  b.add(
    'follow_up',
    ['and in 2025?', 'what about 2025?'],
    countOf(stories.filter((x) => within(x.createdAt, utc(2025, 1), utc(2026, 1))).length),
    { first: 'how many stories were created in 2026?' },
  );
}

/** Refusal is the right answer; where an empty answer is also honest (an unknown person), it counts too. */
const REFUSE: Expectation = { shape: 'refuse' };

export function addMustRefuse(b: BankBuilder): void {
  const refuse = (texts: string[], alsoZero = false) =>
    b.add('must_refuse', texts, alsoZero ? [REFUSE, countOf(0)] : REFUSE);
  refuse(['how many bugs are in DB', 'bugs in DB']);
  refuse(['list open tickets in FOO', 'how many tickets does FOO have']);
  refuse(['how many incidents are in Mobile', 'open bugs in the Mobile project']);
  refuse(['list bugs in API', 'how many issues in CRM?']);
  refuse(['what is the sprint velocity of the mobile squad', 'sprint velocity by team']);
  refuse(['average salary of engineers', 'how much do we pay Daniel Ward']);
  refuse(['how many customers churned last month', 'what is our NPS?']);
  refuse(['what is the weather in Paris', 'purple monkey dishwasher']);
  refuse(['how many bugs will be created next month', 'predict the number of incidents next quarter']);
  refuse(['how many story points did the Phoenix team deliver', 'bugs fixed by the QA department']);
  refuse(['deployment frequency of the iOS app', 'how many deployments did the checkout-service have']);
  refuse(['show me code coverage by repository', 'test coverage of payments-api']);
  refuse(['how many epics are blocked', 'list the blocked tickets']);
  refuse(['how many tickets have a due date this week', 'list the overdue tasks']);
  refuse(['lines of code written in Rust', 'how many commits did Daniel Ward push']);
  refuse(['mean time between failures of the database', 'uptime of the ops-gateway last month']);
  refuse(['how many pull requests did Zoe Marsh author', 'how many bugs are assigned to Zoe Marsh'], true);
  refuse(['how many bugs did Daniel Ward fix in the Mobile project', 'tickets in the Berlin office']);
  refuse(['which customers reported the most bugs', 'bugs by customer segment']);
  refuse(['how many bugs are in Jira', 'what is the budget of the PAY project']);
}

/**
 * Questions naming the other tenant's projects, repositories, services or records: the asking tenant has none,
 * so a refusal, a zero or no rows is right, and anything else leaked.
 */
export function addOtherTenantNames(b: BankBuilder, other: BankContext): void {
  const nothing: Expectation[] = [REFUSE, countOf(0), { shape: 'list', ids: [] }];
  const { workItems: items, pullRequests: prs, deployments: deps } = other.ds;
  const mine = new Set(items.map((x) => x.project));
  const theirs = [...mine].filter((p) => p !== 'PAY' && p !== 'WEB').sort();
  for (const p of theirs.slice(0, 2)) {
    b.add('must_refuse', [`how many bugs are in ${p}`, `list the open items in ${p}`], nothing);
  }
  const repo = prs.map((p) => p.repository).find((r) => r !== 'payments-api' && r !== 'web-frontend')!;
  b.add('must_refuse', [`how many pull requests are in ${repo}`, `list open PRs in ${repo}`], nothing);
  const service = deps.map((d) => d.service).find((s) => s !== 'payments-api' && s !== 'web')!;
  b.add(
    'must_refuse',
    [`how many deployments did ${service} have`, `failed deployments of ${service}`],
    nothing,
  );
  const item = items.find((x) => theirs.includes(x.project))!;
  b.add(
    'must_refuse',
    [`what is the status of ${item.externalId}`, `who is ${item.externalId} assigned to`],
    nothing,
  );
}
