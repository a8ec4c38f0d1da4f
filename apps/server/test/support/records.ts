/** Small factories for ETL records; every call makes fresh data. */
let seq = 0;

export function workItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    externalId: `PAY-${seq}`,
    project: 'PAY',
    title: `Payment retries exhaust the connection pool (${seq})`,
    description: 'Under load the retry loop opens a new connection per attempt and the pool runs dry.',
    type: 'bug',
    status: 'in_progress',
    priority: 'high',
    assignee: 'dana',
    labels: ['payments'],
    createdAt: '2026-10-01T09:00:00.000Z',
    updatedAt: '2026-10-02T09:00:00.000Z',
    ...overrides,
  };
}

export function pullRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    externalId: `payments-api#${seq}`,
    repository: 'payments-api',
    title: `Cap retries with exponential backoff (${seq})`,
    author: 'lee',
    state: 'merged',
    reviewers: ['dana'],
    additions: 120,
    deletions: 30,
    changedFiles: 4,
    workItemKeys: [],
    createdAt: '2026-10-03T09:00:00.000Z',
    mergedAt: '2026-10-04T09:00:00.000Z',
    ...overrides,
  };
}

export function deployment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    externalId: `deploy-${seq}`,
    service: 'payments-api',
    environment: 'production',
    status: 'success',
    version: `1.${seq}.0`,
    startedAt: '2026-10-05T09:00:00.000Z',
    finishedAt: '2026-10-05T09:05:00.000Z',
    ...overrides,
  };
}
