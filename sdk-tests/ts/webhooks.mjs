// Drives revdir's webhooks with DevRev's TypeScript SDK and a real receiver on loopback:
// create, the verify handshake, signed deliveries of rev-user, account and tag events,
// event-type updates, one failed attempt retried about 30 s later with the same event id,
// deactivate and delete.
//
//   DEVREV_BASE_URL=https://127.0.0.1:8443 DEVREV_API_TOKEN=... node webhooks.mjs
//
// Every check prints `ok` or `FAIL`; the last line is `N passed, M failed`.

import crypto from 'node:crypto';
import http from 'node:http';

import { client } from '@devrev/typescript-sdk';

import { check, eq, finish } from './report.mjs';

const BASE = process.env.DEVREV_BASE_URL;
const TOKEN = process.env.DEVREV_API_TOKEN;
if (!BASE || !TOKEN) {
  console.error('set DEVREV_BASE_URL and DEVREV_API_TOKEN');
  process.exit(2);
}

// ---------------------------------------------------------------------------
// The receiver: records every request; answers verify challenges; can fail on demand.
// ---------------------------------------------------------------------------

const received = []; // {at, headers, raw, body}
const waiters = [];
let failNext = null; // predicate: answer 500 to the next request it matches

const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    let body = null;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = null;
    }
    const entry = { at: Date.now(), headers: req.headers, raw, body };
    if (failNext && failNext(entry)) {
      failNext = null;
      entry.answered = 500;
      received.push(entry);
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"on purpose"}');
    } else {
      entry.answered = 200;
      received.push(entry);
      const answer = body?.type === 'verify' ? { challenge: body.verify?.challenge } : {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    }
    for (const w of [...waiters]) {
      if (w.pred(entry)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(entry);
      }
    }
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const URL_ = `http://127.0.0.1:${receiver.address().port}/hook`;

// The first request (already received, or yet to come) that `pred` accepts, or null after
// `ms` milliseconds.
function nextRequest(pred, ms = 15000) {
  const seen = received.find((e) => !e.claimed && pred(e));
  if (seen) {
    seen.claimed = true;
    return Promise.resolve(seen);
  }
  return new Promise((resolve) => {
    const w = {
      pred: (e) => !e.claimed && pred(e),
      resolve: (e) => {
        clearTimeout(timer);
        e.claimed = true;
        resolve(e);
      },
    };
    const timer = setTimeout(() => {
      waiters.splice(waiters.indexOf(w), 1);
      resolve(null);
    }, ms);
    waiters.push(w);
  });
}

const hmac = (secret, raw) => crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(raw).digest('hex');

async function step(name, fn) {
  try {
    return await fn();
  } catch (e) {
    const res = e?.response;
    const detail = res ? `HTTP ${res.status} -> ${JSON.stringify(res.data)}` : (e?.stack ?? String(e)).split('\n')[0];
    check(`${name} (threw)`, false, detail);
    return undefined;
  }
}

const sdk = client.setup({ endpoint: BASE, token: TOKEN });

let hook;
let secret;

await step('webhooksCreate', async () => {
  const r = await sdk.webhooksCreate({
    url: URL_,
    event_types: ['rev_user_created', 'rev_user_updated', 'account_created', 'tag_created'],
  });
  eq('webhooksCreate: 201', r.status, 201);
  hook = r.data.webhook;
  secret = hook.secret;
  eq('a new webhook is unverified', hook.status, 'unverified');
  check('a generated secret of 8-32 bytes', secret.length >= 8 && secret.length <= 32, secret.length);
});

await step('verify handshake', async () => {
  const v = await nextRequest((e) => e.body?.type === 'verify');
  if (!check('the verify request arrived', v !== null)) return;
  eq('verify names the webhook', v.body.webhook_id, hook.id);
  check('verify carries a challenge', typeof v.body.verify?.challenge === 'string' && v.body.verify.challenge.length > 0);
  eq('verify is signed: lowercase hex HMAC-SHA256 of the raw body', v.headers['x-devrev-signature'], hmac(secret, v.raw));
  let status;
  for (let i = 0; i < 100; i += 1) {
    status = (await sdk.webhooksGet({ id: hook.id })).data.webhook.status;
    if (status === 'active') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  eq('the echoed challenge makes the webhook active', status, 'active');
});

// Waits for an event of `type` about `id` and checks its envelope and signature.
async function event(type, id, key) {
  const e = await nextRequest((x) => x.body?.type === type && (x.body?.[type]?.[key]?.id === id || x.body?.[type]?.id === id));
  if (!check(`${type} delivered`, e !== null)) return null;
  eq(`${type}: signature`, e.headers['x-devrev-signature'], hmac(secret, e.raw));
  eq(`${type}: webhook_id`, e.body.webhook_id, hook.id);
  check(`${type}: event id and timestamp`, typeof e.body.id === 'string' && !Number.isNaN(Date.parse(e.body.timestamp)), e.body);
  return e;
}

let contact;
await step('rev-user events', async () => {
  contact = (await sdk.revUsersCreate({ display_name: 'Hook Ada', email: 'hook.ada@example.com' })).data.rev_user;
  const created = await event('rev_user_created', contact.id, 'rev_user');
  if (created) eq('rev_user_created carries the contact', created.body.rev_user_created.rev_user.display_name, 'Hook Ada');
  await sdk.revUsersUpdate({ id: contact.id, display_name: 'Hook Ada L.' });
  const updated = await event('rev_user_updated', contact.id, 'rev_user');
  if (updated) {
    eq('rev_user_updated: the new object', updated.body.rev_user_updated.rev_user.display_name, 'Hook Ada L.');
    eq('rev_user_updated: the old object', updated.body.rev_user_updated.old_rev_user.display_name, 'Hook Ada');
  }
});

await step('account and tag events', async () => {
  const acct = (await sdk.accountsCreate({ display_name: 'Hook Acme' })).data.account;
  const a = await event('account_created', acct.id, 'account');
  if (a) eq('account_created carries the account', a.body.account_created.account.display_name, 'Hook Acme');
  const tag = (await sdk.tagsCreate({ name: 'hook-tag' })).data.tag;
  await event('tag_created', tag.id, 'tag');
  const r = await sdk.webhooksUpdate({ id: hook.id, event_types: { add: ['tag_deleted'] } });
  check('webhooksUpdate adds an event type', r.data.webhook.event_types.includes('tag_deleted'), r.data.webhook.event_types);
  eq('adding an event type keeps the webhook active', r.data.webhook.status, 'active');
  await sdk.tagsDelete({ id: tag.id });
  const d = await nextRequest((x) => x.body?.type === 'tag_deleted' && x.body.tag_deleted.id === tag.id);
  check('tag_deleted delivered after the event type was added', d !== null);
});

await step('a failed attempt is retried about 30 s later with the same event id', async () => {
  failNext = (e) => e.body?.type === 'rev_user_updated';
  await sdk.revUsersUpdate({ id: contact.id, display_name: 'Retry me' });
  const first = await nextRequest((x) => x.body?.type === 'rev_user_updated' && x.answered === 500);
  if (!check('the first attempt arrived (and was answered 500)', first !== null)) return;
  const retry = await nextRequest(
    (x) => x.body?.type === 'rev_user_updated' && x.body.id === first.body.id && x.answered === 200,
    60000,
  );
  if (!check('the retry arrived', retry !== null)) return;
  const gap = (retry.at - first.at) / 1000;
  check('the retry came about 30 s after the failure', gap >= 25 && gap <= 45, `${gap} s`);
  check('the retry is re-stamped', retry.body.timestamp !== first.body.timestamp, [first.body.timestamp, retry.body.timestamp]);
  eq('the retry is signed anew', retry.headers['x-devrev-signature'], hmac(secret, retry.raw));
});

await step('deactivate, list and delete', async () => {
  const off = await sdk.webhooksUpdate({ id: hook.id, action: 'deactivate' });
  eq('deactivate: inactive', off.data.webhook.status, 'inactive');
  const listed = await sdk.webhooksList({});
  check('webhooksList shows it', listed.data.webhooks.some((w) => w.id === hook.id));
  await sdk.revUsersUpdate({ id: contact.id, display_name: 'Not delivered' });
  // Two rev_user_updated deliveries of this contact were delivered before (the rename and
  // the retried one): a third would mean the inactive webhook got an event.
  const lab = await fetch(`${BASE}/_revdir/webhooks.deliveries.wait`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ webhook: hook.id, object: contact.id, event_type: ['rev_user_updated'], count: 3, timeout_ms: 1500 }),
  }).then((r) => r.json());
  eq('an inactive webhook gets no new event', lab.complete, false);
  const del = await sdk.webhooksDelete({ id: hook.id });
  eq('webhooksDelete: 200', del.status, 200);
  try {
    await sdk.webhooksGet({ id: hook.id });
    check('a deleted webhook is gone', false);
  } catch (e) {
    eq('a deleted webhook is gone', e?.response?.status, 404);
  }
});

receiver.close();
finish();
