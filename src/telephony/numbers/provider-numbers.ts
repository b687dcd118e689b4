/**
 * Number configuration calls, per provider API:
 *
 *   Twilio  GET  /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PhoneNumber=+1…
 *           POST /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/{PN…}.json  VoiceUrl, VoiceMethod,
 *                StatusCallback, StatusCallbackMethod
 *   Plivo   POST /v1/Account/{auth_id}/Application/  {app_name, answer_url, answer_method, hangup_url, hangup_method}
 *           POST /v1/Account/{auth_id}/Number/{number}/  {app_id}   (404: not a number of the account;
 *                the application just made is deleted again)
 */
import { z } from 'zod';
import { ProviderApiError } from '../errors.ts';
import { callProviderApi, requestProviderApi, type ProviderApiCredentials } from '../rest-client.ts';
import type { PlivoConfig, TwilioConfig } from '../index.ts';
import { DEFAULT_API_BASE_URLS } from '../index.ts';

export class NumberNotInAccount extends Error {
  override readonly name = 'NumberNotInAccount';
}

const TwilioNumbers = z.object({ incoming_phone_numbers: z.array(z.object({ sid: z.string().min(1) })) });
const PlivoApplication = z.object({ app_id: z.union([z.string(), z.number()]).transform(String) });

export async function configureTwilioNumber(config: TwilioConfig, phoneNumber: string, voiceUrl: string, statusUrl: string): Promise<string> {
  const api: ProviderApiCredentials = {
    provider: 'twilio',
    baseUrl: config.apiBaseUrl ?? DEFAULT_API_BASE_URLS.twilio,
    username: config.accountSid,
    password: config.authToken,
  };
  const numbers = `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/IncomingPhoneNumbers`;
  const find = { method: 'GET' as const, path: `${numbers}.json?${new URLSearchParams({ PhoneNumber: phoneNumber })}` };
  const found = (await requestProviderApi(api, find, TwilioNumbers)).data.incoming_phone_numbers[0];
  if (!found) throw new NumberNotInAccount(`${phoneNumber} is not a phone number of the Twilio account`);
  const form = new URLSearchParams({ VoiceUrl: voiceUrl, VoiceMethod: 'POST', StatusCallback: statusUrl, StatusCallbackMethod: 'POST' });
  await callProviderApi(api, { method: 'POST', path: `${numbers}/${encodeURIComponent(found.sid)}.json`, form });
  return found.sid;
}

export async function configurePlivoNumber(config: PlivoConfig, phoneNumber: string, answerUrl: string, hangupUrl: string): Promise<string> {
  const api: ProviderApiCredentials = {
    provider: 'plivo',
    baseUrl: config.apiBaseUrl ?? DEFAULT_API_BASE_URLS.plivo,
    username: config.authId,
    password: config.authToken,
  };
  const account = `/v1/Account/${encodeURIComponent(config.authId)}`;
  const digits = phoneNumber.replace(/^\+/, '');
  const create = {
    method: 'POST' as const,
    path: `${account}/Application/`,
    json: { app_name: `buddy-${digits}`, answer_url: answerUrl, answer_method: 'POST', hangup_url: hangupUrl, hangup_method: 'POST' },
  };
  const appId = (await requestProviderApi(api, create, PlivoApplication)).data.app_id;
  try {
    await callProviderApi(api, { method: 'POST', path: `${account}/Number/${encodeURIComponent(digits)}/`, json: { app_id: appId } });
  } catch (err) {
    await callProviderApi(api, { method: 'DELETE', path: `${account}/Application/${encodeURIComponent(appId)}/` }).catch(() => undefined);
    if (err instanceof ProviderApiError && err.status === 404) throw new NumberNotInAccount(`${phoneNumber} is not a phone number of the Plivo account`);
    throw err;
  }
  return appId;
}
