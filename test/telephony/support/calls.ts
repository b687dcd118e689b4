// Shared steps of the telephony end-to-end tests: an IVR template, a TELEPHONY_TEST lead, and
// placing its call the way the dispatcher does (startAttempt → CallPlacer.place → recordPlaced).
import { recordPlaced, startAttempt } from '../../../src/calls/attempts.ts';
import { findLeadById } from '../../../src/db/repos/leads.ts';
import type { ProviderName } from '../../../src/telephony/provider.ts';
import type { LiveService } from './live-service.ts';

export const OUR_NUMBER = { twilio: '+14155550100', plivo: '+14155550111', exotel: '+918047491899' } as const;

/** Press 1 to confirm, 2 to cancel: the order confirmation of reference §15.6. */
export function orderConfirmation(name = 'order-confirm', extra: Record<string, unknown> = {}) {
  return {
    name,
    flow: {
      mode: 'ivr',
      initial_node: 'menu',
      nodes: [
        {
          node_name: 'menu',
          prompt: 'Hello {customer_name}. Press 1 to confirm your order, 2 to cancel.',
          options: [
            { digit: '1', outcome: 'CONFIRMED', say: 'Thank you, your order is confirmed.' },
            { digit: '2', outcome: 'CANCELLED', say: 'Your order is cancelled.' },
          ],
          timeout: 5,
          max_retries: 1,
        },
      ],
    },
    ...extra,
  };
}

export type PlacedLead = { leadId: string; attemptId: string; callId: string };

export async function pushLead(t: LiveService, token: string, body: { request_id: string; template: string; to: string }): Promise<string> {
  const res = await t.api('POST', '/leads', {
    token,
    body: {
      request_id: body.request_id,
      template: body.template,
      execution_mode: 'TELEPHONY_TEST',
      reporting_webhook_url: 'https://hooks.example.com/buddy',
      payload: { customer_mobile_number: body.to, customer_name: 'Asha' },
    },
  });
  if (res.statusCode !== 201) throw new Error(`push failed: ${res.body}`);
  return res.json().lead_id as string;
}

/** What the dispatcher does for a due lead, minus the gates. */
export async function placeLead(t: LiveService, leadId: string, provider: ProviderName, to: string): Promise<PlacedLead> {
  const db = t.service.db.kysely;
  const attempt = await db.transaction().execute((trx) =>
    startAttempt(trx, { leadId, provider, isTest: true, toNumber: to, fromNumber: OUR_NUMBER[provider] }),
  );
  const lead = (await findLeadById(db, leadId))!;
  const { callId } = await t.service.telephony.placer.place({ lead, attempt, provider, from: OUR_NUMBER[provider], to, isTest: true });
  await recordPlaced(db, attempt.id, callId);
  return { leadId, attemptId: attempt.id, callId };
}

export async function readLead(t: LiveService, token: string, leadId: string) {
  const res = await t.api('GET', `/leads/${leadId}`, { token });
  if (res.statusCode !== 200) throw new Error(`read failed: ${res.body}`);
  return res.json();
}
