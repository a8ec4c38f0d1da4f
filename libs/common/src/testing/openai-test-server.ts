import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small local HTTP server that speaks the OpenAI wire format (`/v1/chat/completions`, `/v1/embeddings`),
 * standing in for a corporate LLM gateway or a local model server in tests. Each test scripts its behaviour:
 * answers, delays, HTTP errors, malformed JSON or silence.
 */
export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'malformed' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number };

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  [key: string]: unknown;
}

export interface OpenAiTestServerOptions {
  /** Returns the assistant's message content for a chat request (default: `SELECT 1`). */
  chat?: (body: ChatRequestBody) => string | Promise<string>;
  /** Returns one vector per input text (default: a deterministic 8-dimension hash vector). */
  embed?: (texts: string[]) => number[][];
  /** Behaviours consumed one per request, in order; when empty, `fallback` applies (default `ok`). */
  script?: Behaviour[];
  fallback?: Behaviour;
}

export interface OpenAiTestServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests whose client closed the connection before it got an answer (a cancelled call). */
  aborted(): number;
  /** Replaces the queue of scripted behaviours. */
  setScript(script: Behaviour[], fallback?: Behaviour): void;
  close(): Promise<void>;
}

function hashVector(text: string, dims = 8): number[] {
  const v = new Array<number>(dims).fill(0);
  for (let i = 0; i < text.length; i++) v[i % dims] += text.charCodeAt(i);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  try {
    return raw ? (JSON.parse(raw) as unknown) : {};
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startOpenAiTestServer(
  options: OpenAiTestServerOptions = {},
): Promise<OpenAiTestServer> {
  let script = [...(options.script ?? [])];
  let fallback: Behaviour = options.fallback ?? { kind: 'ok' };
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let aborted = 0;

  const answer = async (path: string, body: unknown, res: ServerResponse): Promise<void> => {
    if (path.endsWith('/chat/completions')) {
      const chat = body as ChatRequestBody;
      const content = await (options.chat ?? (() => 'SELECT 1'))(chat);
      const prompt = chat.messages?.map((m) => m.content).join('\n') ?? '';
      send(res, 200, {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        model: chat.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: tokens(prompt),
          completion_tokens: tokens(content),
          total_tokens: tokens(prompt) + tokens(content),
        },
      });
      return;
    }
    if (path.endsWith('/embeddings')) {
      const input = (body as { input: string | string[]; model: string }).input;
      const texts = Array.isArray(input) ? input : [input];
      const vectors = (options.embed ?? ((t: string[]) => t.map((x) => hashVector(x))))(texts);
      const used = texts.reduce((n, t) => n + tokens(t), 0);
      send(res, 200, {
        object: 'list',
        model: (body as { model: string }).model,
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        usage: { prompt_tokens: used, total_tokens: used },
      });
      return;
    }
    send(res, 404, { error: { message: `no route ${path}` } });
  };

  const server: Server = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    void (async () => {
      const body = await readBody(req);
      const path = (req.url ?? '/').split('?')[0];
      requests.push({ path, headers: req.headers, body });
      const behaviour = script.shift() ?? fallback;
      switch (behaviour.kind) {
        case 'ok':
          return answer(path, body, res);
        case 'status':
          return send(
            res,
            behaviour.status,
            behaviour.body ?? { error: { message: `scripted ${behaviour.status}` } },
          );
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"choices": [ {"message": ');
          return;
        case 'hang':
          hanging.add(res);
          return;
        case 'delay':
          await new Promise((r) => setTimeout(r, behaviour.ms));
          return answer(path, body, res);
      }
    })().catch((err: unknown) => send(res, 500, { error: { message: String(err) } }));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    aborted: () => aborted,
    setScript(next, nextFallback) {
      script = [...next];
      if (nextFallback) fallback = nextFallback;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
