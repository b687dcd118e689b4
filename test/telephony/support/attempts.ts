// Leads and open attempts bound to a provider call id, for replaying provider callbacks.
import { randomBytes, randomUUID } from 'node:crypto';
import { findAttempt, recordPlaced, startAttempt } from '../../../src/calls/attempts.ts';
import type { ProviderName } from '../../../src/telephony/provider.ts';
import type { TestService, Tokens } from '../../support/service.ts';
import { orderConfirmation } from './calls.ts';

export type CallIds = { callId: string; requestId: string };

/** Fresh ids in each provider's shape (Plivo: the request_uuid placeCall returns, then the CallUUID). */
export function freshIds(provider: ProviderName): CallIds {
  if (provider === 'twilio') return { callId: `CA${randomBytes(16).toString('hex')}`, requestId: '' };
  if (provider === 'plivo') return { callId: randomUUID(), requestId: randomUUID() };
  return { callId: randomBytes(16).toString('hex'), requestId: '' };
}

export async function setUpTemplate(t: TestService, tokens: Tokens, name = 'order-confirm'): Promise<string> {
  const res = await t.api('POST', '/templates', { token: tokens.merchant, body: orderConfirmation(name) });
  if (res.statusCode !== 201) throw new Error(res.body);
  await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: res.json().id, max_retry: 0 } });
  return res.json().id as string;
}

/** A lead whose attempt was placed with `provider` and bound to the id placeCall returned. */
export async function openAttempt(t: TestService, tokens: Tokens, provider: ProviderName, ids: CallIds, template = 'order-confirm') {
  const lead = await t.api('POST', '/leads', {
    token: tokens.merchant,
    body: {
      request_id: `req-${randomUUID()}`,
      template,
      reporting_webhook_url: 'https://hooks.example.com/buddy',
      payload: { customer_mobile_number: '+14155551234', customer_name: 'Asha' },
    },
  });
  const leadId = lead.json().lead_id as string;
  const db = t.service.db.kysely;
  const attempt = await db.transaction().execute((trx) => startAttempt(trx, { leadId, provider, isTest: false, toNumber: '+14155551234' }));
  await recordPlaced(db, attempt.id, provider === 'plivo' ? ids.requestId : ids.callId);
  return { leadId, attemptId: attempt.id, attempt: () => findAttempt(db, attempt.id).then((a) => a!) };
}

export async function messagesOf(t: TestService, leadId: string) {
  return t.service.db.kysely.selectFrom('webhook_messages').selectAll().where('lead_id', '=', leadId).execute();
}
