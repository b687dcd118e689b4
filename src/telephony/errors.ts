// Typed failures of the provider layer. Routes map them to HTTP without reading messages:
// MalformedCallbackError → 400 (the provider sent something we cannot use; never a 500),
// NotSupportedError → a programming/config error (check `capabilities` first),
// ProviderApiError → the provider's REST API refused or could not be reached.
import type { ProviderName } from './provider.ts';

export abstract class TelephonyError extends Error {
  abstract readonly code: string;
  constructor(
    readonly provider: ProviderName,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${provider}: ${message}`, options);
  }
}

/** A webhook payload lacks what we need (no call id, no status). */
export class MalformedCallbackError extends TelephonyError {
  readonly code = 'TELEPHONY_MALFORMED_CALLBACK';
  override readonly name = 'MalformedCallbackError';
  constructor(
    provider: ProviderName,
    /** The missing or unusable field, as the provider names it. */
    readonly field: string,
    message = `callback has no usable ${field}`,
  ) {
    super(provider, message);
  }
}

/** The provider cannot do this at all (e.g. Exotel has no REST hang-up). */
export class NotSupportedError extends TelephonyError {
  readonly code = 'TELEPHONY_NOT_SUPPORTED';
  override readonly name = 'NotSupportedError';
  constructor(
    provider: ProviderName,
    readonly feature: string,
    detail: string,
  ) {
    super(provider, `${feature} is not supported: ${detail}`);
  }
}

/** A REST call to the provider failed: non-2xx (`status` set) or no response (`status` null). */
export class ProviderApiError extends TelephonyError {
  readonly code = 'TELEPHONY_PROVIDER_API';
  override readonly name = 'ProviderApiError';
  constructor(
    provider: ProviderName,
    readonly request: { readonly method: string; readonly path: string },
    readonly status: number | null,
    /** The provider's error body (parsed JSON when it was JSON), kept for logs. */
    readonly body: unknown,
    message: string,
    options?: ErrorOptions,
  ) {
    super(provider, `${request.method} ${request.path}: ${message}`, options);
  }
}
