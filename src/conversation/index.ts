/**
 * The conversation engine (issue 5): template flows driven by an LLM (function calling) or a
 * DTMF menu (IVR), independent of how the audio travels. Transports call the runner:
 *
 *   const runner = createConversationRunner({ db, config, logger });
 *   await runner.begin(attemptId)          // call answered  → TurnOutput
 *   await runner.respond(attemptId, input) // a caller turn  → TurnOutput
 *   await runner.summarize(attemptId)      // call over      → ConversationReport for finishAttempt
 */
export { createConversationRunner, ConversationNotFoundError, type ConversationRunner, type ConversationRunnerDeps } from './runner.ts';
export type { TurnInput, TurnOutput, NextStep, GatherStep } from './turn.ts';
export type { ConversationReport, ConversationState } from './state.ts';
export { runTestConversation, type ScriptedTurn, type TestConversationRequest, type TestConversationResult } from './test-conversation.ts';
export { guardedPort, trustedPort } from './http-port.ts';
