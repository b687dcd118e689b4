// Bodies of the webhooks Buddy sends. Key order is part of the contract:
// JSON.stringify keeps insertion order, and customers diff our bodies against
// the seed's examples (seed-webhooks.md), so each builder writes keys in the
// seed's order and nothing else.
//
// Reporting webhook (camelCase, as in the seed), success:
//   { orderId, leadId, callSid, outcome, status, attemptCount,
//     transcription: [{ role, content }], recordingUrl, completedAt }
// and failure (pre-check refusal, no answer, telephony error, ...):
//   { orderId, leadId, outcome, attemptCount, failureReason }
// `completedAt` is ISO 8601 UTC to the second ("2026-02-01T10:36:15Z"), like
// the seed. `recordingUrl` is null when nothing was recorded.
//
// Service callback (snake_case; the seed names it but shows no body, so this
// shape is ours and documented here and in the README):
//   {
//     lead_id: string,
//     order_id: string,
//     call_sid: string | null,          // null if the call never connected
//     outcome: string,
//     transcription: [{ role, content }],
//     node_traversal: [{ node_id, entered_at }],   // in visit order
//     collected_fields: { [name]: JSON value },
//     function_calls: [{ name, arguments, result, called_at }],
//     ended_by: 'assistant' | 'user' | 'system',
//     completed_at: string              // same format as completedAt
//   }

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type TranscriptTurn = { role: string; content: string };

export type ReportingSuccessInput = {
  orderId: string;
  leadId: string;
  callSid: string;
  outcome: string;
  status: string;
  attemptCount: number;
  transcription: readonly TranscriptTurn[];
  recordingUrl: string | null;
  completedAt: Date;
};

export type ReportingSuccessBody = {
  orderId: string;
  leadId: string;
  callSid: string;
  outcome: string;
  status: string;
  attemptCount: number;
  transcription: TranscriptTurn[];
  recordingUrl: string | null;
  completedAt: string;
};

export type ReportingFailureInput = {
  orderId: string;
  leadId: string;
  outcome: string;
  attemptCount: number;
  failureReason: string;
};

export type ReportingFailureBody = ReportingFailureInput;

export type NodeVisit = { nodeId: string; enteredAt: Date };

export type FunctionCallRecord = {
  name: string;
  arguments: Record<string, JsonValue>;
  result: JsonValue;
  calledAt: Date;
};

export type EndedBy = 'assistant' | 'user' | 'system';

export type ServiceCallbackInput = {
  leadId: string;
  orderId: string;
  callSid: string | null;
  outcome: string;
  transcription: readonly TranscriptTurn[];
  nodeTraversal: readonly NodeVisit[];
  collectedFields: Record<string, JsonValue>;
  functionCalls: readonly FunctionCallRecord[];
  endedBy: EndedBy;
  completedAt: Date;
};

export type ServiceCallbackBody = {
  lead_id: string;
  order_id: string;
  call_sid: string | null;
  outcome: string;
  transcription: TranscriptTurn[];
  node_traversal: { node_id: string; entered_at: string }[];
  collected_fields: Record<string, JsonValue>;
  function_calls: { name: string; arguments: Record<string, JsonValue>; result: JsonValue; called_at: string }[];
  ended_by: EndedBy;
  completed_at: string;
};

export function buildReportingSuccess(input: ReportingSuccessInput): ReportingSuccessBody {
  return {
    orderId: input.orderId,
    leadId: input.leadId,
    callSid: input.callSid,
    outcome: input.outcome,
    status: input.status,
    attemptCount: input.attemptCount,
    transcription: copyTranscript(input.transcription),
    recordingUrl: input.recordingUrl,
    completedAt: formatTimestamp(input.completedAt),
  };
}

export function buildReportingFailure(input: ReportingFailureInput): ReportingFailureBody {
  return {
    orderId: input.orderId,
    leadId: input.leadId,
    outcome: input.outcome,
    attemptCount: input.attemptCount,
    failureReason: input.failureReason,
  };
}

export function buildServiceCallback(input: ServiceCallbackInput): ServiceCallbackBody {
  return {
    lead_id: input.leadId,
    order_id: input.orderId,
    call_sid: input.callSid,
    outcome: input.outcome,
    transcription: copyTranscript(input.transcription),
    node_traversal: input.nodeTraversal.map((v) => ({ node_id: v.nodeId, entered_at: formatTimestamp(v.enteredAt) })),
    collected_fields: { ...input.collectedFields },
    function_calls: input.functionCalls.map((c) => ({
      name: c.name,
      arguments: c.arguments,
      result: c.result,
      called_at: formatTimestamp(c.calledAt),
    })),
    ended_by: input.endedBy,
    completed_at: formatTimestamp(input.completedAt),
  };
}

/** ISO 8601 UTC without milliseconds, matching the seed's "2026-02-01T10:36:15Z". */
export function formatTimestamp(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new Error('payload timestamp is an invalid Date');
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// Rebuild each turn so extra properties on the caller's objects (ids,
// timings) never leak into the customer-facing body.
function copyTranscript(turns: readonly TranscriptTurn[]): TranscriptTurn[] {
  return turns.map((t) => ({ role: t.role, content: t.content }));
}
