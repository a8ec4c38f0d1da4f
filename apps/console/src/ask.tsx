import { useRef, useState } from 'preact/hooks';
import { ApiFailure, askStreaming, type Answer, type Progress } from './api';
import { Chart } from './chart';
import { Table, toCsv } from './table';

const EXAMPLES = [
  'Open incidents by priority',
  'Work items by status',
  'Bugs resolved per week',
  'Merged PRs by author since March',
  'Deployments per week',
  'How many open bugs are there?',
];

interface Refusal {
  message: string;
  understood?: string;
  unrecognized: string[];
  suggestions: string[];
}

function refusalOf(err: unknown): Refusal {
  if (err instanceof ApiFailure) {
    const d = (err.body.error.details ?? {}) as Record<string, unknown>;
    const strings = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    return {
      message: err.body.error.message,
      understood: typeof d.understood === 'string' ? d.understood : undefined,
      unrecognized: strings(d.unrecognized),
      suggestions: strings(d.suggestions),
    };
  }
  return { message: err instanceof Error ? err.message : String(err), unrecognized: [], suggestions: [] };
}

export function Ask() {
  const [question, setQuestion] = useState('');
  const [progress, setProgress] = useState<Progress[]>([]);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const running = useRef<AbortController | null>(null);

  const ask = async (q: string) => {
    running.current?.abort();
    const abort = new AbortController();
    running.current = abort;
    setBusy(true);
    setProgress([]);
    setRefusal(null);
    // A follow-up continues the conversation the previous answer started, when the API returned one.
    const conversationId = answer?.conversationId;
    try {
      const a = await askStreaming(
        { question: q, ...(conversationId ? { conversationId } : {}) },
        (p) => setProgress((ps) => [...ps, p]),
        abort.signal,
      );
      setAnswer(a);
    } catch (err) {
      if (!abort.signal.aborted) {
        setAnswer(null);
        setRefusal(refusalOf(err));
      }
    } finally {
      if (running.current === abort) setBusy(false);
    }
  };

  const download = () => {
    if (!answer) return;
    const url = URL.createObjectURL(new Blob([toCsv(answer.columns, answer.rows)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'answer.csv';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <section aria-labelledby="ask-title">
      <h2 id="ask-title">Ask</h2>
      <form
        class="ask-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (question.trim()) void ask(question.trim());
        }}
      >
        <label for="question" class="sr-only">
          Question
        </label>
        <input
          id="question"
          list="question-suggestions"
          placeholder="e.g. Open incidents by priority"
          value={question}
          onInput={(e) => setQuestion((e.target as HTMLInputElement).value)}
        />
        <datalist id="question-suggestions">
          {EXAMPLES.map((q) => (
            <option key={q} value={q} />
          ))}
        </datalist>
        <button type="submit" disabled={busy || question.trim() === ''}>
          Ask
        </button>
      </form>
      {progress.length > 0 && (
        <ol class="progress" aria-label="Progress" aria-live="polite">
          {progress.map((p, i) => (
            <li key={i}>
              {p.node} <span class="ms">{p.ms.toFixed(1)} ms</span>
            </li>
          ))}
        </ol>
      )}
      {refusal && (
        <div class="card refusal" role="alert">
          <p class="error">{refusal.message}</p>
          {refusal.understood && (
            <p>
              <strong>Understood:</strong> <span class="understood">{refusal.understood}</span>
            </p>
          )}
          {refusal.unrecognized.length > 0 && (
            <p>
              <strong>Not understood:</strong>{' '}
              {refusal.unrecognized.map((w) => (
                <code class="unrecognized" key={w}>
                  {w}
                </code>
              ))}
            </p>
          )}
          {refusal.suggestions.length > 0 && (
            <p>
              <strong>Try:</strong>{' '}
              {refusal.suggestions.map((s) => (
                <button
                  type="button"
                  class="link"
                  key={s}
                  onClick={() => {
                    setQuestion(s);
                    void ask(s);
                  }}
                >
                  {s}
                </button>
              ))}
            </p>
          )}
        </div>
      )}
      {answer && (
        <div class="card answer" aria-live="polite">
          {answer.understood && (
            <p>
              <strong>Understood:</strong> <span class="understood">{answer.understood}</span>
            </p>
          )}
          <Chart columns={answer.columns} rows={answer.rows} />
          <Table columns={answer.columns} rows={answer.rows} />
          <p class="meta">
            {answer.rowCount} row(s){answer.truncated ? ' (truncated)' : ''} · route {answer.route}{' '}
            <button type="button" onClick={download}>
              Download CSV
            </button>
          </p>
          <details>
            <summary>SQL</summary>
            <pre>{answer.sql}</pre>
          </details>
        </div>
      )}
    </section>
  );
}
