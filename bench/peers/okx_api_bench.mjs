// okx-api (the Node SDK) against the bench reply server: WebsocketAPIClient.submitNewOrder
// sequential latency, pipelined throughput and cold start. Run by bench/run.py --peers
// (installed by bench/peers/setup.sh into bench/.peers/node; not a project dependency).
//   node bench/peers/okx_api_bench.mjs --ws ws://127.0.0.1:PORT/ws/v5 --seq 2000 --pipe 1:2000,100:20000
// --serve: connect and warm up, print {"ready": ...}, then run one burst per stdin line
// {"inflight": K, "n": N, "seq": S} (N orders K in flight, then S sequential) and answer
// {"rps": ..., "lat_us": [...]}; for bench/harness/measures.py:peer_ab_bursts, which
// alternates these bursts with okxws's and the floor's in the same round.
import { createRequire } from 'node:module';
import readline from 'node:readline';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '.peers', 'node', 'package.json'));
const { WebsocketAPIClient } = require('okx-api');

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const WS = arg('ws');
const SEQ = Number(arg('seq', '2000'));
const WARMUP = Number(arg('warmup', '500'));
const PIPE = arg('pipe', '1:2000,10:10000,100:20000,1000:20000')
  .split(',')
  .map((s) => s.split(':').map(Number));
const COLD = Number(arg('cold', '3'));

// Same order as the Python contenders (instIdCode, so no instrument lookup).
const PARAMS = { instIdCode: 100001, tdMode: 'cash', side: 'buy', ordType: 'limit', sz: '0.0001', px: '50000' };
const silent = { trace() {}, info() {}, error(...a) { if (process.env.BENCH_DEBUG) console.error(...a); } };

function makeClient() {
  // wsUrl: one URL for every connection, fine for the WS API (order ops are on /private).
  return new WebsocketAPIClient(
    { accounts: [{ apiKey: 'bench-key', apiSecret: 'bench-secret', apiPass: 'bench-pass' }],
      wsUrl: `${WS}/private`, attachEventListeners: false },
    silent,
  );
}

const nowNs = () => process.hrtime.bigint();
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };

async function coldStart() {
  const t0 = nowNs();
  const c = makeClient();
  await c.submitNewOrder(PARAMS);
  const ms = Number(nowNs() - t0) / 1e6;
  c.getWSClient().closeAll(true);
  return ms;
}

async function pipelined(c, k, n) {
  let remaining = n;
  const worker = async () => {
    while (remaining > 0) {
      remaining -= 1;
      await c.submitNewOrder(PARAMS);
    }
  };
  const t0 = nowNs();
  await Promise.all(Array.from({ length: k }, worker));
  return n / (Number(nowNs() - t0) / 1e9);
}

async function timeCalls(c, n) {
  const lat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = nowNs();
    await c.submitNewOrder(PARAMS);
    lat[i] = Number(nowNs() - t0) / 1e3;
  }
  return lat;
}

const version = () => JSON.parse(fs.readFileSync(path.join(here, '..', '.peers', 'node', 'node_modules', 'okx-api', 'package.json'))).version;

async function serve() {
  const c = makeClient();
  await c.submitNewOrder(PARAMS);
  for (let i = 0; i < WARMUP; i++) await c.submitNewOrder(PARAMS);
  console.log(JSON.stringify({ ready: true, version: version() }));
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line);
    if (cmd.quit) break;
    const rps = await pipelined(c, cmd.inflight, cmd.n);
    const lat = await timeCalls(c, cmd.seq);
    console.log(JSON.stringify({ rps, lat_us: Array.from(lat) }));
  }
  c.getWSClient().closeAll(true);
  process.exit(0);
}

async function main() {
  const out = {};
  const colds = [];
  for (let i = 0; i < COLD; i++) colds.push(await coldStart());
  colds.sort((a, b) => a - b);
  out.cold_ms = colds[Math.floor(colds.length / 2)];

  const c = makeClient();
  await c.submitNewOrder(PARAMS);
  for (let i = 0; i < WARMUP; i++) await c.submitNewOrder(PARAMS);
  let c0 = cpuUs();
  const lat = await timeCalls(c, SEQ);
  const seqCpu = (cpuUs() - c0) / SEQ;
  lat.sort();
  const pct = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  out.seq = { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), cpu_us: seqCpu };

  for (const [k, n] of PIPE) {
    c0 = cpuUs();
    const rps = await pipelined(c, k, n);
    out[`pipe${k}`] = { rps, cpu_us: (cpuUs() - c0) / n };
  }
  c.getWSClient().closeAll(true);
  out.version = version();
  console.log(JSON.stringify(out));
  process.exit(0);
}

(argv.includes('--serve') ? serve() : main()).catch((e) => { console.error(e); process.exit(1); });
