/**
 * What the provider routes need from the conversation engine (src/conversation): start a
 * conversation when a call is answered, feed it each gathered input, and, when the call has
 * ended, read what it produced. The routes turn each TurnOutput into the provider's answer
 * document; the engine never sees TwiML or Plivo XML.
 */
import type { ConversationRunner as EngineRunner } from '../conversation/runner.ts';

export type { TurnInput, TurnOutput } from '../conversation/turn.ts';
export type { ConversationReport } from '../conversation/state.ts';

export type ConversationRunner = Pick<EngineRunner, 'begin' | 'respond' | 'summarize'>;
