/**
 * Phone numbers are E.164 everywhere (`+` country code, subscriber number, 8–15 digits), and
 * must be a possible number for their country. We do not insist on "valid" (assigned ranges),
 * because carriers' range tables change faster than libphonenumber's metadata.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

const E164 = /^\+[1-9]\d{7,14}$/;

export function isE164(value: unknown): value is string {
  if (typeof value !== 'string' || !E164.test(value)) return false;
  return parsePhoneNumberFromString(value)?.isPossible() ?? false;
}

/** ISO country of an E.164 number, or undefined when libphonenumber cannot tell. */
export function countryOf(value: string): string | undefined {
  return parsePhoneNumberFromString(value)?.country;
}

export const E164_MESSAGE = 'must be a phone number in E.164 format, e.g. +14155551234';
