// Template documents the conversation tests run, built around a local receiver's URL.

export const CRM_TOKEN = 'sk-crm-secret-value';

/** An appointment reminder: greeting → confirm (hooks, HTTP hook) → farewell (ends). */
export function reminderTemplate(name: string, receiverUrl: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    configurations: { initial_greeting: 'Hello {customer_name}, this is Buddy from the clinic.' },
    secrets: { crm_token: CRM_TOKEN },
    flow: {
      initial_node: 'greeting',
      nodes: [
        {
          node_name: 'greeting',
          role_messages: [{ role: 'system', content: 'You are Buddy, a warm clinic assistant.' }],
          task_messages: [{ role: 'system', content: 'Confirm the appointment on {appointment_date} with {customer_name}.' }],
          functions: [
            {
              name: 'confirm',
              description: 'The customer confirms the appointment',
              properties: { preferred_time: { type: 'string' } },
              required: ['preferred_time'],
              transition_to: 'farewell',
              hooks: [
                {
                  name: 'update_outcome_in_database',
                  expected_fields: { outcome: { source: 'static', value: 'confirmed' }, preferred_time: { source: 'llm' } },
                },
                {
                  name: 'update_crm',
                  http_request: {
                    url: `${receiverUrl}/crm/{lead_id}`,
                    method: 'POST',
                    headers: { Authorization: 'Bearer {crm_token}' },
                    body: { lead_id: '{lead_id}', outcome: '{outcome}', attempt: '{attempt_count}', time: '{preferred_time}', note: 'order {order_id}' },
                  },
                },
              ],
            },
          ],
        },
        {
          node_name: 'farewell',
          task_messages: [{ role: 'system', content: 'Thank {customer_name} and say goodbye.' }],
          post_actions: [{ type: 'end_conversation' }],
        },
      ],
      end_conversation_callbacks: [
        { http_request: { url: `${receiverUrl}/done?lead={lead_id}&outcome={outcome}`, headers: { 'x-token': '{crm_token}' } } },
      ],
    },
    ...extra,
  };
}

/** The IVR order confirmation of the README: confirm, or cancel with a reason, with back-navigation. */
export function orderConfirmationTemplate(name: string) {
  return {
    name,
    flow: {
      mode: 'ivr',
      initial_node: 'menu',
      nodes: [
        {
          node_name: 'menu',
          prompt: 'Hello {customer_name}. Press 1 to confirm your order {order_ref}, or 2 to cancel it.',
          options: [
            { digit: '1', outcome: 'CONFIRMED', say: 'Thank you, your order is confirmed.' },
            { digit: '2', next: 'cancel_menu' },
          ],
          timeout: 6,
          max_retries: 1,
          invalid_message: 'Sorry, that is not a valid option.',
        },
        {
          node_name: 'cancel_menu',
          prompt: 'Press 1 if the price was too high, 2 for any other reason, or star to go back.',
          options: [
            { digit: '1', outcome: 'CANCELLED_PRICE', say: 'Your order is cancelled.' },
            { digit: '2', outcome: 'CANCELLED', say: 'Your order is cancelled.' },
            { digit: '*', action: 'back' },
          ],
        },
      ],
    },
  };
}
