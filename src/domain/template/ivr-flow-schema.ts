/**
 * IVR mode (`flow.mode = "ivr"`, reference §15.6): a DTMF menu tree with no STT and no LLM.
 *
 *   flow: {
 *     mode: "ivr",
 *     initial_node: "menu",                       // first node entered
 *     nodes: [{
 *       node_name: "menu",                        // unique
 *       prompt: "Hi {customer_name}, press 1 to confirm order {order_id}, 2 to cancel.",
 *                                                 // spoken on entry and on every replay; {variables} allowed
 *       options: [                                // at most one per digit
 *         { digit: "1", outcome: "CONFIRMED", say: "Thank you, your order is confirmed." },
 *         { digit: "2", next: "cancel_menu" },
 *         { digit: "9", action: "repeat" }
 *       ],
 *       timeout: 5,                               // seconds to wait for a digit (default 5)
 *       max_retries: 2,                           // replays after no input before giving up (default 2)
 *       no_input_outcome: "NO_RESPONSE",          // outcome when retries run out (absent: BUSY, so the lead is retried)
 *       invalid_message: "Sorry, that is not a valid option."   // said before replaying on an unknown digit
 *     }],
 *     end_conversation_callbacks: [ ... ]         // as in LLM mode
 *   }
 *
 * An option: `digit` is "0"-"9", "*" or "#" (a number 0-9 is accepted and stored as a string).
 * When pressed, `say` is spoken first (if any), then:
 *   - `outcome` is recorded (agent_outcome_source = IVR), if given;
 *   - `next` moves to that node; or `action` does: "end" hangs up, "back" returns to the node we
 *     came from (replays the current node if there is none), "repeat" replays the prompt;
 *   - an option with an `outcome` but neither `next` nor `action` ends the call (the common
 *     "press 1 to confirm" case), so it needs no explicit `action: "end"`.
 * An option needs at least one of `next`, `outcome` or `action`; `next` and `action` exclude
 * each other. A node with no options is an announcement: its prompt is spoken and the call ends.
 * An invalid digit says `invalid_message` and replays the prompt without using up a retry.
 */
import { z } from 'zod';
import { endConversationCallbackSchema, nodeNameSchema } from './llm-flow-schema.ts';
import { addIssue } from './validation-issue.ts';

export const IVR_DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export type IvrDigit = (typeof IVR_DIGITS)[number];

export const IVR_ACTIONS = ['end', 'back', 'repeat'] as const;
export type IvrAction = (typeof IVR_ACTIONS)[number];

export const IVR_TIMEOUT_DEFAULT_S = 5;
export const IVR_MAX_RETRIES_DEFAULT = 2;

/** Outcomes are stored in a varchar(50) column (reference §11.2). */
const outcomeSchema = z.string().min(1).max(50);

const digitSchema = z.preprocess(
  (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 9 ? String(v) : v),
  z.enum(IVR_DIGITS, { error: 'digit must be one of 0-9, * or #' }),
);

export const ivrOptionSchema = z
  .strictObject({
    digit: digitSchema,
    next: nodeNameSchema.optional(),
    outcome: outcomeSchema.optional(),
    action: z.enum(IVR_ACTIONS).optional(),
    say: z.string().optional(),
  })
  .superRefine((option, ctx) => {
    if (option.next === undefined && option.outcome === undefined && option.action === undefined) {
      addIssue(ctx, [], 'empty_option', 'an option needs at least one of next, outcome or action');
    }
    if (option.next !== undefined && option.action !== undefined) {
      addIssue(ctx, ['action'], 'conflicting_option', 'give either next or action, not both');
    }
  });

export type IvrOption = z.output<typeof ivrOptionSchema>;

export const ivrNodeSchema = z
  .strictObject({
    node_name: nodeNameSchema,
    prompt: z.string().min(1),
    options: z.array(ivrOptionSchema).default([]),
    timeout: z.number().positive().max(60).default(IVR_TIMEOUT_DEFAULT_S),
    max_retries: z.int().min(0).max(10).default(IVR_MAX_RETRIES_DEFAULT),
    no_input_outcome: outcomeSchema.optional(),
    invalid_message: z.string().optional(),
  })
  .superRefine((node, ctx) => {
    const seen = new Map<string, number>();
    node.options.forEach((option, i) => {
      const first = seen.get(option.digit);
      if (first === undefined) seen.set(option.digit, i);
      else addIssue(ctx, ['options', i, 'digit'], 'duplicate_digit', `digit "${option.digit}" is already used by options[${first}]`);
    });
  });

export type IvrNode = z.output<typeof ivrNodeSchema>;

export const ivrFlowSchema = z.strictObject({
  mode: z.literal('ivr'),
  initial_node: nodeNameSchema,
  nodes: z.array(ivrNodeSchema).min(1, 'a flow needs at least one node'),
  end_conversation_callbacks: z.array(endConversationCallbackSchema).default([]),
});

export type IvrFlow = z.output<typeof ivrFlowSchema>;
