/**
 * Starts a real Buddy service for a test file, on SQLite (always) and on PostgreSQL when
 * TEST_DATABASE_URL is set. Each PostgreSQL service gets its own schema, dropped at close.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createService, createLogger, type Service } from '../../src/service.ts';

export const DIALECTS = ['sqlite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])] as const;
export type TestDialect = (typeof DIALECTS)[number];

export const ADMIN = { email: 'admin@example.com', password: 'correct-horse-battery' };
export const PREFIX = '/agent/voice/breeze-buddy';

export type TestService = {
  service: Service;
  /** A request to the API under its prefix (or to an absolute path starting with //). */
  api(method: InjectOptions['method'], path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
};

export async function createPgSchema(url: string): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return schema;
}

export async function dropPgSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

export type TestServiceOptions = {
  /** PostgreSQL: use this existing schema (e.g. shared by two services); its creator drops it. */
  schema?: string;
  logger?: Logger;
};

export async function startTestService(
  dialect: TestDialect,
  env: Record<string, string> = {},
  options: TestServiceOptions = {},
): Promise<TestService> {
  const pgUrl = process.env.TEST_DATABASE_URL;
  const ownSchema = dialect === 'postgres' && options.schema === undefined;
  const schema = dialect === 'postgres' ? (options.schema ?? (await createPgSchema(pgUrl!))) : undefined;
  const config = loadConfig({
    DATABASE_URL: dialect === 'postgres' ? pgUrl : 'sqlite::memory:',
    BUDDY_ADMIN_EMAIL: ADMIN.email,
    BUDDY_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const service = await createService(config, { schema, poolSize: 4, logger: options.logger ?? createLogger(env.LOG_LEVEL ?? 'silent') });
  return {
    service,
    api(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const url = path.startsWith('//') ? path.slice(1) : `${config.apiPrefix}${path}`;
      return service.app.inject({
        method,
        url,
        headers,
        ...(options.body === undefined ? {} : typeof options.body === 'string' ? { payload: options.body } : { payload: options.body as object }),
      });
    },
    async close() {
      await service.close();
      if (schema && ownSchema) await dropPgSchema(pgUrl!, schema);
    },
  };
}

export type Tokens = {
  admin: string;
  reseller: string;
  merchant: string;
  user: string;
  otherReseller: string;
  otherMerchant: string;
};

/** Tenants used across the API tests: res_1 (merchant mer_a) and res_2 (merchant mer_b). */
export async function issueTokens(t: TestService): Promise<Tokens> {
  const login = await t.api('POST', '/login', { body: ADMIN });
  if (login.statusCode !== 200) throw new Error(`admin login failed: ${login.body}`);
  const admin = login.json().access_token as string;
  const s2s = async (role: string, reseller_id: string, merchant_id?: string) => {
    const res = await t.api('POST', '/s2s-token', { token: admin, body: { name: `${role}-${reseller_id}`, role, reseller_id, merchant_id } });
    if (res.statusCode !== 201) throw new Error(`s2s token failed: ${res.body}`);
    return res.json().access_token as string;
  };
  return {
    admin,
    reseller: await s2s('reseller', 'res_1'),
    merchant: await s2s('merchant', 'res_1', 'mer_a'),
    user: await s2s('user', 'res_1', 'mer_a'),
    otherReseller: await s2s('reseller', 'res_2'),
    otherMerchant: await s2s('merchant', 'res_2', 'mer_b'),
  };
}

/** A small valid LLM template document (reference §12.4's example, with a payload schema). */
export function sampleTemplate(name = 'appointment-reminder', extra: Record<string, unknown> = {}) {
  return {
    name,
    flow: {
      initial_node: 'greeting',
      nodes: [
        {
          node_name: 'greeting',
          task_messages: [{ role: 'system', content: 'Greet {customer_name} and confirm the appointment on {appointment_date}.' }],
          functions: [
            {
              name: 'confirmed',
              description: 'The customer confirms',
              properties: {},
              required: [],
              transition_to: 'farewell',
              hooks: [{ name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'confirmed' } } }],
            },
            { name: 'rescheduled', description: 'The customer wants another time', properties: {}, required: [], transition_to: 'farewell' },
          ],
        },
        { node_name: 'farewell', task_messages: [{ role: 'system', content: 'Thank and say goodbye.' }], functions: [] },
      ],
    },
    expected_payload_schema: {
      type: 'object',
      properties: { customer_name: { type: 'string' }, appointment_date: { type: 'string' } },
      required: ['customer_name'],
    },
    secrets: { crm_token: 'sk-live-very-secret' },
    ...extra,
  };
}
