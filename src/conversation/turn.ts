/**
 * The transport contract: what a caller did in one turn, and what the call does next.
 * Transports (the provider's say/gather loop, later a media stream) translate these to their
 * own documents; the engine never sees TwiML or Plivo XML.
 */
export type TurnInput = { kind: 'speech'; text: string } | { kind: 'dtmf'; digits: string } | { kind: 'no_input' };

export type GatherStep = { kind: 'gather'; input: ('dtmf' | 'speech')[]; timeoutSeconds: number; numDigits?: number };

export type NextStep = GatherStep | { kind: 'hangup' } | { kind: 'transfer'; number: string };

/** `say` is spoken in order, then `next` happens. */
export type TurnOutput = { say: string[]; next: NextStep };

export const hangupOutput = (): TurnOutput => ({ say: [], next: { kind: 'hangup' } });
