/**
 * Per-deployment telephony secrets, kept in the settings table like the JWT secret so that
 * every node sharing the database agrees on them:
 *
 * - `exotel_url_secret`: Exotel signs nothing, so every URL we hand it carries this secret
 *   (`bb_secret`) and a request without it is refused. EXOTEL_URL_SECRET overrides it.
 * - `emulator_auth_token`: the auth token of the emulator's accounts. The emulator signs its
 *   callbacks with it exactly as Twilio and Plivo sign with an account's auth token, so a
 *   callback "from the emulator" is as hard to forge as one from the real provider.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.ts';

export type TelephonySecrets = { exotelUrlSecret: string; emulatorAuthToken: string };

export async function loadTelephonySecrets(db: Db, configuredExotelSecret: string | undefined): Promise<TelephonySecrets> {
  return {
    exotelUrlSecret: configuredExotelSecret ?? (await storedSecret(db, 'exotel_url_secret')),
    emulatorAuthToken: await storedSecret(db, 'emulator_auth_token'),
  };
}

async function storedSecret(db: Db, key: string): Promise<string> {
  // Insert-if-absent then read back: nodes starting together settle on one value.
  await db.kysely
    .insertInto('settings')
    .values({ key, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}
