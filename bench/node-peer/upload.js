'use strict';
// Client side of the upload benchmark with the official Node SDK (@wecom/aibot-node-sdk, pinned in package.json):
// connect, then per run read the file, uploadMedia + sendMediaMessage against the WecomPS double (wsUrl = its ws:// endpoint).
// Prints "RESULT {json}". Peak = VmHWM (reset through /proc/self/clear_refs) above VmRSS after gc(); run with --expose-gc.
// Usage: node --expose-gc upload.js --endpoint ws://127.0.0.1:PORT/ --bot BOT --file F [--warmup W] [--runs N]
// The secret comes from WECOM_BENCH_SECRET.
const fs = require('fs');
const path = require('path');
const { WSClient } = require('@wecom/aibot-node-sdk');

function args() {
  const a = process.argv.slice(2); const o = { runs: 3 };
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, ''); o[k] = a[++i];
  }
  o.runs = Number(o.runs);
  return o;
}

function statusBytes(key) {
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp('^' + key + ':\\s+(\\d+)', 'm'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

function resetPeak() { try { fs.writeFileSync('/proc/self/clear_refs', '5'); return true; } catch { return false; } }

const quiet = { debug() {}, info() {}, warn() {}, error(...x) { process.stderr.write(x.join(' ') + '\n'); } };

async function once(client, file) {
  const buf = fs.readFileSync(file);
  const up = await client.uploadMedia(buf, { type: 'file', filename: path.basename(file) });
  await client.sendMediaMessage('zhangsan', 'file', up.media_id);
}

async function main() {
  const o = args();
  const seconds = []; const peaks = []; let failures = 0; let error = null;
  const client = new WSClient({ botId: o.bot, secret: process.env.WECOM_BENCH_SECRET, wsUrl: o.endpoint, logger: quiet, maxReconnectAttempts: 0 });
  try {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('not authenticated within 15 s')), 15000);
      client.on('authenticated', () => { clearTimeout(t); resolve(); });
      client.on('error', (e) => { clearTimeout(t); reject(e); });
      client.connect();
    });
    await once(client, o.warmup || o.file);
    for (let r = 0; r < o.runs; r++) {
      if (global.gc) { global.gc(); global.gc(); }
      const baseline = statusBytes('VmRSS');
      const hwm = resetPeak();
      let sampled = baseline;
      const sampler = setInterval(() => { const x = process.memoryUsage().rss; if (x > sampled) sampled = x; }, 2);
      const t0 = process.hrtime.bigint();
      try {
        await once(client, o.file);
        seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
      } catch (e) { failures++; error = e instanceof Error ? e.message : JSON.stringify(e); }
      clearInterval(sampler);
      const peak = Math.max(sampled, hwm ? statusBytes('VmHWM') : 0);
      peaks.push(Math.max(0, peak - baseline));
    }
  } catch (e) { failures++; error = e instanceof Error ? e.message : JSON.stringify(e); }
  try { client.disconnect(); } catch { }
  process.stdout.write('RESULT ' + JSON.stringify({ seconds, peakExtraBytes: peaks, failures, error }) + '\n');
  process.exit(0);
}
main();
