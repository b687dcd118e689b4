// Shared pieces of the warm-transfer tests: an LLM template whose function hands the caller to
// a human (reference §16), and reading what a finished call left behind.
import type { LiveService } from '../telephony/support/live-service.ts';

export const AGENT_CONTEXT_KEY = 'agent_number';

/** transfer_to_agent: outcome + set_transfer_flag (target from `context`) + warm_transfer; finish: the AI ends the call. */
export function transferTemplate(name: string, targetKey = AGENT_CONTEXT_KEY, extra: Record<string, unknown> = {}) {
  return {
    name,
    configurations: { initial_greeting: 'Hello {customer_name}, this is Buddy.' },
    flow: {
      initial_node: 'main',
      nodes: [
        {
          node_name: 'main',
          task_messages: [{ role: 'system', content: 'Help {customer_name}. Transfer to a human when asked.' }],
          functions: [
            {
              function_name: 'transfer_to_agent',
              description: 'Call this when the customer explicitly asks to speak to a human or manager',
              properties: {},
              required: [],
              hooks: [
                { name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'TRANSFERRED_TO_AGENT' } } },
                { name: 'set_transfer_flag', expected_fields: { transfer_number: { source: 'context', value: targetKey } } },
              ],
              post_actions: [{ type: 'function', handler: 'warm_transfer' }],
            },
            {
              name: 'finish',
              description: 'The customer needs nothing more',
              properties: {},
              required: [],
              hooks: [{ name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'RESOLVED' } } }],
              post_actions: [{ type: 'end_conversation' }],
            },
          ],
        },
      ],
    },
    ...extra,
  };
}

/** A TELEPHONY_TEST lead of `template` whose payload names the agent (or not). */
export async function pushTransferLead(t: LiveService, token: string, body: { request_id: string; template: string; to: string; agent?: string }) {
  const res = await t.api('POST', '/leads', {
    token,
    body: {
      request_id: body.request_id,
      template: body.template,
      execution_mode: 'TELEPHONY_TEST',
      reporting_webhook_url: 'https://hooks.example.com/buddy',
      payload: { customer_mobile_number: body.to, customer_name: 'Asha', ...(body.agent ? { [AGENT_CONTEXT_KEY]: body.agent } : {}) },
    },
  });
  if (res.statusCode !== 201) throw new Error(`push failed: ${res.body}`);
  return res.json().lead_id as string;
}

/** The reporting webhook queued in the outbox for a lead. */
export async function reportingWebhook(t: LiveService, leadId: string): Promise<Record<string, unknown> | undefined> {
  const row = await t.service.db.kysely
    .selectFrom('webhook_messages')
    .select('body')
    .where('lead_id', '=', leadId)
    .where('kind', '=', 'reporting')
    .executeTakeFirst();
  return row ? (JSON.parse(row.body) as Record<string, unknown>) : undefined;
}

/** Waits until the lead's attempt has finished (the final status callback may trail the emulator). */
export async function waitFinished(t: LiveService, leadId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const lead = await t.service.db.kysely.selectFrom('leads').select('status').where('id', '=', leadId).executeTakeFirst();
    if (lead?.status === 'FINISHED' || lead?.status === 'BACKLOG') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`lead ${leadId} did not finish`);
}
