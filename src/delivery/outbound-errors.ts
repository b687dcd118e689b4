// Typed failures of the outbound client. `kind` is what the retry policy
// (retry-policy.ts AttemptError) and the circuit breaker consume, so callers
// never pattern-match on messages or undici error codes.
import type { AttemptError } from './retry-policy.ts';

export abstract class OutboundError extends Error {
  abstract readonly kind: AttemptError;
}

/** The destination resolves to (or is) an address we refuse to contact; no packet was sent to it. */
export class BlockedAddressError extends OutboundError {
  readonly kind = 'blocked';
  override readonly name = 'BlockedAddressError';
  constructor(
    readonly address: string,
    readonly hostname: string,
    readonly reason: string,
    /** 'url': literal IP in the URL, refused before dispatch; 'dns': a resolved address, refused before connect. */
    readonly phase: 'url' | 'dns',
  ) {
    super(`refusing to connect to ${address}${hostname === address ? '' : ` (${hostname})`}: ${reason}`);
  }
}

/** The URL itself is unacceptable (bad syntax, scheme other than http/https, http under https-only). */
export class DisallowedUrlError extends OutboundError {
  readonly kind = 'blocked';
  override readonly name = 'DisallowedUrlError';
  constructor(message: string) {
    super(message);
  }
}

export class OutboundTimeoutError extends OutboundError {
  readonly kind = 'timeout';
  override readonly name = 'OutboundTimeoutError';
  constructor(
    /** 'connect': DNS + TCP (+ TLS) did not finish; 'total': the whole exchange ran over. */
    readonly phase: 'connect' | 'total',
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`${phase} timeout after ${timeoutMs} ms`, options);
  }
}

/** The receiver could not be reached or dropped the connection (refused, reset, DNS failure, TLS failure). */
export class OutboundConnectError extends OutboundError {
  readonly kind = 'connect';
  override readonly name = 'OutboundConnectError';
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Anything else, e.g. headers undici rejects; usually our bug, not the receiver's. */
export class OutboundRequestError extends OutboundError {
  readonly kind = 'other';
  override readonly name = 'OutboundRequestError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Maps any error thrown by the outbound client to the retry policy's vocabulary. */
export function classifyOutboundError(err: unknown): AttemptError {
  return err instanceof OutboundError ? err.kind : 'other';
}
