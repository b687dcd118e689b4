/**
 * A flag change notified to one process reaches every process sharing the database: two
 * services in this process, and the real `buddy serve` CLI in another OS process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DIALECTS, PREFIX, issueTokens, startTestService, type TestService } from '../support/service.ts';
import { startFakeConfigCdn, unreachableUrl, type FakeConfigCdn } from './support/fake-config-cdn.ts';
import { devcycleEnv, sharedDatabase, type SharedDatabase } from './support/flag-services.ts';
import { WEBHOOK_SECRET, changeDispatchFlag } from './support/devcycle-fixtures.ts';
import { startBuddyProcess, type BuddyProcess } from './support/buddy-process.ts';

const SECONDS = { timeout: 6000, interval: 50 };

describe.each(DIALECTS)('flag changes across processes sharing one database (%s)', (dialect) => {
  let db: SharedDatabase;
  let cdn: FakeConfigCdn;
  let a: TestService;
  let b: TestService;
  const change = (enabled: boolean) => changeDispatchFlag(cdn, enabled);

  beforeAll(async () => {
    db = await sharedDatabase(dialect);
    cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true });
    a = await startTestService(dialect, { ...db.env, ...devcycleEnv(cdn.url) }, db.options);
    // B cannot reach DevCycle at all: whatever it learns comes through the database.
    b = await startTestService(dialect, { ...db.env, ...devcycleEnv(await unreachableUrl()) }, db.options);
    a.service.startBackground();
    b.service.startBackground();
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await cdn?.close();
    await db?.drop();
  });

  it('a process that cannot reach DevCycle starts on the last good config stored by another', () => {
    expect(b.service.flags.describe()).toContainEqual({ name: 'bb_dispatch_enabled', value: true, source: 'devcycle' });
  });

  it('a webhook on one service flips bb_dispatch_enabled on the other within seconds', async () => {
    const res = await a.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: change(false) });
    expect(res.statusCode).toBe(202);
    await expect.poll(() => b.service.flags.boolean('bb_dispatch_enabled', true), SECONDS).toBe(false);
    expect(a.service.flags.boolean('bb_dispatch_enabled', true)).toBe(false);
  });

  describe('with `buddy serve` running as a separate OS process', () => {
    let child: BuddyProcess;
    let admin: string;
    const childFlag = async () => {
      const res = await fetch(`${child.baseUrl}${PREFIX}/flags`, { headers: { authorization: `Bearer ${admin}` } });
      const body = (await res.json()) as { flags: { name: string; value: unknown; source: string }[] };
      return body.flags.find((f) => f.name === 'bb_dispatch_enabled');
    };

    beforeAll(async () => {
      admin = (await issueTokens(a)).admin; // same database, so the same signing key and admin
      child = await startBuddyProcess({
        ...devcycleEnv(cdn.url),
        DATABASE_URL: db.processDatabaseUrl,
        BUDDY_ADMIN_EMAIL: ADMIN.email,
        BUDDY_ADMIN_PASSWORD: ADMIN.password,
      });
    });

    afterAll(async () => {
      await child?.stop();
    });

    it('the other process follows a webhook sent here, and this one follows a webhook sent there', async () => {
      await expect.poll(childFlag, SECONDS).toEqual({ name: 'bb_dispatch_enabled', value: false, source: 'devcycle' });

      const here = await a.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: change(true) });
      expect(here.statusCode).toBe(202);
      await expect.poll(async () => (await childFlag())?.value, SECONDS).toBe(true);

      // Over real HTTP to the other process; A and B only poll the CDN every 10 minutes.
      const there = await fetch(`${child.baseUrl}/webhooks/devcycle/${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(change(false)),
      });
      expect(there.status).toBe(202);
      await expect.poll(() => a.service.flags.boolean('bb_dispatch_enabled', true), SECONDS).toBe(false);
      await expect.poll(() => b.service.flags.boolean('bb_dispatch_enabled', true), SECONDS).toBe(false);
    });
  });
});
