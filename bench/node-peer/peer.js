'use strict';
// Side-by-side peer (issue 14): the official Node SDK (--kind sdk) or a raw `ws` client that keeps the same protocol rules
// (--kind raw: subscribe, ping at the heartbeat interval, reply with aibot_respond_msg under the callback's req_id and wait
// for its ack). Driven by WecomPS.Bench through a line protocol on stdin/stdout; the double runs in WecomPS.Bench.
//   stdout: "READY <pid>" once, then per command "ARMED" (when it is ready for the pushes) and "DONE <json>".
//   stdin : connect | warm N | burst N | latency N | reply N | idle FILE HB_SECONDS | gc | quit
// Times are process.hrtime.bigint() = CLOCK_MONOTONIC ns, the same clock as Stopwatch.GetTimestamp() in .NET on Linux.
// Usage: node --expose-gc peer.js --kind sdk|raw --endpoint ws://127.0.0.1:PORT/ --bot BOT   (secret: WECOM_BENCH_SECRET)
const fs = require('fs');
const readline = require('readline');

const a = process.argv.slice(2); const o = {};
for (let i = 0; i < a.length; i++) o[a[i].replace(/^--/, '')] = a[++i];
const kind = o.kind || 'sdk';
const now = () => process.hrtime.bigint();
const out = (s) => process.stdout.write(s + '\n');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// ---- one connection, either kind; onMessage(frame) for each aibot_msg_callback
function makeSdk(endpoint, bot, secret, heartbeatMs, onMessage) {
  const { WSClient } = require('@wecom/aibot-node-sdk');
  const client = new WSClient({ botId: bot, secret, wsUrl: endpoint, logger: quiet, maxReconnectAttempts: 0, heartbeatInterval: heartbeatMs });
  client.on('message.text', (frame) => onMessage(frame));
  return {
    connect: () => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('not authenticated within 60 s')), 60000);
      client.on('authenticated', () => { clearTimeout(t); resolve(); });
      client.on('error', (e) => { clearTimeout(t); reject(e); });
      client.connect();
    }),
    reply: (frame, i) => client.replyStream(frame, 'stream' + i, 'answer ' + i, true),
    close: () => { try { client.disconnect(); } catch { } },
  };
}

function makeRaw(endpoint, bot, secret, heartbeatMs, onMessage) {
  const WebSocket = require('ws');   // the ws package the SDK itself uses (same lock file)
  let ws; let seq = 0; let timer = null;
  const pending = new Map();
  const send = (cmd, reqId, body) => new Promise((resolve, reject) => {
    pending.set(reqId, { resolve, reject });
    ws.send(JSON.stringify(body === undefined ? { cmd, headers: { req_id: reqId } } : { cmd, headers: { req_id: reqId }, body }));
  });
  return {
    connect: () => new Promise((resolve, reject) => {
      ws = new WebSocket(endpoint, { perMessageDeflate: false });
      ws.on('error', reject);
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString());
        if (f.cmd === 'aibot_msg_callback') { onMessage(f); return; }
        if (f.cmd) return;   // events
        const p = pending.get(f.headers && f.headers.req_id);
        if (p) { pending.delete(f.headers.req_id); if (f.errcode === 0) p.resolve(f); else p.reject(new Error('errcode ' + f.errcode)); }
      });
      ws.on('open', () => {
        send('aibot_subscribe', 'aibot_subscribe_' + (++seq), { bot_id: bot, secret }).then(() => {
          timer = setInterval(() => { send('ping', 'ping_' + (++seq)).catch(() => {}); }, heartbeatMs);
          resolve();
        }, reject);
      });
    }),
    reply: (frame, i) => send('aibot_respond_msg', frame.headers.req_id, { msgtype: 'stream', stream: { id: 'stream' + i, finish: true, content: 'answer ' + i } }),
    close: () => { if (timer) clearInterval(timer); try { ws.terminate(); } catch { } },
  };
}

const make = kind === 'raw' ? makeRaw : makeSdk;

// ---- the phases
let handler = () => {};
let single = null;
const many = [];

function receive(n, perMessage) {
  return new Promise((resolve) => {
    let got = 0;
    handler = (frame) => { if (perMessage) perMessage(frame, got); got++; if (got === n) { handler = () => {}; resolve(); } };
  });
}

async function command(line) {
  const [cmd, x, y] = line.trim().split(/\s+/);
  const n = Number(x);
  switch (cmd) {
    case 'connect':
      single = make(o.endpoint, o.bot, process.env.WECOM_BENCH_SECRET, 30000, (f) => handler(f));
      await single.connect();
      return {};
    case 'warm': { const p = receive(n); out('ARMED'); await p; return {}; }
    case 'burst': { const p = receive(n); out('ARMED'); await p; return { end: now().toString() }; }
    case 'latency': {
      const t = new Array(n);
      const p = receive(n, (f, i) => { t[i] = now(); });
      out('ARMED'); await p;
      return { t: t.map(String) };
    }
    case 'reply': {
      const t = new Array(n); let errors = 0; let done = 0; let k = 0;
      const p = new Promise((resolve) => {
        handler = (frame) => {
          const i = k++;
          single.reply(frame, i).then(() => { t[i] = now(); }, () => { t[i] = now(); errors++; })
            .finally(() => { if (++done === n) { handler = () => {}; resolve(); } });
        };
      });
      out('ARMED'); await p;
      return { t: t.map(String), errors };
    }
    case 'idle': {
      const bots = JSON.parse(fs.readFileSync(x, 'utf8'));
      const t0 = now();
      for (const b of bots) many.push(make(b.endpoint, b.bot, b.secret, Number(y) * 1000, () => {}));
      const results = await Promise.allSettled(many.map((c) => c.connect()));
      const seconds = Number(now() - t0) / 1e9;
      return { seconds, connected: results.filter((r) => r.status === 'fulfilled').length };
    }
    case 'gc': if (global.gc) { global.gc(); global.gc(); } return {};
    case 'quit':
      if (single) single.close();
      for (const c of many) c.close();
      out('DONE {}');
      process.exit(0);
    default: throw new Error('unknown command ' + cmd);
  }
}

out('READY ' + process.pid);
const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(() => command(line)).then((r) => out('DONE ' + JSON.stringify(r)), (e) => out('DONE ' + JSON.stringify({ error: String(e && e.message || e) })));
});
