// A stand-in for a provider's REST API on 127.0.0.1 (port 0): records every request exactly
// as it arrived and answers with whatever the test scripts.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedResponse {
  readonly status: number;
  /** Objects are sent as JSON; strings as they are. */
  readonly body?: unknown;
}

export interface FakeProviderApi {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeProviderApi(
  respond: (req: RecordedRequest) => ScriptedResponse,
): Promise<FakeProviderApi> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const reply = respond(recorded);
      if (reply.body === undefined) {
        res.writeHead(reply.status).end();
      } else if (typeof reply.body === 'string') {
        res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body);
      } else {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Form body as a list of [name, value] pairs, order and repeats kept. */
export function formPairs(body: string): [string, string][] {
  return [...new URLSearchParams(body)];
}
