/**
 * The local receiver of the delivery benchmark, in its own process so that it does not share
 * the sender's event loop. Answers 200 with an empty body on keep-alive connections and notes,
 * per request, its `webhook-id` (or `x-bench-id`) and the arrival time on a clock comparable across processes
 * (performance.timeOrigin + performance.now()). The parent talks to it over IPC:
 *   → { port }                        once listening
 *   ← 'count'    → { count, signed, cpuMs }  requests so far, how many were signed, CPU used
 *   ← 'collect'  → { ids, times }     arrivals since the last collect
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

let ids: string[] = [];
let times: number[] = [];
let count = 0;
let signed = 0;

const server = createServer((req, res) => {
  const id = req.headers['webhook-id'] ?? req.headers['x-bench-id'];
  const at = performance.timeOrigin + performance.now();
  count++;
  if (req.headers['webhook-signature'] !== undefined) signed++;
  if (typeof id === 'string') {
    ids.push(id);
    times.push(at);
  }
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-length': '0' });
    res.end();
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});

process.on('message', (message) => {
  if (message === 'count') {
    const cpu = process.cpuUsage();
    process.send!({ count, signed, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  else if (message === 'collect') {
    process.send!({ ids, times });
    ids = [];
    times = [];
  } else if (message === 'reset') {
    count = 0;
    signed = 0;
    ids = [];
    times = [];
    process.send!({ ok: true });
  }
});
process.on('disconnect', () => process.exit(0));
