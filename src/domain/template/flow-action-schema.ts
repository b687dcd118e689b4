import { z } from 'zod';

/**
 * Built-in action handlers. `end_conversation` ends the call, `warm_transfer` hands it to the
 * number stored by the `set_transfer_flag` hook, `mute_stt` / `unmute_stt` stop and resume
 * listening (e.g. during a disclaimer; `args.duration` in seconds bounds the mute).
 */
export const ACTION_HANDLERS = ['end_conversation', 'warm_transfer', 'mute_stt', 'unmute_stt'] as const;
export type ActionHandler = (typeof ACTION_HANDLERS)[number];

const handlerSchema = z.enum(ACTION_HANDLERS, {
  error: (iss) => `unknown action handler ${JSON.stringify(iss.input)}; known handlers: ${ACTION_HANDLERS.join(', ')}`,
});

/** `pre_actions` / `post_actions` entries: `{type:"function", handler, args?}` or `{type:"end_conversation"}`. */
export const flowActionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('function'),
    handler: handlerSchema,
    args: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({ type: z.literal('end_conversation') }),
]);

export type FlowAction = z.output<typeof flowActionSchema>;
