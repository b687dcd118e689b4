/**
 * A lead is one call request. Its life:
 *
 *   BACKLOG ──claimed by the dispatcher──▶ PROCESSING ──call ends──▶ FINISHED
 *      │  ▲                                    │
 *      │  └──── attempt ended NO_ANSWER/BUSY, retries left: back to BACKLOG, attempt_count+1
 *      └──── cancel, or a gate refuses (NO_CONFIG, BLACKLISTED, …) ──▶ FINISHED
 *
 * FINISHED is terminal; `outcome` says what happened. `RETRY` from the reference is accepted as
 * a filter value but never written (the reference never writes it either, §4.2).
 */
export const LEAD_STATUSES = ['BACKLOG', 'PROCESSING', 'FINISHED'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const EXECUTION_MODES = ['TELEPHONY', 'TELEPHONY_TEST', 'DAILY', 'DAILY_TEST', 'DAILY_STREAM'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export type TranscriptEntry = { role: string; content: string };

/** `metaData` of a lead: what the call produced, beyond the outcome columns. */
export type LeadMetaData = {
  transcription: TranscriptEntry[];
  node_traversal: string[];
  call_ended_by: 'agent' | 'customer' | 'timeout' | 'error' | null;
  errors: { at: string; message: string; source?: string }[];
  pre_check_results: unknown[];
  [key: string]: unknown;
};

export function emptyMetaData(): LeadMetaData {
  return { transcription: [], node_traversal: [], call_ended_by: null, errors: [], pre_check_results: [] };
}
