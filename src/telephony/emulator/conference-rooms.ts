/**
 * Emulated conference rooms (Twilio `<Conference>`, Plivo MultiPartyCall) for warm transfers.
 * A participant that starts the room on entering (the agent) talks once with whoever waits
 * there and, with end-on-exit, closes the room as it leaves; the others (the customer) hold
 * until the room closes, or until the provider's API moves their call elsewhere or hangs it up.
 *
 *   join ─▶ hold (waiting for a starter) ─▶ talk ─▶ leave
 *             └── moved / hung up ──────────────────▶ leave
 *
 * Each join and leave is reported through the provider's `notify`. Waiting polls the shared
 * flags every few milliseconds and gives up after MAX_HOLD_MS, so no emulated call hangs forever.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatedCall } from './emulated-call.ts';
import type { Verb } from './program.ts';

export type ConferenceVerb = Extract<Verb, { kind: 'conference' }>;
export type Room = { name: string; sid: string; started: boolean; ended: boolean; members: Set<string> };
export type RoomNotice = (event: 'participant-join' | 'participant-leave', room: Room) => Promise<void>;

const POLL_MS = 5;
const MAX_HOLD_MS = 30_000;
/** How long a starter waits for someone to talk to. */
const MAX_ALONE_MS = 2_000;

const movedAway = (call: EmulatedCall): boolean => call.pendingRedirect !== undefined || call.pendingProgram !== undefined || call.hangupRequested;

async function until(done: () => boolean, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

export class ConferenceRooms {
  private readonly rooms = new Map<string, Room>();

  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  /** Runs one participant's stay in the room; resolves once it has left. */
  async join(call: EmulatedCall, verb: ConferenceVerb, notify: RoomNotice): Promise<void> {
    let room = this.rooms.get(verb.room);
    if (!room || room.ended) {
      room = { name: verb.room, sid: `CF${randomBytes(16).toString('hex')}`, started: false, ended: false, members: new Set() };
      this.rooms.set(verb.room, room);
    }
    const current = room;
    current.members.add(call.sid);
    await notify('participant-join', current);
    if (verb.startOnEnter) {
      current.started = true;
      await until(() => current.members.size > 1 || movedAway(call), MAX_ALONE_MS);
      if (!movedAway(call)) {
        call.turns += 1; // the agent and the caller talk
        await new Promise((resolve) => setTimeout(resolve, POLL_MS * 4));
        if (verb.endOnExit) current.ended = true;
      }
    } else {
      await until(() => current.ended || movedAway(call), MAX_HOLD_MS);
      if (current.started && !movedAway(call)) call.turns += 1;
    }
    current.members.delete(call.sid);
    if (current.members.size === 0) current.ended = true;
    await notify('participant-leave', current);
  }

  clear(): void {
    this.rooms.clear();
  }
}
