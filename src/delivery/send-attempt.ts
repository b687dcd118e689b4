/**
 * One HTTP attempt of a claimed message: the stored body (exactly the bytes that were
 * enqueued), the template's headers, and the Standard Webhooks headers signed with every
 * secret of the owner that signs now. Never rejects: every outcome, including a signing
 * failure, comes back as an AttemptResult for attempt-outcome.ts.
 */
import type { ClaimedMessage } from './claims.ts';
import type { AttemptResult } from './attempt-outcome.ts';
import { classifyOutboundError } from './outbound-errors.ts';
import type { OutboundClient } from './outbound-http.ts';
import { signMessage } from './signer.ts';

const BODYLESS = new Set(['GET', 'HEAD']);

export function sendAttempt(client: OutboundClient, message: ClaimedMessage, secrets: readonly string[], startedAt: number): Promise<AttemptResult> {
  const body = BODYLESS.has(message.method) ? undefined : message.body;
  let headers: Record<string, string>;
  try {
    const signature = signMessage({ msgId: message.id, timestamp: new Date(startedAt), body: body ?? '', secrets });
    // Ours last: a template cannot replace the signature headers. (Object.assign rather than
    // spreads: spreading three objects cost about a microsecond per message.)
    headers = Object.assign(body === undefined ? {} : { 'content-type': 'application/json' }, message.headers, signature);
  } catch (err) {
    return Promise.resolve({ startedAt, durationMs: 0, error: 'other', errorMessage: `not sent: ${(err as Error).message}` });
  }
  return client.request({ url: message.url, method: message.method, headers, body }).then(
    (res): AttemptResult => ({
      startedAt,
      durationMs: res.durationMs,
      status: res.status,
      ...(res.headers['retry-after'] === undefined ? {} : { retryAfter: res.headers['retry-after'] }),
      responseExcerpt: res.bodyExcerpt,
    }),
    (err: unknown): AttemptResult => ({
      startedAt,
      durationMs: Date.now() - startedAt,
      error: classifyOutboundError(err),
      errorMessage: err instanceof Error ? err.message : String(err),
    }),
  );
}
