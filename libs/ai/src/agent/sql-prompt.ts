import type { LlmMessage } from '../providers';
import type { GenerationAttempt, RetrievedContext } from './query-state';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The instructions and context an LLM gets to write SQL for one question. */
export function sqlPrompt(
  question: string,
  context: RetrievedContext,
  now: Date,
  rowLimit: number,
): LlmMessage[] {
  const system = [
    'You translate questions about engineering analytics into one PostgreSQL 15 SELECT statement.',
    'Answer with a JSON object and nothing else: {"sql": "<one SELECT statement>"}.',
    'Read only the tables and columns listed below; no other schema, no system catalogs, no functions with side effects.',
    'Never filter on or mention tenant_id: the tenant filter is added automatically, and a query that names it is rejected.',
    `Times are UTC. Now is ${now.toISOString()} (a ${WEEKDAYS[now.getUTCDay()]}); weeks start on Monday. ` +
      'Write time windows as literal timestamps, half-open: [start, end).',
    `Give every computed column a snake_case alias. Return at most ${rowLimit} rows.`,
  ].join('\n');

  const parts: string[] = ['Schema:', ...context.tables.map((t) => t.text)];
  if (context.relationships.length > 0)
    parts.push('', 'Relationships:', ...context.relationships.map((r) => `- ${r}`));
  if (context.rules.length > 0) parts.push('', 'Business rules:', ...context.rules.map((r) => `- ${r}`));
  if (context.examples.length > 0) {
    parts.push('', 'Similar questions this team asked before, with their validated SQL:');
    for (const e of context.examples) parts.push(`Q: ${e.question}`, `SQL: ${e.sql}`);
  }
  parts.push('', `Question: ${question}`);
  return [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n') },
  ];
}

/** The conversation so far plus what was wrong with the last answer, so the model can fix it. */
export function correctionPrompt(base: LlmMessage[], attempts: readonly GenerationAttempt[]): LlmMessage[] {
  const messages = [...base];
  for (const a of attempts) {
    messages.push({ role: 'assistant', content: a.content });
    messages.push({
      role: 'user',
      content:
        `That query was rejected: ${a.issues.map((i) => i.message).join(' ')}\n` +
        'Write a corrected query. Answer with the JSON object {"sql": "..."} only.',
    });
  }
  return messages;
}

/** The SQL in a model's answer: the JSON object asked for, tolerating a code fence around it. */
export function sqlFromCompletion(content: string): string | null {
  const trimmed = content
    .trim()
    .replace(/^```(?:json|sql)?\s*/i, '')
    .replace(/\s*```$/, '');
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object' && 'sql' in parsed && typeof parsed.sql === 'string') {
      return parsed.sql.trim() || null;
    }
  } catch {
    // Not JSON: reported to the model as a format error.
  }
  return null;
}
