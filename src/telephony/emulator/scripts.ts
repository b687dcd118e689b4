/**
 * Scripted callers: what the person at the other end of an emulated call does. A script is
 * chosen per destination number (the customer of an outbound call, or per inbound call), so a
 * test or a demo decides each call's fate by the number it dials.
 *
 *   answer          answer | no-answer | busy | failed          (default answer)
 *   inputs          one reply per gather, in order: {digits}, {speech} or {silence: true}
 *   hangupAfterTurns the caller hangs up instead of answering gather number N+1
 *   afterInputs     at a gather once inputs run out: hangup (default) or silence
 *   dialAnswers     a number the call dials (redirect, transfer) answers (default true)
 *   secondsPerTurn  length of each exchange, for the durations reported (default 4)
 */
import { z } from 'zod';

const inputSchema = z.union([
  z.strictObject({ digits: z.string().regex(/^[0-9*#]{1,32}$/) }),
  z.strictObject({ speech: z.string().min(1).max(1000) }),
  z.strictObject({ silence: z.literal(true) }),
]);

export const callerScriptSchema = z.strictObject({
  answer: z.enum(['answer', 'no-answer', 'busy', 'failed']).default('answer'),
  inputs: z.array(inputSchema).max(100).default([]),
  hangupAfterTurns: z.number().int().min(0).max(100).optional(),
  afterInputs: z.enum(['hangup', 'silence']).default('hangup'),
  dialAnswers: z.boolean().default(true),
  secondsPerTurn: z.number().int().min(1).max(600).default(4),
});

export type CallerInput = z.output<typeof inputSchema>;
export type CallerScript = z.output<typeof callerScriptSchema>;
export type CallerScriptInput = z.input<typeof callerScriptSchema>;

/** For demos: answer, press 1 at the first menu, then hang up when asked anything else. */
export const DEFAULT_SCRIPT: CallerScript = callerScriptSchema.parse({ inputs: [{ digits: '1' }] });

/** E.164 with a '+', whatever the provider's spelling (Plivo drops the '+'). */
export function normalizeNumber(raw: string): string {
  const digits = raw.replace(/[^\d]/g, '');
  return digits === '' ? raw : `+${digits}`;
}

export class ScriptRegistry {
  private readonly byNumber = new Map<string, CallerScript>();
  private fallback: CallerScript = DEFAULT_SCRIPT;

  set(number: string, script: CallerScriptInput): CallerScript {
    const parsed = callerScriptSchema.parse(script);
    this.byNumber.set(normalizeNumber(number), parsed);
    return parsed;
  }

  delete(number: string): boolean {
    return this.byNumber.delete(normalizeNumber(number));
  }

  setDefault(script: CallerScriptInput): CallerScript {
    this.fallback = callerScriptSchema.parse(script);
    return this.fallback;
  }

  /** The script set for this number, without falling back to the default. */
  find(number: string): CallerScript | undefined {
    return this.byNumber.get(normalizeNumber(number));
  }

  get(number: string): CallerScript {
    return this.byNumber.get(normalizeNumber(number)) ?? this.fallback;
  }

  list(): { default: CallerScript; numbers: Record<string, CallerScript> } {
    return { default: this.fallback, numbers: Object.fromEntries(this.byNumber) };
  }

  clear(): void {
    this.byNumber.clear();
    this.fallback = DEFAULT_SCRIPT;
  }
}
