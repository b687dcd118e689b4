/**
 * DevCycle's side of the wire, for tests: the environment config document the config CDN
 * serves (`/config/v2/server/{key}.json`, the shape the SDK's bucketing reads) and the webhook
 * body DevCycle posts (payload version "1").
 */
import { createHash } from 'node:crypto';
import type { FakeConfigCdn } from './fake-config-cdn.ts';

export const SERVER_KEY = 'dvc_server_0a1b2c3d_buddy_test';
export const WEBHOOK_SECRET = 'whs-devcycle-0123456789abcdef';

type Value = boolean | number | string;
const TYPES = { boolean: 'Boolean', number: 'Number', string: 'String' } as const;

/** A 24-hex id (DevCycle ids are Mongo ObjectIds), stable per label. */
const oid = (label: string) => createHash('sha1').update(label).digest('hex').slice(0, 24);

/** One release feature, served to all users, whose single variation sets these variables. */
export function configDocument(variables: Record<string, Value>): Record<string, unknown> {
  const entries = Object.entries(variables);
  return {
    project: {
      _id: oid('project'),
      key: 'buddy',
      a0_organization: 'org_buddytest',
      settings: { edgeDB: { enabled: false }, optIn: { enabled: false }, disablePassthroughRollouts: false },
    },
    environment: { _id: oid('environment'), key: 'production' },
    audiences: {},
    features: [
      {
        _id: oid('feature'),
        key: 'buddy-operations',
        type: 'ops',
        variations: [
          {
            _id: oid('variation'),
            key: 'current',
            name: 'Current',
            variables: entries.map(([key, value]) => ({ _var: oid(`var:${key}`), value })),
          },
        ],
        configuration: {
          _id: oid('configuration'),
          targets: [
            {
              _id: oid('target'),
              _audience: { _id: oid('audience'), filters: { operator: 'and', filters: [{ type: 'all' }] } },
              distribution: [{ _variation: oid('variation'), percentage: 1 }],
            },
          ],
        },
      },
    ],
    variables: entries.map(([key, value]) => ({
      _id: oid(`var:${key}`),
      key,
      type: TYPES[typeof value as keyof typeof TYPES],
    })),
    variableHashes: {},
  };
}

/** DevCycle's webhook body for a modified feature. */
export function webhookBody(options: { date?: Date; feature?: string; enabled?: boolean } = {}) {
  const date = (options.date ?? new Date()).toISOString();
  return {
    events: ['modifiedFeature'],
    key: options.feature ?? 'buddy-operations',
    projectId: oid('project'),
    version: '1',
    changes: [
      {
        type: 'variations',
        newContents: { variables: { bb_dispatch_enabled: options.enabled ?? false } },
        previousContents: { variables: { bb_dispatch_enabled: !(options.enabled ?? false) } },
        _environments: [oid('environment')],
      },
    ],
    date,
    user: { name: 'Ops Person', email: 'ops@example.com' },
  };
}

/** DevCycle changes bb_dispatch_enabled: it publishes the new config on its CDN, then notifies with the returned webhook body. */
export function changeDispatchFlag(cdn: FakeConfigCdn, enabled: boolean) {
  const at = new Date();
  cdn.publish({ bb_dispatch_enabled: enabled }, at);
  return webhookBody({ date: at, enabled });
}
