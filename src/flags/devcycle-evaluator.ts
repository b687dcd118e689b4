/**
 * Evaluates flags in-process with DevCycle's official Node server SDK (local bucketing: the
 * SDK's WASM engine over the environment config document, no network hop per lookup).
 *
 * The SDK reads its document from `DocumentSource`, a `ConfigSource` (the SDK's extension point
 * for where config comes from) holding the last document this process loaded from the shared
 * `flag_config` row. The SDK polls it every second, which costs nothing, and never talks to
 * DevCycle itself: fetching, the webhook and cross-process propagation live in flag-sync.ts.
 * Event logging is off, so the SDK makes no network calls at all.
 */
import { ConfigSource, initializeDevCycle, type DevCycleClient } from '@devcycle/nodejs-server-sdk';
import type { Logger } from 'pino';
import type { FlagType, FlagValue, RemoteFlags } from './flag-store.ts';

/** Flags are per service, not per end user: every lookup evaluates this one user. */
const SERVICE_USER = { user_id: 'buddy-service' };
const SDK_POLL_MS = 1000; // the SDK's minimum

const DEVCYCLE_TYPES: Record<string, FlagType> = { Boolean: 'boolean', Number: 'number', String: 'string' };
const SENTINELS: Record<FlagType, FlagValue> = { boolean: false, number: 0, string: '' };

type ConfigAnswer = { config: never; lastModified: string | null; metaData: Record<string, unknown> };

class DocumentSource extends ConfigSource {
  private document: unknown;
  private offered = 0;
  private handed = 0;
  /** Variables (key → type) of the document the SDK has taken. */
  variables = new Map<string, FlagType>();

  constructor(private readonly onHanded: () => void) {
    super();
  }

  offer(document: unknown): void {
    this.document = document;
    this.offered += 1;
  }

  // Signature fixed by the SDK's abstract class (its generic return type cannot be met without a cast).
  override async getConfig(): Promise<ConfigAnswer> {
    if (this.handed === this.offered) return { config: null as never, lastModified: null, metaData: {} };
    this.handed = this.offered;
    this.variables = variablesOf(this.document);
    this.onHanded();
    return { config: this.document as never, lastModified: null, metaData: {} };
  }

  override getConfigURL(): string {
    return 'buddy:flag_config'; // appears in the SDK's debug logs; never the CDN URL with its key
  }
}

function variablesOf(document: unknown): Map<string, FlagType> {
  const out = new Map<string, FlagType>();
  const list = (document as { variables?: unknown }).variables;
  if (!Array.isArray(list)) return out;
  for (const v of list as { key?: unknown; type?: unknown }[]) {
    const type = typeof v.type === 'string' ? DEVCYCLE_TYPES[v.type] : undefined;
    if (typeof v.key === 'string' && type) out.set(v.key, type);
  }
  return out;
}

function sdkLogger(logger: Logger) {
  // The SDK is chatty at info/debug (a line per poll); keep that below our info level.
  return {
    error: (message: string, error?: unknown) => logger.error({ err: error }, message),
    warn: (message: string) => logger.warn(message),
    info: (message: string) => logger.debug(message),
    debug: (message: string) => logger.trace(message),
  };
}

export type DevCycleEvaluator = RemoteFlags & {
  /** Hands a new document to the SDK, starting it on the first one; resolves once it can evaluate. */
  load(document: unknown): Promise<void>;
  close(): Promise<void>;
};

export function createDevCycleEvaluator(serverKey: string, logger: Logger): DevCycleEvaluator {
  // An SDK evaluation costs ~80 µs and only changes with the document, so results are cached
  // per document. The SDK installs a document a few microtasks after taking it from the source;
  // clearing again on the next macrotask drops anything evaluated in between.
  const cache = new Map<string, FlagValue | undefined>();
  const source = new DocumentSource(() => {
    cache.clear();
    setImmediate(() => cache.clear());
  });
  let client: DevCycleClient | undefined;
  let ready: Promise<void> | undefined;
  let evaluating = false;
  const mismatches = new Set<string>();

  return {
    async load(document) {
      source.offer(document);
      if (!ready) {
        client = initializeDevCycle(serverKey, {
          configSource: source,
          configPollingIntervalMS: SDK_POLL_MS,
          disableRealTimeUpdates: true,
          disableAutomaticEventLogging: true,
          disableCustomEventLogging: true,
          logger: sdkLogger(logger),
        });
        const started = client;
        ready = started.onClientInitialized().then(() => {
          evaluating = true;
        });
      }
      await ready;
    },
    get(key, type) {
      if (!client || !evaluating) return undefined;
      const defined = source.variables.get(key);
      if (defined === undefined) return undefined;
      if (defined !== type) {
        // Asking the SDK would log an error on every lookup; say it once per key and type.
        if (!mismatches.has(`${key}:${type}`)) {
          mismatches.add(`${key}:${type}`);
          logger.warn({ flag: key, devcycle_type: defined, expected: type }, 'DevCycle variable has another type; using env/default');
        }
        return undefined;
      }
      if (cache.has(key)) return cache.get(key);
      const variable = client.variable(SERVICE_USER, key, SENTINELS[type]);
      const value = variable.isDefaulted ? undefined : (variable.value as FlagValue);
      cache.set(key, value);
      return value;
    },
    list() {
      return [...source.variables.entries()].map(([key, type]) => ({ key, type }));
    },
    async close() {
      evaluating = false;
      if (client) await client.close();
    },
  };
}
