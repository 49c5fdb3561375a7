// okx-api (the Node SDK) against the bench reply server: WebsocketAPIClient.submitNewOrder
// sequential latency, pipelined throughput and cold start. Run by bench/run.py --peers
// (installed by bench/peers/setup.sh into bench/.peers/node; not a project dependency).
//   node bench/peers/okx_api_bench.mjs --ws ws://127.0.0.1:PORT/ws/v5 --seq 2000 --pipe 1:2000,100:20000
import { createRequire } from 'node:module';
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

async function main() {
  const out = {};
  const colds = [];
  for (let i = 0; i < COLD; i++) colds.push(await coldStart());
  colds.sort((a, b) => a - b);
  out.cold_ms = colds[Math.floor(colds.length / 2)];

  const c = makeClient();
  await c.submitNewOrder(PARAMS);
  for (let i = 0; i < WARMUP; i++) await c.submitNewOrder(PARAMS);
  const lat = new Float64Array(SEQ);
  let c0 = cpuUs();
  for (let i = 0; i < SEQ; i++) {
    const t0 = nowNs();
    await c.submitNewOrder(PARAMS);
    lat[i] = Number(nowNs() - t0) / 1e3;
  }
  const seqCpu = (cpuUs() - c0) / SEQ;
  lat.sort();
  const pct = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  out.seq = { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), cpu_us: seqCpu };

  for (const [k, n] of PIPE) {
    let remaining = n;
    const worker = async () => {
      while (remaining > 0) {
        remaining -= 1;
        await c.submitNewOrder(PARAMS);
      }
    };
    c0 = cpuUs();
    const t0 = nowNs();
    await Promise.all(Array.from({ length: k }, worker));
    const wall = Number(nowNs() - t0) / 1e9;
    out[`pipe${k}`] = { rps: n / wall, cpu_us: (cpuUs() - c0) / n };
  }
  c.getWSClient().closeAll(true);
  out.version = JSON.parse(fs.readFileSync(path.join(here, '..', '.peers', 'node', 'node_modules', 'okx-api', 'package.json'))).version;
  console.log(JSON.stringify(out));
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
