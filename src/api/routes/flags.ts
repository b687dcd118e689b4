/**
 * `GET /flags` (admin only): every flag Buddy knows or was asked for, its current value on this
 * process and where it came from (devcycle | env | default), plus the state of the DevCycle
 * sync. Nothing secret is shown: no server key, no webhook secret, no CDN URL.
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { principalOf } from '../authenticate.ts';
import { forbidden } from '../errors.ts';

const flagRow = z.object({
  name: z.string(),
  value: z.union([z.string(), z.number(), z.boolean()]),
  source: z.enum(['devcycle', 'env', 'default']),
});

const flagsAnswer = z.object({
  flags: z.array(flagRow),
  devcycle: z.object({
    configured: z.boolean(),
    config_version: z.number().nullable(),
    last_fetch_at: z.string().nullable(),
    last_fetch_error: z.string().nullable(),
  }),
});

export function registerFlagRoutes(app: Routes, deps: AppDeps): void {
  app.get('/flags', { schema: { tags: ['flags'], summary: 'Feature flags and where their values come from', response: { 200: flagsAnswer } } }, async (req) => {
    if (principalOf(req).role !== 'admin') throw forbidden('only admins may read feature flags');
    return {
      flags: deps.flags.describe(),
      devcycle: deps.devcycle?.status() ?? { configured: false, config_version: null, last_fetch_at: null, last_fetch_error: null },
    };
  });
}
