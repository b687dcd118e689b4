/**
 * The bench's provider endpoint, in a child process so that serving it takes no CPU from the
 * Buddy node being measured (a real provider is another machine). Talks over the IPC channel.
 */
import { startFakeTwilio } from '../test/support/fake-twilio.ts';

const twilio = await startFakeTwilio({ keepAlive: true });
process.send!({ type: 'ready', env: twilio.env });
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', count: twilio.calls.length });
  if (message.type === 'calls') process.send!({ type: 'calls', calls: twilio.calls.map((c) => ({ key: c.key, createdAt: c.createdAt })) });
  if (message.type === 'close') void twilio.close().then(() => process.exit(0));
});
