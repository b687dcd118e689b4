/**
 * One turn in progress: the state being changed, what to say, the hook requests to queue.
 * Everything a driver records goes through here, so that secrets are redacted in one place
 * and unknown variables are reported once.
 */
import type { CallEndedBy } from '../calls/attempts.ts';
import type { SessionEndReason } from '../domain/outcome.ts';
import { buildVariablePool, redactSecrets, substitute } from '../domain/variables.ts';
import type { RenderedRequest, Session } from './session.ts';
import type { ConversationState } from './state.ts';

/** An HTTP hook request fired by a function call; the runner queues it in the outbox. */
export type HookRequest = RenderedRequest & { hook: string; function: string };

export class TurnContext {
  readonly say: string[] = [];
  readonly hooks: HookRequest[] = [];

  constructor(
    readonly session: Session,
    readonly state: ConversationState,
  ) {}

  get flow() {
    return this.state.template.flow;
  }

  get configurations() {
    return this.state.template.configurations;
  }

  at(): string {
    return new Date(this.session.now()).toISOString();
  }

  /** Makes `name` the current node and records the visit (node_traversal, with its time in node_entries). */
  visit(name: string): void {
    this.state.node = name;
    this.state.node_traversal.push(name);
    (this.state.node_entries ??= []).push({ node: name, at: this.at() });
  }

  get ended(): boolean {
    return this.state.status === 'ended';
  }

  redact(text: string): string {
    return redactSecrets(text, this.session.secretValues);
  }

  /** Deep copy of a JSON value with every secret value replaced by `***`. */
  redactValue<T>(value: T): T {
    if (value === undefined) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  /** The variable pool: credentials < secrets < payload < runtime context < `extra` (function arguments). */
  variables(extra: Record<string, unknown> = {}): Map<string, unknown> {
    const { credentials, secrets, payload } = this.session.sources;
    const context = { ...this.session.context, outcome: this.state.agent_outcome, ...extra };
    return buildVariablePool({ credentials, secrets, payload, context });
  }

  /** Substitutes placeholders; returns the names nobody could fill (left literally in place). */
  render<T>(value: T, extra: Record<string, unknown> = {}): { value: T; missing: string[] } {
    const missing: string[] = [];
    const rendered = substitute(value, this.variables(extra), { onUnknown: (name) => missing.push(name) });
    return { value: rendered, missing: [...new Set(missing)] };
  }

  /** Text for the caller or the LLM: an unknown placeholder stays visible and is reported once. */
  text(template: string, extra: Record<string, unknown> = {}): string {
    const { value, missing } = this.render(template, extra);
    this.noteUnresolved(missing);
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  noteUnresolved(names: string[]): void {
    for (const name of names) {
      if (this.state.unresolved_variables.includes(name)) continue;
      this.state.unresolved_variables.push(name);
      this.error(`unknown variable {${name}}`, 'variables');
    }
  }

  speak(text: string): void {
    if (text.trim() === '') return;
    this.say.push(text);
    this.state.transcription.push({ role: 'assistant', content: this.redact(text) });
  }

  heard(text: string): void {
    this.state.transcription.push({ role: 'user', content: this.redact(text) });
  }

  error(message: string, source: string): void {
    this.state.errors.push({ at: this.at(), message: this.redact(message), source });
  }

  /** Ends the conversation; the first ending wins. */
  end(reason: SessionEndReason, endedBy: CallEndedBy): void {
    if (this.ended) return;
    this.state.status = 'ended';
    this.state.ending = { session_end_reason: reason, call_ended_by: endedBy };
  }
}
