/** The tenant API key lives in sessionStorage only and leaves the page only in the Authorization header. */
const KEY = 'pulse.apiKey';

export const session = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export interface ApiError {
  error: { code: string; message: string; details?: unknown };
  requestId?: string;
}

/** What an answer column means (from the semantic model); absent on answers whose SQL a model wrote. */
export interface AnswerColumn {
  name: string;
  label: string;
  unit: string | null;
  role: 'dimension' | 'measure' | 'time';
}

export interface Answer {
  answerId: string;
  question: string;
  sql: string;
  columns: string[];
  columnInfo?: AnswerColumn[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  route: string;
  understood?: string;
  conversationId?: string;
  [key: string]: unknown;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.error.message);
  }
}

function headers(key: string | null, json: boolean): Record<string, string> {
  return {
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

async function failure(res: Response): Promise<ApiFailure> {
  try {
    return new ApiFailure(res.status, (await res.json()) as ApiError);
  } catch {
    return new ApiFailure(res.status, { error: { code: 'HTTP_' + res.status, message: res.statusText } });
  }
}

export async function api<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  key = session.get(),
): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(key, body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export interface Progress {
  node: string;
  ms: number;
}

/** POST /v1/ai/query/stream: calls onProgress per finished step; resolves with the answer, rejects with the error. */
export async function askStreaming(
  body: { question: string; conversationId?: string },
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<Answer> {
  const res = await fetch('/v1/ai/query/stream', {
    method: 'POST',
    headers: headers(session.get(), true),
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || data === undefined) continue;
      const parsed = JSON.parse(data) as unknown;
      if (event === 'progress') onProgress(parsed as Progress);
      else if (event === 'answer') return parsed as Answer;
      else if (event === 'error') throw new ApiFailure(200, parsed as ApiError);
    }
  }
  throw new ApiFailure(0, { error: { code: 'STREAM_ENDED', message: 'The answer stream ended early' } });
}
