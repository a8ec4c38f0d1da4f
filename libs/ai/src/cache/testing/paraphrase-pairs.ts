/**
 * Labelled question pairs from the analytics domain for measuring the semantic answer cache: `same` pairs ask for
 * the same answer in other words; the others look alike but need a different answer (another number, name, time
 * window, type, aggregation or grouping), which is what a careless semantic cache would serve wrongly.
 * Some are questions the semantic planner understands, some only an LLM would.
 */
export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
}

export const PARAPHRASE_PAIRS: LabelledPair[] = [
  // Same answer, other words.
  { a: 'How many bugs were resolved last week?', b: 'Number of bugs closed last week', same: true },
  { a: 'How many bugs were resolved last week?', b: 'How many bugs got fixed last week?', same: true },
  { a: 'Open incidents by priority', b: 'Show open incidents grouped by priority', same: true },
  {
    a: 'Average cycle time for stories by assignee',
    b: 'What is the average cycle time of stories per assignee?',
    same: true,
  },
  {
    a: 'Median time to merge in payments-api',
    b: "What's the median time to merge for payments-api?",
    same: true,
  },
  {
    a: 'Merged PRs by author since March',
    b: 'Number of merged pull requests per author since March',
    same: true,
  },
  {
    a: 'Change failure rate last 30 days',
    b: 'What was our change failure rate over the last 30 days?',
    same: true,
  },
  {
    a: 'Deployment frequency per week in production',
    b: 'Show the deployment frequency in production per week',
    same: true,
  },
  { a: 'Top 5 assignees by bugs closed', b: 'Top 5 assignees by closed bugs', same: true },
  { a: 'Throughput per week', b: 'Weekly throughput', same: true },
  {
    a: 'Story points done by assignee last month',
    b: 'Story points completed per assignee last month',
    same: true,
  },
  {
    a: 'Which reviewers approve the most PRs written by newcomers?',
    b: 'Which reviewers approve the most pull requests written by newcomers?',
    same: true,
  },
  {
    a: 'What fraction of bugs get reopened after release?',
    b: 'What fraction of bugs are reopened after a release?',
    same: true,
  },
  {
    a: 'Show the correlation between PR size and time to merge',
    b: 'Is there a correlation between PR size and time to merge?',
    same: true,
  },
  {
    a: 'How many deployments to staging failed this quarter?',
    b: 'Number of failed staging deployments this quarter',
    same: true,
  },
  {
    a: 'Lead time for changes by repository',
    b: 'What is the lead time for changes per repository?',
    same: true,
  },
  {
    a: 'p90 cycle time by project this month',
    b: '90th percentile cycle time per project this month',
    same: true,
  },
  { a: 'Open PRs by repository', b: 'How many pull requests are open in each repository?', same: true },
  {
    a: 'Which services had the most rollbacks in 2026?',
    b: 'Which services had the highest number of rollbacks in 2026?',
    same: true,
  },
  { a: 'How many high priority bugs are open?', b: 'Count of open high-priority bugs', same: true },
  {
    a: 'Who merged the most PRs last month?',
    b: 'Which author merged the most pull requests last month?',
    same: true,
  },
  {
    a: 'Which engineers are overloaded right now?',
    b: 'Which of our engineers are overloaded at the moment?',
    same: true,
  },
  { a: 'Show me the riskiest services', b: 'Which services are the riskiest?', same: true },
  {
    a: 'Which deployments happened on a Friday?',
    b: 'List the deployments that happened on Fridays',
    same: true,
  },
  {
    a: 'What share of incidents were caused by a deployment?',
    b: 'What share of incidents were caused by deployments?',
    same: true,
  },

  // Look alike, different answer.
  { a: 'How many bugs were resolved last week?', b: 'How many bugs were resolved last month?', same: false },
  {
    a: 'How many bugs were resolved last week?',
    b: 'How many incidents were resolved last week?',
    same: false,
  },
  { a: 'Top 5 assignees by bugs closed', b: 'Top 10 assignees by bugs closed', same: false },
  {
    a: 'Average cycle time for stories by assignee',
    b: 'Median cycle time for stories by assignee',
    same: false,
  },
  { a: 'Median time to merge in payments-api', b: 'Median time to merge in web-app', same: false },
  { a: 'Change failure rate last 30 days', b: 'Change failure rate last 90 days', same: false },
  {
    a: 'Deployment frequency per week in production',
    b: 'Deployment frequency per week in staging',
    same: false,
  },
  { a: 'Open incidents by priority', b: 'Open incidents by assignee', same: false },
  { a: 'Merged PRs by author since March', b: 'Merged PRs by author since May', same: false },
  { a: 'How many PRs did alice merge last month?', b: 'How many PRs did bob merge last month?', same: false },
  {
    a: 'Which reviewers approve the most PRs written by newcomers?',
    b: 'Which reviewers approve the fewest PRs written by newcomers?',
    same: false,
  },
  {
    a: 'What fraction of bugs get reopened after release?',
    b: 'What fraction of incidents get reopened after release?',
    same: false,
  },
  {
    a: 'Story points done by assignee last month',
    b: 'Story points done by project last month',
    same: false,
  },
  { a: 'p90 cycle time by project this month', b: 'p50 cycle time by project this month', same: false },
  {
    a: 'How many work items were created this week?',
    b: 'How many work items were resolved this week?',
    same: false,
  },
  { a: 'Open PRs by repository', b: 'Closed PRs by repository', same: false },
  { a: 'Lead time for changes by repository', b: 'Lead time for changes by project', same: false },
  {
    a: 'How many deployments to staging failed this quarter?',
    b: 'How many deployments to staging failed last quarter?',
    same: false,
  },
  {
    a: 'Show the correlation between PR size and time to merge',
    b: 'Show the correlation between PR size and review count',
    same: false,
  },
  {
    a: 'Which services had the most rollbacks in 2026?',
    b: 'Which services had the most rollbacks in 2025?',
    same: false,
  },
  { a: 'Throughput per week', b: 'Throughput per month', same: false },
  { a: 'Which deployments happened on a Friday?', b: 'Which deployments happened on a Monday?', same: false },
  {
    a: 'Which engineers are overloaded right now?',
    b: 'Which engineers are underloaded right now?',
    same: false,
  },
  { a: 'Show me the riskiest services', b: 'Show me the safest services', same: false },
  {
    a: 'What share of incidents were caused by a deployment?',
    b: 'What share of bugs were caused by a deployment?',
    same: false,
  },
  {
    a: 'Merged PRs by author since March',
    b: 'Merged PRs by author since March, only ones without reviewers',
    same: false,
  },
];
