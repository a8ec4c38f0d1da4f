import { parserKit } from '../testing/parser-kit';

const PEOPLE = ['Daniel Ward', 'Priya Shah', 'Tom Becker'];
const KNOWN = {
  assignee: PEOPLE,
  reporter: PEOPLE,
  author: PEOPLE,
  project: ['PAY', 'WEB'],
  repository: ['web-frontend'],
};

const { read, said, refused } = parserKit(KNOWN);

describe('QuestionParser: numeric comparisons, busiest buckets, owners, SQL-style and role words', () => {
  it.each([
    ['which issues have more than 8 story points', 'list of work items where story points more than 8'],
    ['bugs with points >= 8', 'list of work items where story points at least 8 and type is bug'],
    [
      'stories with at most 3 story points',
      'list of work items where story points at most 3 and type is story',
    ],
    [
      'how many bugs with story points < 3',
      'number of work items where story points less than 3 and type is bug, over all time',
    ],
    [
      'open stories with 13 story points',
      'list of work items where story points is 13 and status is not done or cancelled and type is story',
    ],
    ['PRs with over 10 changed files', 'list of pull requests where changed files more than 10'],
  ])('compares numbers on numeric fields: %s', (q, expected) => {
    expect(said(q)).toBe(expected);
  });

  it('refuses a comparison next to nothing numeric, and never reads an amount of time as one', () => {
    expect(refused('tickets with more than 3 comments').unrecognized).toContain('comments');
    expect(refused('more than 8 bugs').reason).toMatch(/compares nothing numeric/);
    expect(said('bugs created more than 30 days ago')).toBe(
      'list of work items where created before 2026-10-26 and type is bug',
    );
  });

  it('reads "busiest"/"quietest" with a time bucket as the bucket with the most/fewest', () => {
    expect(read('what was the busiest month for bugs')).toMatchObject({
      grain: 'month',
      order: { by: 'measure', direction: 'desc' },
      limit: 1,
    });
    expect(read('which week was the quietest for PRs')).toMatchObject({
      grain: 'week',
      order: { direction: 'asc' },
    });
  });

  it.each(['who owns PAY-12', 'who is working on PAY-12'])('reads %s as the assignee of the record', (q) => {
    expect(read(q).projection).toEqual({ kind: 'lookup', column: 'assignee', name: 'assignee' });
  });

  it('reads SQL-style questions', () => {
    expect(said('select status, count(*) from issues group by status')).toBe(
      'number of work items, over all time, by status',
    );
    expect(said("select * from issues where priority = 'Highest' and type = 'bug'")).toBe(
      'list of work items where priority is highest and type is bug',
    );
  });

  it('lets the field named before a quoted person decide the role, in compound filters', () => {
    for (const q of [
      "open bugs where reporter = 'Daniel Ward' and priority = 'High'",
      'open bugs where reporter = "Daniel Ward" and priority = "High"',
    ]) {
      const f = read(q);
      expect(f.filters).toContainEqual(
        expect.objectContaining({ column: 'reporter', values: ['Daniel Ward'] }),
      );
      expect(f.filters.some((x) => x.column === 'assignee')).toBe(false);
    }
  });

  it('reads an enum value before the records noun as that value, not as a ranking or a person', () => {
    expect(said('which people have Highest issues')).toBe(
      'distinct assignee values of work items where priority is highest',
    );
    expect(read('which assignee has the highest number of bugs').order).toEqual({
      by: 'measure',
      direction: 'desc',
    });
  });

  it('reads pull requests "by" a person as their author and a quoted value after a prefix as typed', () => {
    expect(said('open PRs by Tom Becker')).toBe(
      'list of pull requests where author is Tom Becker and state is open',
    );
    expect(read('PRs by repository').groups.map((g) => g.dim)).toEqual(['repository']);
    expect(read('bugs in project "Payments"').filters).toContainEqual(
      expect.objectContaining({ column: 'project', values: ['Payments'], parameter: true }),
    );
  });

  it.each([
    ['the 5 largest pull requests merged last month', 'pr_size', 'desc', 5],
    ['top 3 pull requests in web-frontend by changed files', 'changed_files', 'desc', 3],
    ['the 3 fastest merged pull requests', 'time_to_merge', 'asc', 3],
    ['the five open stories in PAY with the most story points', 'story_points', 'desc', 5],
    ['top 3 PAY bugs with the longest cycle time', 'cycle_time', 'desc', 3],
    ['the 3 longest running production deployments', 'deployment_duration', 'desc', 3],
    ['the largest PR', 'pr_size', 'desc', 1],
  ])('ranks records by a measure of each record: %s', (q, measure, direction, limit) => {
    const f = read(q);
    expect(f.projection).toEqual({ kind: 'rows' });
    expect(f).toMatchObject({ order: { by: `measure:${measure}`, direction }, limit });
  });

  it('ranks groups, not records, when the question groups or counts', () => {
    expect(read('which repository has the largest number of PRs')).toMatchObject({
      projection: { kind: 'count' },
      order: { by: 'measure', direction: 'desc' },
    });
    expect(read('which repo has the slowest time to merge').groups.map((g) => g.dim)).toEqual(['repository']);
  });

  it('reads "who <verb>" as the role whose "<verb> by" the model defines', () => {
    expect(read('who authored web-frontend#7').projection).toEqual({
      kind: 'lookup',
      column: 'author',
      name: 'author',
    });
    expect(read('Who reviewed the most pull requests').groups.map((g) => g.dim)).toEqual(['reviewers']);
    expect(read('which reviewer reviewed the most PRs').groups.map((g) => g.dim)).toEqual(['reviewers']);
    expect(said('who authored pull requests merged last month')).toBe(
      'distinct author values of pull requests where state is merged, merged last month',
    );
    expect(said('How many deployments did not succeed')).toBe(
      'number of deployments where status is not success, over all time',
    );
  });

  it.each([
    ['merge date of web-frontend#17', 'merged_at'],
    ['when did web-deploy-67 start', 'started_at'],
    ['start time of deployment web-deploy-67', 'started_at'],
    ['additions of web-frontend#53', 'additions'],
  ])('reads one field of a pull request or deployment: %s', (q, column) => {
    expect(read(q).projection).toMatchObject({ kind: 'lookup', column });
  });

  it('reads a measure over a relationship with the joined records fields', () => {
    const f = read('lead time for changes for high priority bugs in PAY by repository');
    expect(f.filters.map((x) => x.column)).toEqual(
      expect.arrayContaining(['work_items.priority', 'work_items.type', 'work_items.project']),
    );
    expect(f.groups.map((g) => g.dim)).toEqual(['repository']);
    expect(read('lead time for changes by project').groups.map((g) => g.dim)).toEqual(['work_items.project']);
    // "open" is a pull request's state here; open pull requests have no lead time: refused, not answered.
    expect(refused('lead time for open bugs').reason).toMatch(/never all hold/);
  });
});
