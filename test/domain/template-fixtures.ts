/** Templates from the reference docs (§12.3, §12.4, §16, seed webhooks page) and an IVR example. */

/** §12.4: the minimal "raw view" example. */
export function minimalTemplate(): Record<string, unknown> {
  return {
    name: 'appointment-reminder',
    flow: {
      initial_node: 'greeting',
      nodes: [
        {
          node_name: 'greeting',
          task_messages: [{ role: 'system', content: 'Greet the customer and confirm their appointment on {appointment_date}.' }],
          functions: [
            { name: 'confirmed', transition_to: 'farewell' },
            { name: 'rescheduled', transition_to: 'farewell' },
          ],
        },
        { node_name: 'farewell', task_messages: [{ role: 'system', content: 'Thank and say goodbye.' }] },
      ],
    },
  };
}

/** §12.2/§12.3/§16 and the seed's hook example, combined into one three-node flow. */
export function fullLlmTemplate(): Record<string, unknown> {
  return {
    name: 'appointment-reminder-v1',
    flow: {
      mode: 'llm',
      initial_node: 'greeting',
      nodes: [
        {
          node_name: 'greeting',
          task_messages: [
            {
              role: 'system',
              content: 'You are calling {customer_name} about their appointment on {appointment_date} with {doctor_name}.',
            },
          ],
          role_messages: [{ role: 'system', content: 'Speak in a warm, conversational Indian English tone.' }],
          pre_actions: [{ type: 'function', handler: 'mute_stt', args: { duration: 2 } }],
          functions: [
            {
              name: 'wants_to_reschedule',
              description: 'Customer indicates they cannot make the current appointment and wants to find a new time',
              properties: {},
              required: [],
              transition_to: 'reschedule_node',
              hooks: [
                { name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'reschedule_requested' } } },
              ],
            },
            {
              name: 'confirmed',
              description: 'Customer confirms the appointment',
              transition_to: 'farewell',
              hooks: [
                {
                  name: 'update_crm',
                  http_request: {
                    url: 'https://your-crm.com/api/update',
                    method: 'POST',
                    headers: { Authorization: 'Bearer {crm_token}' },
                    body: { lead_id: '{lead_id}', outcome: '{outcome}' },
                  },
                },
              ],
            },
            {
              function_name: 'transfer_to_agent',
              description: 'Call this when the customer explicitly asks to speak to a human or manager',
              properties: {},
              required: [],
              hooks: [
                { name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'TRANSFERRED_TO_AGENT' } } },
                {
                  name: 'set_transfer_flag',
                  expected_fields: { transfer_number: { source: 'context', value: 'custom_agent_transfer_number' } },
                },
              ],
              post_actions: [{ type: 'function', handler: 'warm_transfer' }],
            },
          ],
        },
        {
          node_name: 'reschedule_node',
          task_messages: [{ role: 'system', content: 'Ask for a new date and their email.' }],
          functions: [
            {
              name: 'collect_email',
              description: 'The customer gave their email address and a new address',
              properties: { email: { type: 'string', format: 'email' }, address: { type: 'string' } },
              required: ['email'],
              transition_to: 'farewell',
              hooks: [
                {
                  name: 'update_outcome_in_database',
                  expected_fields: {
                    outcome: { source: 'static', value: 'rescheduled' },
                    email: { source: 'llm' },
                    updatedAddress: { source: 'llm', value: 'address' },
                  },
                },
              ],
            },
          ],
        },
        {
          node_name: 'farewell',
          task_messages: [{ role: 'system', content: 'Thank and say goodbye.' }],
          post_actions: [{ type: 'end_conversation' }],
        },
      ],
      global_functions: [
        {
          name: 'lookup_order',
          description: 'Look up the order status',
          properties: { order_id: { type: 'string' } },
          required: ['order_id'],
          http_request: {
            url: 'https://shop.example.com/orders/{order_id}',
            method: 'get',
            headers: { 'X-Api-Key': '{api_token}' },
            query_params: { verbose: true },
            timeout: 5,
          },
        },
      ],
      end_conversation_callbacks: [
        { name: 'service_callback', http_request: { url: '{webhook_url}', body: { lead_id: '{lead_id}', outcome: '{outcome}' } } },
      ],
    },
    expected_payload_schema: {
      type: 'object',
      properties: {
        customer_name: { type: 'string' },
        customer_mobile_number: { type: 'string' },
        appointment_date: { type: 'string', format: 'date' },
      },
      required: ['customer_name', 'customer_mobile_number'],
    },
    configurations: {
      initial_greeting: 'Hello {customer_name}!',
      transfer_number: '+919876543210',
      user_idle_configuration: { enabled: true, timeout: 5, max_retries: 3, idle_message: 'Are you still there?' },
      llm_configurations: { base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', api_key: '{openai_key}', temperature: 0.3 },
      tts_configuration: { provider: 'elevenlabs', voice_id: 'pFZP5JQG7iQjIQuC4Bku' },
      enable_inbound: false,
      ivr_priority: 1,
    },
    secrets: { crm_token: 'tok_123', api_token: 'secret-api', webhook_url: 'https://hooks.example.com/done' },
    expected_callback_response_schema: { type: 'object', properties: { status: { type: 'string' } } },
    outbound_number_id: null,
  };
}

/** IVR order confirmation: confirm, cancel (with a confirmation sub-menu and back), repeat. */
export function ivrOrderConfirmationTemplate(): Record<string, unknown> {
  return {
    name: 'order-confirmation-ivr',
    flow: {
      mode: 'ivr',
      initial_node: 'main_menu',
      nodes: [
        {
          node_name: 'main_menu',
          prompt: 'Hello {customer_name}. Your order {order_id} of {amount} rupees is ready to ship. Press 1 to confirm, 2 to cancel, or 9 to hear this again.',
          options: [
            { digit: '1', outcome: 'CONFIRMED', say: 'Thank you, your order is confirmed.' },
            { digit: '2', next: 'cancel_menu' },
            { digit: 9, action: 'repeat' },
          ],
          timeout: 6,
          max_retries: 2,
          no_input_outcome: 'NO_RESPONSE',
          invalid_message: 'Sorry, that is not a valid option.',
        },
        {
          node_name: 'cancel_menu',
          prompt: 'Press 1 to confirm the cancellation, or star to go back.',
          options: [
            { digit: '1', outcome: 'CANCELLED', next: 'cancelled' },
            { digit: '*', action: 'back' },
          ],
        },
        { node_name: 'cancelled', prompt: 'Your order has been cancelled. Goodbye.' },
      ],
    },
    expected_payload_schema: {
      type: 'object',
      properties: { order_id: { type: 'string' }, amount: { type: 'number' } },
      required: ['order_id'],
    },
  };
}
