/**
 * A local stand-in for DevCycle's config CDN, speaking its wire format: `GET
 * /config/v2/server/{serverKey}.json` answers the document with ETag and Last-Modified, 304 to
 * a matching If-None-Match, 403 to an unknown key. It can fail (500) or lag (serve the previous
 * document a few more times, like an edge that has not seen the purge yet).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVER_KEY, configDocument } from './devcycle-fixtures.ts';

type Published = { body: string; etag: string; lastModified: string };

export type FakeConfigCdn = {
  url: string;
  /** Config requests received (any answer). */
  readonly requests: number;
  publish(variables: Record<string, boolean | number | string>, at?: Date): void;
  /** Serves this body as the next document, whatever it is. */
  publishRaw(body: string, at?: Date): void;
  fail(failing: boolean): void;
  /** The next `n` requests get the previous document. */
  lag(n: number): void;
  close(): Promise<void>;
};

export async function startFakeConfigCdn(initial?: Record<string, boolean | number | string>, at?: Date): Promise<FakeConfigCdn> {
  let current: Published | undefined;
  let previous: Published | undefined;
  let generation = 0;
  let failing = false;
  let lagging = 0;
  let requests = 0;

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || !req.url?.startsWith('/config/v2/server/')) {
      res.writeHead(404).end();
      return;
    }
    requests += 1;
    if (req.url !== `/config/v2/server/${SERVER_KEY}.json`) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}');
      return;
    }
    if (failing) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream error');
      return;
    }
    let doc = current;
    if (lagging > 0 && previous) {
      lagging -= 1;
      doc = previous;
    }
    if (!doc) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === doc.etag) {
      res.writeHead(304, { etag: doc.etag, 'last-modified': doc.lastModified }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag: doc.etag, 'last-modified': doc.lastModified }).end(doc.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const cdn: FakeConfigCdn = {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    publish(variables, when) {
      cdn.publishRaw(JSON.stringify(configDocument(variables)), when);
    },
    publishRaw(body, when = new Date()) {
      generation += 1;
      previous = current;
      current = { body, etag: `"gen-${generation}"`, lastModified: when.toUTCString() };
    },
    fail(value) {
      failing = value;
    },
    lag(n) {
      lagging = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  if (initial) cdn.publish(initial, at);
  return cdn;
}

/** A URL where nothing listens: connection refused, as when DevCycle is unreachable. */
export async function unreachableUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
