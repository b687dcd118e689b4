/**
 * Built-in flow actions (node `pre_actions` / `post_actions`, function `post_actions`):
 *   end_conversation  the agent ends the call (AGENT_ENDED) once what it said has been spoken;
 *   warm_transfer     the call goes to the number stored by `set_transfer_flag` (or the
 *                     template's `transfer_number`): the session ends TRANSFERRED and the turn's
 *                     next step is `transfer`; bridging the call is the transport's job. With no
 *                     number the AI carries on and the function answers `agent_not_assigned`
 *                     (reference §16);
 *   mute_stt, unmute_stt  no-ops in the say/gather loop, which listens only when it gathers.
 */
import type { FlowAction } from '../../domain/template/index.ts';
import type { TurnContext } from '../turn-context.ts';

export const AGENT_NOT_ASSIGNED = {
  status: 'failed',
  reason: 'agent_not_assigned',
  message: 'No support agents are available at this moment. Continuing with AI assistant.',
} as const;

export type ActionsResult = { transferFailed?: typeof AGENT_NOT_ASSIGNED };

function transferTarget(turn: TurnContext): string | null {
  if (turn.state.transfer_number) return turn.state.transfer_number;
  const configured = turn.configurations.transfer_number;
  if (!configured) return null;
  const number = turn.text(configured).trim();
  return number === '' ? null : number;
}

export function runActions(turn: TurnContext, actions: readonly FlowAction[]): ActionsResult {
  const result: ActionsResult = {};
  for (const action of actions) {
    if (turn.ended) break;
    const handler = action.type === 'end_conversation' ? 'end_conversation' : action.handler;
    switch (handler) {
      case 'end_conversation':
        turn.end('AGENT_ENDED', 'agent');
        break;
      case 'warm_transfer': {
        const number = transferTarget(turn);
        if (number === null) {
          turn.error('warm_transfer: no transfer number (set_transfer_flag or configurations.transfer_number)', 'action');
          result.transferFailed = AGENT_NOT_ASSIGNED;
          break;
        }
        turn.state.transfer_number = number;
        turn.end('TRANSFERRED', 'agent');
        break;
      }
      case 'mute_stt':
      case 'unmute_stt':
        break;
    }
  }
  return result;
}
