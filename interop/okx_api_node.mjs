// Drive the okxws simulator with the unmodified Node SDK `okx-api` (npm).
//
// All 11 WS API operations go through its WebsocketAPIClient, and a private `orders`
// subscription through its WebsocketClient must see the pushes for the orders placed.
// instIdCode and sprdId are looked up through its RestClient, as a user would.
//
// Usage: node okx_api_node.mjs '<the JSON line printed by `okxws sim`>'
//    or: OKXWS_SIM_JSON='<json>' node okx_api_node.mjs
// Exits 0 when every step passed, 1 otherwise.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// okx-api lives in interop/.deps/node (installed by setup.sh), not in the repo's dependencies.
const require = createRequire(path.join(here, '.deps', 'node', 'package.json'));
const okx = require('okx-api');
const { RestClient, WebsocketClient, WebsocketAPIClient, WS_BASE_URL_MAP } = okx;
const okxVersion = JSON.parse(
  readFileSync(path.join(here, '.deps', 'node', 'node_modules', 'okx-api', 'package.json'), 'utf8'),
).version;

const argv = process.argv.slice(2);
const DEMO = argv.includes('--demo'); // demoTrading: x-simulated-trading: 1, demo WS keys/URLs
const IDLE_MS = Number((argv.find((a) => a.startsWith('--idle=')) || '--idle=0').slice(7)) * 1000;
const info = JSON.parse(argv.find((a) => a.startsWith('{')) || process.env.OKXWS_SIM_JSON || '');
const WSB = `${info.ws_base_url}/ws/v5`;
const creds = { apiKey: info.api_key, apiSecret: info.api_secret, apiPass: info.api_pass };

// Point every live "GLOBAL" WS key at the simulator through the SDK's exported, mutable URL
// map (docs/dev/foreign-clients.md 1.1): `wsUrl` would send private AND business to one URL.
// In demo mode the SDK's demo map is used; its business URL carries `?brokerId=9999` as on OKX.
WS_BASE_URL_MAP.GLOBAL.live = {
  public: `${WSB}/public`,
  private: `${WSB}/private`,
  business: `${WSB}/business`,
};
WS_BASE_URL_MAP.GLOBAL.demo = {
  public: `${WSB}/public`,
  private: `${WSB}/private`,
  business: `${WSB}/business?brokerId=9999`,
};

const STEP_TIMEOUT_MS = 5000; // okx-api's WS API promises have no timeout of their own
const results = [];
let failed = 0;

function withTimeout(p, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what}: no reply within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    }),
  ]);
}

