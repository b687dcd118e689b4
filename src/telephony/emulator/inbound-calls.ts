/**
 * A customer calling one of our numbers, played as the provider would: the call goes to the
 * answer URL configured on the number — Twilio's VoiceUrl (IncomingPhoneNumbers), Plivo's
 * application linked to the number — with its status reported to the configured callback.
 * Exotel keeps that configuration in its dashboard flow, so its inbound calls name the flow's
 * answer URL (`url`), and optionally the status URL a flow's last Passthru would call.
 */
import { z } from 'zod';
import type { ProviderName } from '../provider.ts';
import type { EmulatorState } from './emulator-state.ts';
import { newCall, twilioSid, uuid, type EmulatedCall } from './emulated-call.ts';
import { EMULATOR_ACCOUNT_IDS } from './accounts.ts';
import { exotelDialect } from './exotel-dialect.ts';
import { plivoDialect, plivoNumber } from './plivo-dialect.ts';
import { callerScriptSchema } from './scripts.ts';
import { normalizeNumber } from './scripts.ts';
import { ownNumber } from './twilio-api.ts';
import { twilioDialect } from './twilio-dialect.ts';

export const inboundCallSchema = z.strictObject({
  provider: z.enum(['twilio', 'plivo', 'exotel']),
  from: z.string().min(3),
  to: z.string().min(3),
  /** Overrides the number's configured answer URL (required for Exotel). */
  url: z.string().url().optional(),
  statusCallbackUrl: z.string().url().optional(),
  script: callerScriptSchema.optional(),
});

export type InboundCallRequest = z.input<typeof inboundCallSchema>;

export class InboundNotConfigured extends Error {
  override readonly name = 'InboundNotConfigured';
}

export function placeInboundCall(state: EmulatorState, request: InboundCallRequest): EmulatedCall {
  const input = inboundCallSchema.parse(request);
  const provider: ProviderName = input.provider;
  const from = normalizeNumber(input.from);
  const to = normalizeNumber(input.to);
  const routing = numberRouting(state, provider, to);
  const answerUrl = input.url ?? routing.answerUrl;
  if (!answerUrl) throw new InboundNotConfigured(`${provider} number ${to} has no answer URL configured`);
  const call = newCall({
    provider,
    sid: provider === 'twilio' ? twilioSid('CA') : provider === 'plivo' ? uuid() : twilioSid(''),
    accountId: EMULATOR_ACCOUNT_IDS[provider],
    authToken: state.options.accountTokens[provider],
    direction: 'inbound',
    from,
    to,
    script: input.script ?? state.scriptFor(from),
    answerUrl,
    statusCallbackUrl: input.statusCallbackUrl ?? routing.statusCallbackUrl,
    statusEvents: provider === 'exotel' ? ['terminal'] : [],
  });
  const dialect = provider === 'twilio' ? twilioDialect(state) : provider === 'plivo' ? plivoDialect(state) : exotelDialect(state);
  state.start(call, dialect);
  return call;
}

function numberRouting(state: EmulatorState, provider: ProviderName, to: string): { answerUrl?: string; statusCallbackUrl?: string } {
  if (provider === 'twilio') {
    const config = ownNumber(state, to);
    return { answerUrl: config.voiceUrl, statusCallbackUrl: config.statusCallback };
  }
  if (provider === 'plivo') {
    const appId = state.plivoNumbers.get(plivoNumber(to));
    const app = appId === undefined ? undefined : state.plivoApplications.get(appId);
    return { answerUrl: app?.answerUrl, statusCallbackUrl: app?.hangupUrl };
  }
  return {};
}
