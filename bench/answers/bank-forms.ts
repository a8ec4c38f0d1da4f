/**
 * Bank section: forms read since the heuristic planner was retired — comparisons of numeric fields, the busiest
 * time bucket, who owns a record, SQL-style questions, quoted people in compound filters, and enum values that
 * must beat a person reading. Truth is plain JS over the generated rows.
 */
import type { Expectation } from './answer-bank.types';
import {
  argmaxOf,
  distinctOf,
  groupsOf,
  listOf,
  monthOf,
  weekOf,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

const REFUSE: Expectation = { shape: 'refuse' };

export function addNumericAndSqlForms(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  const points = (n: number | null) => n ?? -1;

  b.add(
    'list',
    ['bugs with at least 8 story points', 'list bugs with story points >= 8'],
    listOf(items.filter((x) => x.type === 'bug' && points(x.storyPoints) >= 8)),
  );
  b.add(
    'count',
    ['how many stories have fewer than 3 story points', 'number of stories with story points < 3'],
    {
      shape: 'count',
      value: items.filter((x) => x.type === 'story' && x.storyPoints !== null && x.storyPoints < 3).length,
    },
  );
  b.add(
    'count',
    ['how many open items have more than 5 story points', 'count of open tickets with story points over 5'],
    {
      shape: 'count',
      value: items.filter((x) => x.status !== 'done' && x.status !== 'cancelled' && points(x.storyPoints) > 5)
        .length,
    },
  );
  b.add(
    'list',
    [
      'pull requests in web-frontend with more than 10 changed files',
      'PRs in web-frontend with over 10 changed files',
    ],
    listOf(prs.filter((p) => p.repository === 'web-frontend' && p.changedFiles > 10)),
  );

  b.add(
    'argmax',
    ['what was the busiest month for bugs', 'busiest month for new bugs'],
    argmaxOf(items.filter((x) => x.type === 'bug').map((x) => monthOf(x.createdAt))),
  );
  b.add(
    'argmax',
    ['busiest week for deployments', 'which week was the busiest for deployments'],
    argmaxOf(deps.map((d) => weekOf(d.startedAt))),
  );

  const owned = items.filter((x) => x.assignee !== null && x.project === 'WEB')[3];
  b.add('lookup', [`who owns ${owned.externalId}`, `who is working on ${owned.externalId}`], {
    shape: 'lookup',
    field: 'assignee',
    value: owned.assignee!,
  });

  b.add(
    'group_count',
    [
      'select status, count(*) from issues group by status',
      'SELECT status, COUNT(*) FROM tickets GROUP BY status',
    ],
    groupsOf(items, [(x) => x.status]),
  );
  b.add(
    'group_count',
    ['SELECT priority, COUNT(*) FROM issues GROUP BY priority'],
    groupsOf(items, [(x) => x.priority]),
  );
  b.add(
    'list',
    ["select * from issues where priority = 'Highest' and type = 'bug'"],
    listOf(items.filter((x) => x.priority === 'highest' && x.type === 'bug')),
  );

  b.add(
    'list',
    [
      "open bugs where reporter = 'Daniel Ward' and priority = 'High'",
      'open bugs where reporter = "Daniel Ward" and priority = "High"',
    ],
    listOf(
      items.filter(
        (x) =>
          x.reporter === 'Daniel Ward' &&
          x.type === 'bug' &&
          x.priority === 'high' &&
          x.status !== 'done' &&
          x.status !== 'cancelled',
      ),
    ),
  );
  b.add(
    'distinct',
    ['which people have Highest issues', 'which assignees have Highest priority issues'],
    distinctOf(items.filter((x) => x.priority === 'highest').map((x) => x.assignee)),
  );

  b.add('must_refuse', ['tickets with more than 3 comments', 'bugs with more than 2 attachments'], REFUSE);
}
