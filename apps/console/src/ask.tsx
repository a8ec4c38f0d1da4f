import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, askStreaming, type Answer, type Progress } from './api';
import { Chart } from './chart';
import { Table, toCsv } from './table';

// Each answers on the demo data (`npm run quickstart`) and shows one kind of chart.
const EXAMPLES = [
  'Throughput per week',
  'Work items by status',
  'Median cycle time by project',
  'Change failure rate per month',
  'Merged PRs by author since March',
  'How many open bugs are there?',
  'Open incidents by priority',
];

interface Refusal {
  message: string;
  understood?: string;
  unrecognized: string[];
  suggestions: string[];
  /** Quoted when reporting a problem: the server logs it with the error. */
  requestId?: string;
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
      requestId: err.body.requestId,
    };
  }
  return { message: err instanceof Error ? err.message : String(err), unrecognized: [], suggestions: [] };
}

export function Ask(props: { initialQuestion?: string | null; onInitialAsked?: () => void }) {
  const [question, setQuestion] = useState(props.initialQuestion ?? '');
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

  useEffect(() => {
    if (!props.initialQuestion) return;
    void ask(props.initialQuestion);
    props.onInitialAsked?.();
  }, []);

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
          placeholder="e.g. Throughput per week"
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
      {!answer && !refusal && !busy && (
        <p class="examples">
          <strong>Try:</strong>{' '}
          {EXAMPLES.map((q) => (
            <button
              type="button"
              class="link example"
              key={q}
              onClick={() => {
                setQuestion(q);
                void ask(q);
              }}
            >
              {q}
            </button>
          ))}
        </p>
      )}
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
        <div class="card refusal" role="alert" data-request-id={refusal.requestId}>
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
          {refusal.requestId && <p class="meta">Request id {refusal.requestId}</p>}
        </div>
      )}
      {answer && (
        <div class="card answer" aria-live="polite" data-answer-id={answer.answerId}>
          {answer.understood && (
            <p>
              <strong>Understood:</strong> <span class="understood">{answer.understood}</span>
            </p>
          )}
          {answer.rowCount === 0 && <p class="meta">No rows match this question.</p>}
          <Chart columns={answer.columns} rows={answer.rows} columnInfo={answer.columnInfo} />
          <Table columns={answer.columns} rows={answer.rows} columnInfo={answer.columnInfo} />
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
