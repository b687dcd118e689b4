import { describe, expect, it } from 'vitest';
import { buildReportingFailure, buildReportingSuccess, buildServiceCallback, formatTimestamp } from '../../src/delivery/payloads.ts';

// Verbatim from seed-webhooks.md, "reporting-webhook-success.json".
const SEED_SUCCESS = `{
  "orderId": "req_unique_001",
  "leadId": "2b4e3e4a-9c5e-4b6a-ae7f-3d8e2c1a5b77",
  "callSid": "CA1234567890abcdef",
  "outcome": "confirmed",
  "status": "FINISHED",
  "attemptCount": 1,
  "transcription": [
    { "role": "assistant", "content": "Hello Rahul..." },
    { "role": "user", "content": "Yes, that works." }
  ],
  "recordingUrl": "https://storage/.../recording.mp3",
  "completedAt": "2026-02-01T10:36:15Z"
}`;

// Verbatim from seed-webhooks.md, "reporting-webhook-failure.json".
const SEED_FAILURE = `{
  "orderId": "req_unique_001",
  "leadId": "2b4e3e4a-9c5e-4b6a-ae7f-3d8e2c1a5b77",
  "outcome": "PRECHECK_FAILED",
  "attemptCount": 1,
  "failureReason": "DND Check returned blocked=true"
}`;

// Compare serialised text so key order is checked too, not just deep equality.
const canonical = (json: string) => JSON.stringify(JSON.parse(json));

describe('reporting webhook bodies', () => {
  it('builds the seed success body exactly, key order included', () => {
    const body = buildReportingSuccess({
      orderId: 'req_unique_001',
      leadId: '2b4e3e4a-9c5e-4b6a-ae7f-3d8e2c1a5b77',
      callSid: 'CA1234567890abcdef',
      outcome: 'confirmed',
      status: 'FINISHED',
      attemptCount: 1,
      transcription: [
        { role: 'assistant', content: 'Hello Rahul...' },
        { role: 'user', content: 'Yes, that works.' },
      ],
      recordingUrl: 'https://storage/.../recording.mp3',
      completedAt: new Date('2026-02-01T10:36:15.482Z'),
    });
    expect(JSON.stringify(body)).toBe(canonical(SEED_SUCCESS));
  });

  it('builds the seed failure body exactly, key order included', () => {
    const body = buildReportingFailure({
      orderId: 'req_unique_001',
      leadId: '2b4e3e4a-9c5e-4b6a-ae7f-3d8e2c1a5b77',
      outcome: 'PRECHECK_FAILED',
      attemptCount: 1,
      failureReason: 'DND Check returned blocked=true',
    });
    expect(JSON.stringify(body)).toBe(canonical(SEED_FAILURE));
  });

  it('does not leak extra properties from the inputs', () => {
    const turn = { role: 'user', content: 'hi', internalId: 'turn_1' };
    const input = {
      orderId: 'o',
      leadId: 'l',
      outcome: 'NO_ANSWER',
      attemptCount: 2,
      failureReason: 'no answer',
      tenantId: 'ten_1',
    };
    expect(Object.keys(buildReportingFailure(input))).toEqual(['orderId', 'leadId', 'outcome', 'attemptCount', 'failureReason']);
    const success = buildReportingSuccess({
      orderId: 'o', leadId: 'l', callSid: 'CA1', outcome: 'ok', status: 'FINISHED', attemptCount: 1,
      transcription: [turn], recordingUrl: null, completedAt: new Date(0),
    });
    expect(success.transcription).toEqual([{ role: 'user', content: 'hi' }]);
    expect(success.recordingUrl).toBeNull();
  });

  it('formats timestamps as ISO 8601 UTC to the second', () => {
    expect(formatTimestamp(new Date('2026-02-01T10:36:15.999Z'))).toBe('2026-02-01T10:36:15Z');
    expect(() => formatTimestamp(new Date(Number.NaN))).toThrow(/invalid Date/);
  });
});

describe('service callback body', () => {
  it('uses snake_case keys in the documented order', () => {
    const body = buildServiceCallback({
      leadId: '2b4e3e4a-9c5e-4b6a-ae7f-3d8e2c1a5b77',
      orderId: 'req_unique_001',
      callSid: 'CA1234567890abcdef',
      outcome: 'confirmed',
      transcription: [{ role: 'assistant', content: 'Hello Rahul...' }],
      nodeTraversal: [
        { nodeId: 'greeting', enteredAt: new Date('2026-02-01T10:35:01Z') },
        { nodeId: 'end_conversation', enteredAt: new Date('2026-02-01T10:36:14Z') },
      ],
      collectedFields: { delivery_slot: 'morning', confirmed: true },
      functionCalls: [
        { name: 'update_crm', arguments: { outcome: 'confirmed' }, result: { ok: true }, calledAt: new Date('2026-02-01T10:36:10Z') },
      ],
      endedBy: 'assistant',
      completedAt: new Date('2026-02-01T10:36:15Z'),
    });
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        lead_id: '2b4e3e4a-9c5e-4b6a-ae7f-3d8e2c1a5b77',
        order_id: 'req_unique_001',
        call_sid: 'CA1234567890abcdef',
        outcome: 'confirmed',
        transcription: [{ role: 'assistant', content: 'Hello Rahul...' }],
        node_traversal: [
          { node_id: 'greeting', entered_at: '2026-02-01T10:35:01Z' },
          { node_id: 'end_conversation', entered_at: '2026-02-01T10:36:14Z' },
        ],
        collected_fields: { delivery_slot: 'morning', confirmed: true },
        function_calls: [{ name: 'update_crm', arguments: { outcome: 'confirmed' }, result: { ok: true }, called_at: '2026-02-01T10:36:10Z' }],
        ended_by: 'assistant',
        completed_at: '2026-02-01T10:36:15Z',
      }),
    );
  });
});
