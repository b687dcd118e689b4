/**
 * IVR mode (`flow.mode = "ivr"`, reference §15.6): a DTMF menu tree, no STT and no LLM.
 * The option semantics are documented with the schema (src/domain/template/ivr-flow-schema.ts).
 *
 *   enter node ──prompt──▶ wait for a digit (node.timeout)
 *      digit of an option   say, record outcome, then next node / end / back / repeat
 *      unknown digit        invalid_message, replay the prompt; the retries are not used up
 *      no input             replay while retries remain (node.max_retries), then end
 *                           IVR_NO_INPUT with node.no_input_outcome, or BUSY without one
 *
 * Several digits in one gather result are taken in order (type-ahead through nested menus).
 * Every digit is logged in `dtmf_inputs` and the transcription gets "Pressed N" lines. A call
 * that enters nodes or replays prompts more than MAX_STEPS times ends IVR_LOOP_GUARD.
 */
import { IVR_TIMEOUT_DEFAULT_S, type IvrFlow, type IvrNode } from '../../domain/template/index.ts';
import type { TurnContext } from '../turn-context.ts';
import type { GatherStep, TurnInput } from '../turn.ts';

export const MAX_STEPS = 100;
const SPOKEN_DIGIT = /^[0-9*#]$/;

function ivrFlowOf(turn: TurnContext): IvrFlow {
  const flow = turn.flow;
  if (flow.mode !== 'ivr') throw new Error(`the IVR driver cannot run a ${flow.mode} flow`);
  return flow;
}

function currentNode(turn: TurnContext): IvrNode | undefined {
  return ivrFlowOf(turn).nodes.find((n) => n.node_name === turn.state.node);
}

function step(turn: TurnContext): boolean {
  turn.state.steps++;
  if (turn.state.steps <= MAX_STEPS) return true;
  turn.error(`more than ${MAX_STEPS} menu steps`, 'ivr');
  turn.end('IVR_LOOP_GUARD', 'error');
  return false;
}

function enter(turn: TurnContext, name: string): void {
  if (!step(turn)) return;
  const node = ivrFlowOf(turn).nodes.find((n) => n.node_name === name);
  if (!node) {
    turn.error(`no node named "${name}"`, 'ivr');
    turn.end('IVR_NODE_MISSING', 'error');
    return;
  }
  turn.visit(name);
  turn.state.silent_turns = 0;
  turn.speak(turn.text(node.prompt));
  // A node without options is an announcement: once said, the call is over.
  if (node.options.length === 0) turn.end('IVR_ENDED', 'agent');
}

function replay(turn: TurnContext, node: IvrNode): void {
  if (step(turn)) turn.speak(turn.text(node.prompt));
}

function press(turn: TurnContext, node: IvrNode, digit: string): void {
  turn.state.dtmf_inputs.push({ node: node.node_name, digits: digit, at: turn.at() });
  turn.heard(`Pressed ${digit}`);
  const option = node.options.find((o) => o.digit === digit);
  if (!option) {
    if (node.invalid_message) turn.speak(turn.text(node.invalid_message));
    replay(turn, node);
    return;
  }
  if (option.say) turn.speak(turn.text(option.say));
  if (option.outcome) {
    turn.state.agent_outcome = option.outcome;
    turn.state.agent_outcome_source = 'IVR';
  }
  if (option.next) {
    turn.state.back_stack.push(node.node_name);
    enter(turn, option.next);
    return;
  }
  switch (option.action) {
    case 'back':
      enter(turn, turn.state.back_stack.pop() ?? node.node_name);
      return;
    case 'repeat':
      replay(turn, node);
      return;
    case 'end':
    case undefined:
      turn.end('IVR_ENDED', 'agent');
  }
}

function noInput(turn: TurnContext, node: IvrNode): void {
  turn.state.silent_turns++;
  if (turn.state.silent_turns <= node.max_retries) {
    replay(turn, node);
    return;
  }
  if (node.no_input_outcome) {
    turn.state.agent_outcome = node.no_input_outcome;
    turn.state.agent_outcome_source = 'IVR';
  }
  turn.end('IVR_NO_INPUT', 'timeout');
}

export const ivrDriver = {
  async begin(turn: TurnContext): Promise<void> {
    const greeting = turn.configurations.initial_greeting;
    if (greeting) turn.speak(turn.text(greeting));
    enter(turn, ivrFlowOf(turn).initial_node);
  },

  async respond(turn: TurnContext, input: TurnInput): Promise<void> {
    const node = currentNode(turn);
    if (!node) {
      turn.error(`no node named "${turn.state.node}"`, 'ivr');
      turn.end('IVR_NODE_MISSING', 'error');
      return;
    }
    if (input.kind === 'no_input') return noInput(turn, node);
    // No speech recognition in IVR mode: a transcript that is a single key counts as that key,
    // any other speech as silence.
    const digits = input.kind === 'dtmf' ? input.digits.replace(/\s+/g, '') : SPOKEN_DIGIT.test(input.text.trim()) ? input.text.trim() : '';
    if (digits === '') return noInput(turn, node);
    for (const digit of digits) {
      const at = currentNode(turn);
      if (turn.ended || !at) break;
      press(turn, at, digit);
    }
  },

  gather(turn: TurnContext): GatherStep {
    const timeout = currentNode(turn)?.timeout ?? IVR_TIMEOUT_DEFAULT_S;
    return { kind: 'gather', input: ['dtmf'], timeoutSeconds: timeout, numDigits: 1 };
  },
};