function record(name, ok, detail) {
  results.push({ name, ok });
  if (!ok) failed += 1;
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? '  ' + detail : ''}`);
}

function short(x) {
  const s = typeof x === 'string' ? x : JSON.stringify(x);
  return s && s.length > 300 ? s.slice(0, 300) + '...' : s;
}

// Runs one WS API call; passes when the envelope code is "0" and every item's sCode is "0"
// (or, for mass cancels, data[0].result === true). Returns the reply's data (or null).
async function wsApi(name, fn) {
  try {
    const reply = await withTimeout(fn(), name);
    const data = reply.data || [];
    const ok =
      reply.code === '0' &&
      typeof reply.inTime === 'string' &&
      data.length > 0 &&
      data.every((d) => d.sCode === '0' || d.result === true);
    record(name, ok, `code=${reply.code} data=${short(data)}`);
    return ok ? data : null;
  } catch (e) {
    record(name, false, `rejected: ${short(e && e.message ? e.message : e)}`);
    return null;
  }
}

// okx-api's DefaultLogger prints every info line; keep only its errors.
const quietLogger = { trace: () => {}, info: () => {}, error: (...a) => console.error('[okx-api error]', ...a) };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(25);
  }
  return pred();
}

async function main() {
  console.log(`okx-api ${okxVersion}${DEMO ? ' (demoTrading)' : ''} -> ${info.ws_base_url}`);

  // ---- REST: what a user reads before trading over WS (instIdCode since 2026-03).
  const rest = new RestClient({ ...creds, baseUrl: info.rest_base_url, demoTrading: DEMO });
  let spot;
  let option;
  let spread;
  try {
    const t = await rest.getServerTime();
    record('REST getServerTime', Number(t) > 0, `ts=${t}`);
    const spots = await rest.getInstruments({ instType: 'SPOT' });
    spot = spots.find((i) => i.instId === 'BTC-USDT');
    const options = await rest.getInstruments({ instType: 'OPTION', instFamily: 'BTC-USD' });
    option = options[0];
    const spreads = await rest.getSpreads({});
    spread = spreads[0];
    record(
      'REST getInstruments/getSpreads',
      !!spot && Number.isInteger(spot.instIdCode) && !!option && !!spread,
      `BTC-USDT instIdCode=${spot && spot.instIdCode}, option ${option && option.instId}` +
        ` instIdCode=${option && option.instIdCode}, spread ${spread && spread.sprdId}`,
    );
    const bal = await rest.getBalance();
    record('REST getBalance (signed GET)', Array.isArray(bal) && bal.length === 1, `totalEq=${bal[0] && bal[0].totalEq}`);
  } catch (e) {
    record('REST lookups', false, short(e));
    return;
  }
  if (!spot || !option || !spread) return;

  // ---- Private `orders` subscription through WebsocketClient.
  // (okx-api 3.2.3 routes the `sprd-orders` channel to /public, where OKX answers 64001, and
  // offers no public way to pick the business connection: spread pushes are not checked here.)
  const pushes = []; // order push data items
  const ws = new WebsocketClient({ accounts: [creds], demoTrading: DEMO }, quietLogger);
  const wsExceptions = [];
  ws.on('update', (ev) => {
    if (ev.arg && ev.arg.channel === 'orders') pushes.push(...ev.data);
  });
  ws.on('exception', (ev) => wsExceptions.push(ev));
  const reconnects = [];
  ws.on('reconnect', (ev) => reconnects.push(ev.wsKey));
  const subAcks = [];
  ws.on('response', (ev) => {
    if (ev.event === 'subscribe') subAcks.push(ev.arg.channel);
  });
  ws.subscribe({ channel: 'orders', instType: 'ANY' });
  const subscribed = await waitFor(() => subAcks.includes('orders'), STEP_TIMEOUT_MS);
  record('WebsocketClient login + subscribe orders (private)', subscribed,
    `acks=${JSON.stringify(subAcks)} exceptions=${short(wsExceptions)}`);

  // ---- The 11 WS API operations through WebsocketAPIClient.
  const api = new WebsocketAPIClient({ accounts: [creds], demoTrading: DEMO, attachEventListeners: false }, quietLogger);
  const apiExceptions = [];
  api.getWSClient().on('exception', (ev) => apiExceptions.push(ev));
  api.getWSClient().on('reconnect', (ev) => reconnects.push(ev.wsKey));
  const code = spot.instIdCode;
  const px = '1000'; // far below the simulated BTC-USDT market: the orders rest
  const placedIds = [];

  let d = await wsApi('submitNewOrder (order)', () =>
    api.submitNewOrder({ instIdCode: code, tdMode: 'cash', side: 'buy', ordType: 'limit', px, sz: '0.001', clOrdId: 'nodeA1' }),
  );
  const ordA = d && d[0].ordId;
  if (ordA) placedIds.push(ordA);

  d = await wsApi('submitMultipleOrders (batch-orders)', () =>
    api.submitMultipleOrders([
      { instIdCode: code, tdMode: 'cash', side: 'buy', ordType: 'limit', px, sz: '0.001', clOrdId: 'nodeB1' },
      { instIdCode: code, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '1001', sz: '0.002', clOrdId: 'nodeB2' },
    ]),
  );
  const batchIds = d ? d.map((x) => x.ordId) : [];
  placedIds.push(...batchIds);

  await wsApi('amendOrder (amend-order)', () =>
    api.amendOrder({ instIdCode: code, ordId: ordA, newPx: '1002', reqId: 'nodeAmend1' }),
  );
  await wsApi('amendMultipleOrders (batch-amend-orders)', () =>
    api.amendMultipleOrders(batchIds.map((id) => ({ instIdCode: code, ordId: id, newSz: '0.003' }))),
  );
  await wsApi('cancelOrder (cancel-order)', () => api.cancelOrder({ instIdCode: code, ordId: ordA }));
  await wsApi('cancelMultipleOrders (batch-cancel-orders)', () =>
    api.cancelMultipleOrders(batchIds.map((id) => ({ instIdCode: code, ordId: id }))),
  );

  // mass-cancel is MMP mass cancel for OPTION: rest an option order first, then mass-cancel it.
  d = await wsApi('submitNewOrder (order, OPTION, for mass-cancel)', () =>
    api.submitNewOrder({ instIdCode: option.instIdCode, tdMode: 'cross', side: 'buy', ordType: 'limit', px: option.tickSz, sz: option.minSz }),
  );
  const ordOpt = d && d[0].ordId;
  if (ordOpt) placedIds.push(ordOpt);
  await wsApi('massCancelOrders (mass-cancel)', () =>
    api.massCancelOrders({ instType: 'OPTION', instFamily: option.instFamily }),
  );

  // Spread ops (business connection).
  d = await wsApi('submitSpreadOrder (sprd-order)', () =>
    api.submitSpreadOrder({ sprdId: spread.sprdId, side: 'buy', ordType: 'limit', px: '1', sz: spread.minSz, clOrdId: 'nodeS1' }),
  );
  const sprdA = d && d[0].ordId;
  await wsApi('amendSpreadOrder (sprd-amend-order)', () =>
    api.amendSpreadOrder({ ordId: sprdA, newPx: '2', reqId: 'nodeSAmend1' }),
  );
  await wsApi('cancelSpreadOrder (sprd-cancel-order)', () => api.cancelSpreadOrder({ ordId: sprdA }));
  await wsApi('submitSpreadOrder (sprd-order, for sprd-mass-cancel)', () =>
    api.submitSpreadOrder({ sprdId: spread.sprdId, side: 'buy', ordType: 'limit', px: '1', sz: spread.minSz }),
  );
  await wsApi('massCancelSpreadOrders (sprd-mass-cancel)', () =>
    api.massCancelSpreadOrders({ sprdId: spread.sprdId }),
  );

  // Error path: an unknown instIdCode -> envelope code "1", item sCode 51001: the promise rejects.
  try {
    const r = await withTimeout(api.submitNewOrder({ instIdCode: 999999, tdMode: 'cash', side: 'buy', ordType: 'limit', px, sz: '0.001' }), 'bad order');
    record('submitNewOrder unknown instIdCode rejects (code 1, sCode 51001)', false, `resolved: ${short(r)}`);
  } catch (e) {
    record('submitNewOrder unknown instIdCode rejects (code 1, sCode 51001)',
      e && e.code === '1' && e.data && e.data[0].sCode === '51001', short(e));
  }
  apiExceptions.length = 0; // that rejection is also emitted as an `exception` event

  // A marketable IOC buy fills against the simulated book.
  d = await wsApi('submitNewOrder (order, marketable ioc -> filled)', () =>
    api.submitNewOrder({ instIdCode: code, tdMode: 'cash', side: 'buy', ordType: 'ioc', px: '100000', sz: '0.001' }),
  );
  const ordFill = d && d[0].ordId;
  // OKX (recorded traffic, okx-protocol.md 11a.3 #6): live -> fill push (fillSz, tradeId,
  // execType T) -> a state-only `filled` push.
  const ofill = () => pushes.filter((p) => p.ordId === ordFill);
  const filled = await waitFor(() => ofill().some((p) => p.state === 'filled'), STEP_TIMEOUT_MS);
  const fp = ofill().find((p) => Number(p.fillSz) > 0);
  record('orders pushes: fill (fillSz/fillPx/tradeId) then filled', filled && !!fp && fp.fillSz === '0.001' && Number(fp.fillPx) > 0 && !!fp.tradeId,
    ofill().map((p) => `${p.state}(fillSz=${p.fillSz} fillPx=${p.fillPx} tradeId=${p.tradeId})`).join(' > '));

  // ---- Pushes: each placed order must be seen live and then canceled on `orders`.
  const states = (id) => pushes.filter((p) => p.ordId === id).map((p) => p.state);
  const allSeen = await waitFor(
    () => placedIds.every((id) => states(id).includes('live') && states(id).includes('canceled')),
    STEP_TIMEOUT_MS,
  );
  record(
    'orders pushes (live -> canceled) for every placed order',
    allSeen && placedIds.length === 4,
    placedIds.map((id) => `${id}:${states(id).join('>')}`).join(' '),
  );
  const amendPush = pushes.find((p) => p.ordId === ordA && p.reqId === 'nodeAmend1');
  record('orders push for the amend (amendResult 0, reqId echoed)', !!amendPush && amendPush.amendResult === '0',
    amendPush ? `px=${amendPush.px} amendResult=${amendPush.amendResult}` : 'none');
  if (IDLE_MS > 0) {
    // Stay idle: okx-api pings (text) every 10 s and reconnects if nothing comes back within 2 s;
    // the simulator closes a connection after 30 s without traffic.
    await sleep(IDLE_MS);
    const after = await wsApi(`submitNewOrder after ${IDLE_MS / 1000} s idle`, () =>
      api.submitNewOrder({ instIdCode: code, tdMode: 'cash', side: 'buy', ordType: 'limit', px, sz: '0.001', clOrdId: 'nodeIdle1' }),
    );
    if (after) await wsApi('cancelOrder after idle', () => api.cancelOrder({ instIdCode: code, clOrdId: 'nodeIdle1' }));
    record(`no reconnect during ${IDLE_MS / 1000} s idle (heartbeat answered)`, reconnects.length === 0, JSON.stringify(reconnects));
  }
  record('no exception events on either client', wsExceptions.length === 0 && apiExceptions.length === 0,
    short([...wsExceptions, ...apiExceptions]));

  ws.closeAll(true);
  api.getWSClient().closeAll(true);
}

main()
  .catch((e) => record('unexpected error', false, short(e && e.stack ? e.stack : e)))
  .finally(() => {
    const passed = results.filter((r) => r.ok).length;
    console.log(`okx-api: ${passed} passed, ${failed} failed`);
    setTimeout(() => process.exit(failed === 0 && results.length > 0 ? 0 : 1), 200);
  });
