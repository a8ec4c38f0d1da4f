/** Bank sections: counts, group-by counts, lists, distinct values, lookups by id and arg-max questions. */
import type { WorkItemRow } from './answer-dataset.generator';
import {
  argmaxOf,
  countOf,
  dayOf,
  distinctOf,
  groupsOf,
  isOpen,
  ITEM_WORDS,
  listOf,
  monthOf,
  surname,
  TYPE_WORD,
  typo,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

const STATUS_WORDS: Record<WorkItemRow['status'], string> = {
  todo: 'to do',
  in_progress: 'in progress',
  in_review: 'in review',
  done: 'done',
  cancelled: 'cancelled',
};

/** People who appear as assignees, most active first (so questions about them have non-trivial answers). */
function activePeople(ctx: BankContext): string[] {
  const counts = new Map<string, number>();
  for (const w of ctx.ds.workItems) if (w.assignee) counts.set(w.assignee, (counts.get(w.assignee) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([p]) => p);
}

const projectsOf = (ctx: BankContext) => [...new Set(ctx.ds.workItems.map((w) => w.project))].sort();

export function addCounts(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const w = () => b.pick(ITEM_WORDS, 1)[0];
  for (const p of projectsOf(ctx)) {
    for (const type of ['bug', 'story', 'incident'] as const) {
      const tw = TYPE_WORD[type];
      b.add(
        'count',
        b.pick(
          [
            `how many ${tw} are in ${p}`,
            `number of ${p} ${tw}`,
            `count the ${tw} in project ${p}`,
            `How many ${tw} does ${p} have`,
            `could you tell me how many ${tw} we have in ${p}?`,
          ],
          3,
        ),
        countOf(items.filter((x) => x.project === p && x.type === type).length),
      );
    }
  }
  for (const type of ['bug', 'story', 'task', 'epic', 'incident'] as const) {
    const tw = TYPE_WORD[type];
    b.add(
      'count',
      b.pick(
        [
          `how many open ${tw} are there`,
          `how many ${tw} are still open?`,
          `count of open ${tw}`,
          `number of ${tw} that are open`,
        ],
        3,
      ),
      countOf(items.filter((x) => x.type === type && isOpen(x)).length),
    );
  }
  for (const [status, word] of Object.entries(STATUS_WORDS) as [WorkItemRow['status'], string][]) {
    b.add(
      'count',
      [
        `how many ${w()} are ${word}`,
        `number of ${w()} with status ${word}`,
        `how many ${w()} have their status set to ${word}`,
      ],
      countOf(items.filter((x) => x.status === status).length),
    );
  }
  for (const priority of ['lowest', 'low', 'medium', 'high', 'highest'] as const) {
    b.add(
      'count',
      [`how many ${priority} priority ${w()} are there`, `count ${w()} with priority ${priority}`],
      countOf(items.filter((x) => x.priority === priority).length),
    );
  }
  for (const person of activePeople(ctx).slice(0, 6)) {
    const mine = items.filter((x) => x.assignee === person);
    b.add(
      'count',
      [`how many ${w()} are assigned to ${person}`, `how many tickets is ${typo(person)} assigned?`],
      countOf(mine.length),
    );
    b.add(
      'count',
      [`how many open bugs does ${surname(person)} have`, `number of open bugs assigned to ${person}`],
      countOf(mine.filter((x) => x.type === 'bug' && isOpen(x)).length),
    );
  }
  for (const person of activePeople(ctx).slice(6, 10)) {
    b.add(
      'count',
      [`how many bugs did ${person} report`, `number of bugs reported by ${person}`],
      countOf(items.filter((x) => x.reporter === person && x.type === 'bug').length),
    );
  }
  const prs = ctx.ds.pullRequests;
  for (const repo of [...new Set(prs.map((p) => p.repository))].sort()) {
    b.add(
      'count',
      [`how many open pull requests are in ${repo}`, `number of open PRs in the ${repo} repository`],
      countOf(prs.filter((p) => p.repository === repo && p.state === 'open').length),
    );
  }
  for (const person of activePeople(ctx).slice(0, 4)) {
    b.add(
      'count',
      [`how many pull requests has ${person} merged`, `number of merged PRs authored by ${person}`],
      countOf(prs.filter((p) => p.author === person && p.state === 'merged').length),
    );
  }
  const deps = ctx.ds.deployments;
  b.add(
    'count',
    [
      'how many deployments went to production',
      'number of production deployments',
      'count the deployments to production',
    ],
    countOf(deps.filter((d) => d.environment === 'production').length),
  );
  b.add(
    'count',
    ['how many deployments were rolled back', 'number of rolled back deployments'],
    countOf(deps.filter((d) => d.status === 'rolled_back').length),
  );
}

export function addGroupCounts(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  b.add(
    'group_count',
    [
      'tickets by status',
      'count of items per status',
      'status and their count',
      'how many issues are in each status?',
    ],
    groupsOf(items, [(x) => x.status]),
  );
  b.add(
    'group_count',
    ['open bugs by priority', 'number of open bugs per priority', 'break down the open bugs by priority'],
    groupsOf(
      items.filter((x) => x.type === 'bug' && isOpen(x)),
      [(x) => x.priority],
    ),
  );
  for (const p of projectsOf(ctx)) {
    b.add(
      'group_count',
      [`${p} tickets by type`, `how many items of each type are in ${p}?`],
      groupsOf(
        items.filter((x) => x.project === p),
        [(x) => x.type],
      ),
    );
  }
  b.add(
    'group_count',
    [
      'open items per assignee',
      'how many open tickets does each assignee have',
      'number of open issues by assignee',
    ],
    groupsOf(items.filter(isOpen), [(x) => x.assignee]),
  );
  for (const type of ['bug', 'incident', 'story'] as const) {
    b.add(
      'group_count',
      [`${TYPE_WORD[type]} per project`, `number of ${TYPE_WORD[type]} by project`],
      groupsOf(
        items.filter((x) => x.type === type),
        [(x) => x.project],
      ),
    );
  }
  b.add(
    'group_count',
    ['items by project and type', 'count of tickets per project and type'],
    groupsOf(items, [(x) => x.project, (x) => x.type]),
  );
  b.add(
    'group_count',
    ['bugs by reporter', 'how many bugs did each person report'],
    groupsOf(
      items.filter((x) => x.type === 'bug'),
      [(x) => x.reporter],
    ),
  );
  b.add(
    'group_count',
    [
      'bugs created per month in 2026',
      'number of bugs opened each month in 2026',
      'monthly count of bugs created in 2026',
    ],
    groupsOf(
      items.filter((x) => x.type === 'bug' && x.createdAt.startsWith('2026')),
      [(x) => monthOf(x.createdAt)],
    ),
  );
  const prs = ctx.ds.pullRequests;
  b.add(
    'group_count',
    [
      'merged pull requests by repository',
      'how many PRs were merged in each repository',
      'number of merged PRs per repo',
    ],
    groupsOf(
      prs.filter((p) => p.state === 'merged'),
      [(p) => p.repository],
    ),
  );
  b.add('group_count', ['pull requests per author', 'PR count by author'], groupsOf(prs, [(p) => p.author]));
  b.add(
    'group_count',
    ['pull requests by state', 'how many PRs are in each state'],
    groupsOf(prs, [(p) => p.state]),
  );
  const deps = ctx.ds.deployments;
  b.add(
    'group_count',
    ['deployments by environment', 'number of deployments per environment'],
    groupsOf(deps, [(d) => d.environment]),
  );
  b.add(
    'group_count',
    ['deployments by service and status', 'count of deployments per service and status'],
    groupsOf(deps, [(d) => d.service, (d) => d.status]),
  );
  b.add(
    'group_count',
    ['production deployments per service', 'how many production deployments did each service have'],
    groupsOf(
      deps.filter((d) => d.environment === 'production'),
      [(d) => d.service],
    ),
  );
}

export function addLists(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  for (const p of projectsOf(ctx)) {
    const rows = items.filter(
      (x) => x.project === p && x.type === 'bug' && isOpen(x) && x.priority === 'highest',
    );
    if (rows.length === 0) continue;
    b.add(
      'list',
      b.pick(
        [
          `list the open highest priority bugs in ${p}`,
          `show me ${p} bugs that are open and have highest priority`,
          `which open bugs in ${p} are highest priority?`,
          `give me the ids of open highest priority bugs in ${p}`,
        ],
        3,
      ),
      listOf(rows),
    );
    const incidents = items.filter((x) => x.project === p && x.type === 'incident');
    b.add('list', [`list the incidents in ${p}`, `what are the ${p} incidents?`], listOf(incidents));
  }
  for (const person of activePeople(ctx).slice(0, 5)) {
    const rows = items.filter((x) => x.assignee === person && x.status === 'in_review');
    if (rows.length === 0) continue;
    b.add(
      'list',
      [
        `show me tickets in review assigned to ${person}`,
        `list ${surname(person)}'s items in review`,
        `which issues assigned to ${typo(person)} are in review`,
      ],
      listOf(rows),
    );
  }
  const security = items.filter((x) => x.labels.includes('security') && isOpen(x) && x.type === 'bug');
  b.add(
    'list',
    [
      'list open bugs labelled security',
      'show me the open bugs with the security label',
      'which open bugs have the label security?',
    ],
    listOf(security),
  );
  b.add(
    'list',
    ['list the ids of bugs in progress', 'give me the in progress bugs'],
    listOf(items.filter((x) => x.type === 'bug' && x.status === 'in_progress')),
  );
  const prs = ctx.ds.pullRequests;
  for (const repo of [...new Set(prs.map((p) => p.repository))].sort()) {
    b.add(
      'list',
      [`list open pull requests in ${repo}`, `show me the open PRs of ${repo}`],
      listOf(prs.filter((p) => p.repository === repo && p.state === 'open')),
    );
  }
  for (const person of activePeople(ctx).slice(2, 4)) {
    b.add(
      'list',
      [`show me open PRs by ${person}`, `which pull requests authored by ${person} are still open`],
      listOf(prs.filter((p) => p.author === person && p.state === 'open')),
    );
  }
  const deps = ctx.ds.deployments;
  for (const service of [...new Set(deps.map((d) => d.service))].sort()) {
    const rows = deps.filter(
      (d) => d.service === service && d.environment === 'production' && d.status === 'failed',
    );
    b.add(
      'list',
      [
        `list failed production deployments of ${service}`,
        `show me the ${service} deployments to production with status failed`,
      ],
      listOf(rows),
    );
  }
}

export function addDistincts(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  b.add(
    'distinct',
    ['which projects are there', 'list all projects', 'what projects do we have?'],
    distinctOf(items.map((x) => x.project)),
  );
  b.add(
    'distinct',
    ['what repositories do we have', 'list the repositories', 'which repos have pull requests'],
    distinctOf(prs.map((p) => p.repository)),
  );
  b.add(
    'distinct',
    ['which services have deployments', 'list the deployed services'],
    distinctOf(deps.map((d) => d.service)),
  );
  const [first] = projectsOf(ctx);
  b.add(
    'distinct',
    [
      `who are the assignees of open bugs in ${first}`,
      `list the distinct assignees of open ${first} bugs`,
      `which people have open bugs in ${first}?`,
    ],
    distinctOf(
      items.filter((x) => x.project === first && x.type === 'bug' && isOpen(x)).map((x) => x.assignee),
    ),
  );
  for (const p of projectsOf(ctx).slice(1, 3)) {
    b.add(
      'distinct',
      [`what labels are used in ${p}`, `list the distinct labels of ${p} items`],
      distinctOf(items.filter((x) => x.project === p).flatMap((x) => x.labels)),
    );
  }
  const repo = [...new Set(prs.map((p) => p.repository))].sort()[0];
  b.add(
    'distinct',
    [`who reviewed pull requests in ${repo}`, `list the reviewers of ${repo} PRs`],
    distinctOf(prs.filter((p) => p.repository === repo).flatMap((p) => p.reviewers)),
  );
  b.add(
    'distinct',
    ['which statuses do incidents have', 'list the distinct statuses of incidents'],
    distinctOf(items.filter((x) => x.type === 'incident').map((x) => x.status)),
  );
  b.add(
    'distinct',
    ['which services had a rolled back deployment', 'list services with rolled back deployments'],
    distinctOf(deps.filter((d) => d.status === 'rolled_back').map((d) => d.service)),
  );
}

export function addLookups(b: BankBuilder, ctx: BankContext): void {
  const items = ctx.ds.workItems;
  const sample = Array.from({ length: 14 }, (_, i) => items[(i * 83 + 7) % items.length]);
  sample.forEach((x, i) => {
    const id = i % 4 === 3 ? x.externalId.toLowerCase() : x.externalId;
    switch (i % 6) {
      case 0:
        b.add('lookup', [`what is the status of ${id}?`, `status of ${id}`, `what's ${id}'s status`], {
          shape: 'lookup',
          field: 'status',
          value: x.status,
        });
        break;
      case 1:
        if (x.assignee)
          b.add('lookup', [`who is ${id} assigned to?`, `assignee of ${id}`], {
            shape: 'lookup',
            field: 'assignee',
            value: x.assignee,
          });
        break;
      case 2:
        b.add('lookup', [`what priority is ${id}`, `priority of ${id}?`], {
          shape: 'lookup',
          field: 'priority',
          value: x.priority,
        });
        break;
      case 3:
        b.add('lookup', [`what is the type of ${id}`, `what kind of ticket is ${id}?`], {
          shape: 'lookup',
          field: 'type',
          value: x.type,
        });
        break;
      case 4:
        if (x.storyPoints !== null)
          b.add('lookup', [`how many story points is ${id}`, `story points of ${id}`], {
            shape: 'lookup',
            field: 'storyPoints',
            value: x.storyPoints,
          });
        break;
      default:
        b.add('lookup', [`who reported ${id}`, `reporter of ${id}?`], {
          shape: 'lookup',
          field: 'reporter',
          value: x.reporter,
        });
    }
  });
  const prs = ctx.ds.pullRequests;
  for (const [i, pr] of [prs[11], prs[57], prs[203 % prs.length]].entries()) {
    if (i === 0)
      b.add('lookup', [`who authored ${pr.externalId}`, `author of ${pr.externalId}?`], {
        shape: 'lookup',
        field: 'author',
        value: pr.author,
      });
    if (i === 1)
      b.add('lookup', [`what is the state of ${pr.externalId}`, `state of pull request ${pr.externalId}`], {
        shape: 'lookup',
        field: 'state',
        value: pr.state,
      });
    if (i === 2)
      b.add('lookup', [`how many lines were added in ${pr.externalId}`, `additions of ${pr.externalId}`], {
        shape: 'lookup',
        field: 'additions',
        value: pr.additions,
      });
  }
  const deps = ctx.ds.deployments;
  const d1 = deps[40 % deps.length];
  const d2 = deps[77 % deps.length];
  b.add(
    'lookup',
    [`what version was deployed in ${d1.externalId}`, `version of deployment ${d1.externalId}`],
    { shape: 'lookup', field: 'version', value: d1.version },
  );
  b.add('lookup', [`what is the status of deployment ${d2.externalId}`, `status of ${d2.externalId}?`], {
    shape: 'lookup',
    field: 'status',
    value: d2.status,
  });
}

export function addArgmaxes(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  b.add(
    'argmax',
    [
      'which assignee has the most open bugs',
      'who has the most open bugs?',
      'person with the most open bugs',
    ],
    argmaxOf(items.filter((x) => x.type === 'bug' && isOpen(x)).map((x) => x.assignee)),
  );
  b.add(
    'argmax',
    ['who has the most tickets in progress', 'which assignee has the most items in progress?'],
    argmaxOf(items.filter((x) => x.status === 'in_progress').map((x) => x.assignee)),
  );
  b.add(
    'argmax',
    ['which project has the most incidents', 'what project had the most incidents?'],
    argmaxOf(items.filter((x) => x.type === 'incident').map((x) => x.project)),
  );
  b.add(
    'argmax',
    [
      'on which day were most items created',
      'which day had the most tickets created?',
      'when were the most issues created (which day)?',
    ],
    argmaxOf(items.map((x) => dayOf(x.createdAt))),
  );
  b.add(
    'argmax',
    ['which month had the most bugs created', 'in which month were the most bugs created?'],
    argmaxOf(items.filter((x) => x.type === 'bug').map((x) => monthOf(x.createdAt))),
  );
  b.add(
    'argmax',
    ['which repository has the most merged PRs', 'repo with the most merged pull requests'],
    argmaxOf(prs.filter((p) => p.state === 'merged').map((p) => p.repository)),
  );
  b.add(
    'argmax',
    ['who authored the most pull requests', 'which author opened the most PRs?'],
    argmaxOf(prs.map((p) => p.author)),
  );
  b.add(
    'argmax',
    ['which service had the most failed deployments', 'service with the most failed deployments'],
    argmaxOf(deps.filter((d) => d.status === 'failed').map((d) => d.service)),
  );
  b.add(
    'argmax',
    ['who reported the most bugs', 'which reporter filed the most bugs?'],
    argmaxOf(items.filter((x) => x.type === 'bug').map((x) => x.reporter)),
  );
  b.add(
    'argmax',
    ['who reviewed the most pull requests', 'which reviewer reviewed the most PRs?'],
    argmaxOf(prs.flatMap((p) => p.reviewers)),
  );
  b.add(
    'argmax',
    ['which service had the most production deployments', 'service with the most deployments to production?'],
    argmaxOf(deps.filter((d) => d.environment === 'production').map((d) => d.service)),
  );
}
