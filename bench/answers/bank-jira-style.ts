/**
 * Bank section: the style of questions written for a Jira issue table — quoted values in Jira's capitalisation
 * ('In Progress', 'High'), "issue keys", "summary" for the title, "resolution date is empty", SQL-ish wording.
 */
import type { Expectation } from './answer-bank.types';
import {
  argmaxOf,
  countOf,
  dayOf,
  distinctOf,
  groupsOf,
  listOf,
  mean,
  ms,
  utc,
  within,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

export function addJiraStyle(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const high = items.filter((x) => x.priority === 'high' && x.project === 'OPS');
  b.add(
    'list',
    ["List all issues in project 'OPS' with priority 'High'", "show OPS issues where priority = 'High'"],
    listOf(high),
  );
  b.add(
    'count',
    ["How many issues have status 'In Progress'?", "count of issues where status is 'In Progress'"],
    countOf(items.filter((x) => x.status === 'in_progress').length),
  );
  b.add(
    'count',
    ["Number of issues in status 'In Review'", "How many issues are in the 'In Review' status?"],
    countOf(items.filter((x) => x.status === 'in_review').length),
  );
  b.add(
    'date_window',
    ['Which issues were created after 2026-11-10?', 'List issues created after 10 November 2026'],
    listOf(items.filter((x) => ms(x.createdAt) >= +utc(2026, 11, 11))),
  );
  const dw = items.filter(
    (x) => x.assignee === 'Daniel Ward' && x.status === 'done' && x.type === 'incident',
  );
  b.add(
    'list',
    [
      "Show incidents assigned to 'Daniel Ward' where status is 'Done'",
      "List the incident keys assigned to Daniel Ward with status 'Done'",
    ],
    listOf(dw),
  );
  b.add(
    'distinct',
    ['What are the distinct statuses?', 'List all distinct status values of issues'],
    distinctOf(items.map((x) => x.status)),
  );
  b.add(
    'distinct',
    ["What are the distinct issue types in project 'OPS'?", "Which issue types exist in project 'OPS'?"],
    distinctOf(items.filter((x) => x.project === 'OPS').map((x) => x.type)),
  );
  b.add(
    'group_count',
    ['Count issues by assignee', 'Number of issues per assignee'],
    groupsOf(items, [(x) => x.assignee]),
  );
  b.add(
    'group_count',
    ["Count issues by priority in project 'DATA'", "Number of 'DATA' issues per priority"],
    groupsOf(
      items.filter((x) => x.project === 'DATA'),
      [(x) => x.priority],
    ),
  );
  const t1 = items[64];
  const t2 = items[640];
  b.add(
    'lookup',
    [`What is the summary of ${t1.externalId}?`, `What is the title of issue ${t1.externalId}?`],
    { shape: 'lookup', field: 'title', value: t1.title },
  );
  b.add(
    'lookup',
    [
      `What is the current status of issue ${t2.externalId}?`,
      `Get the status for issue key ${t2.externalId}`,
    ],
    { shape: 'lookup', field: 'status', value: t2.status },
  );
  b.add(
    'list',
    [
      "List issue keys where resolution date is empty and priority is 'Highest'",
      "Which issues with priority 'Highest' have no resolution date?",
    ],
    listOf(items.filter((x) => x.resolvedAt === null && x.priority === 'highest')),
  );
  b.add(
    'date_window',
    [
      'Number of issues created per day from 1 November to 7 November 2026',
      'How many issues were created each day between 2026-11-01 and 2026-11-07?',
    ],
    groupsOf(
      items.filter((x) => within(x.createdAt, utc(2026, 11, 1), utc(2026, 11, 8))),
      [(x) => dayOf(x.createdAt)],
    ),
  );
  b.add(
    'argmax',
    ['Which reporter reported the most issues?', 'Who is the reporter with the most issues?'],
    argmaxOf(items.map((x) => x.reporter)),
  );
  b.add(
    'argmax',
    ['On which date were the most bugs created?', 'Which date had the highest number of bugs created?'],
    argmaxOf(items.filter((x) => x.type === 'bug').map((x) => dayOf(x.createdAt))),
  );
  const storyPoints = items
    .filter((x) => x.type === 'story' && x.storyPoints !== null)
    .map((x) => x.storyPoints!);
  b.add(
    'metrics',
    [
      "What is the average number of story points for issues of type 'Story'?",
      'Average story points of stories',
    ],
    { shape: 'scalar', value: mean(storyPoints), unit: 'number' },
  );
  const webPoints = items.filter((x) => x.project === 'WEB').reduce((s, x) => s + (x.storyPoints ?? 0), 0);
  b.add('metrics', ["What is the total of story points for project 'WEB'?", 'Sum of story points in WEB'], {
    shape: 'scalar',
    value: webPoints,
    unit: 'number',
  });
  b.add(
    'text_contains',
    ["Find issues whose title contains 'Safari'", "List issues with 'Safari' in the summary"],
    listOf(items.filter((x) => x.title.toLowerCase().includes('safari'))),
  );
  b.add(
    'date_window',
    ['Show all issues updated after 2026-11-14', 'List issues last updated after 14 November 2026'],
    listOf(items.filter((x) => ms(x.updatedAt) >= +utc(2026, 11, 15))),
  );
  b.add(
    'list',
    ['List the issues with story points greater than 8', 'Which issues have more than 8 story points?'],
    listOf(items.filter((x) => (x.storyPoints ?? 0) > 8)),
  );
  const resolvedSep = items.filter((x) => within(x.resolvedAt, utc(2026, 9, 1), utc(2026, 10, 1)));
  const either: Expectation[] = [
    countOf(resolvedSep.length),
    countOf(resolvedSep.filter((x) => x.status === 'done').length),
  ];
  b.add(
    'date_window',
    [
      "How many issues were resolved between '2026-09-01' and '2026-09-30'?",
      'Count issues with a resolution date in September 2026',
    ],
    either,
  );
}
