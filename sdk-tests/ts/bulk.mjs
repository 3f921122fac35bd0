// Drives revdir's bulk reads with DevRev's TypeScript SDK (@devrev/typescript-sdk 1.1.71):
// `revUsersScan`/`revUsersScanPost` (every matching contact, page by page, until no
// next_cursor) and `accountsExport`/`accountsExportPost` (the first `first` accounts).
//
//   DEVREV_BASE_URL=https://127.0.0.1:8443 DEVREV_API_TOKEN=... node bulk.mjs
//
// Every check prints `ok` or `FAIL`; the last line is `N passed, M failed`.

import { client } from '@devrev/typescript-sdk';

import { check, eq, finish } from './report.mjs';

const BASE = process.env.DEVREV_BASE_URL;
const TOKEN = process.env.DEVREV_API_TOKEN;
if (!BASE || !TOKEN) {
  console.error('set DEVREV_BASE_URL and DEVREV_API_TOKEN');
  process.exit(2);
}

// Runs one scenario; an exception counts as one failure and shows what the server said.
async function step(name, fn) {
  try {
    return await fn();
  } catch (e) {
    const res = e?.response;
    const detail = res
      ? `HTTP ${res.status} ${res.config?.method?.toUpperCase()} ${res.request?.path} -> ${JSON.stringify(res.data)}`
      : (e?.stack ?? String(e)).split('\n').slice(0, 3).join(' | ');
    check(`${name} (threw)`, false, detail);
    return undefined;
  }
}

// The call's HTTP error response, or a failure if it succeeded.
async function expectError(name, promise) {
  try {
    const r = await promise;
    check(`${name}: fails`, false, `unexpectedly ${r.status} ${JSON.stringify(r.data)}`);
    return undefined;
  } catch (e) {
    if (!e?.response) {
      check(`${name}: fails with an HTTP response`, false, String(e));
      return undefined;
    }
    return e.response;
  }
}

// The method and path (with query string) of the last request the SDK sent.
let last;
function instrument(sdk) {
  const record = (req) => {
    if (req) last = { method: req.method, path: req.path };
  };
  sdk.instance.interceptors.response.use(
    (res) => {
      record(res.request);
      return res;
    },
    (err) => {
      record(err?.request ?? err?.response?.request);
      return Promise.reject(err);
    },
  );
  return sdk;
}

const sdk = instrument(client.setup({ endpoint: BASE, token: TOKEN }));
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const idsOf = (list) => list.map((o) => o.id);

console.log(`# bulk reads with @devrev/typescript-sdk against ${BASE} (run ${run})`);

const users = [];
await step('revUsersCreate', async () => {
  for (let i = 0; i < 3; i += 1) {
    const r = await sdk.revUsersCreate({ display_name: `Scan ${i}`, email: `scan${i}-${run}@example.com` });
    users.push(r.data.rev_user);
  }
});
const emails = users.map((u) => u.email);

await step('revUsersScan', async () => {
  const r = await sdk.revUsersScan({ email: emails });
  eq('revUsersScan email=[3]: status', r.status, 200);
  eq('wire: revUsersScan is a GET', last?.method, 'GET');
  check('wire: revUsersScan sends the filter in the query', last?.path.startsWith('/rev-users.scan?email='), last?.path);
  eq('revUsersScan email=[3]: the three, ascending', idsOf(r.data.rev_users), idsOf(users));
  eq('revUsersScan: no next_cursor on the last page', r.data.next_cursor, undefined);
  eq('revUsersScan: no prev_cursor', r.data.prev_cursor, undefined);

  const post = await sdk.revUsersScanPost({ email: emails });
  eq('wire: revUsersScanPost is a POST', last?.method, 'POST');
  eq('revUsersScanPost: same contacts as GET', post.data.rev_users, r.data.rev_users);

  const one = await sdk.revUsersScanPost({ email: [users[1].email], cursor: '' });
  eq('revUsersScanPost email=[1]', idsOf(one.data.rev_users), [users[1].id]);
});

await step('revUsersScan walks everything', async () => {
  // More than one page (the server's page is 100), so the walk follows a cursor in GET.
  for (let batch = 0; batch < 11; batch += 1) {
    const made = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sdk.revUsersCreate({ display_name: `Scan extra ${batch * 10 + i}` })),
    );
    users.push(...made.map((r) => r.data.rev_user));
  }
  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const page = cursor ? await sdk.revUsersScan({ cursor }) : await sdk.revUsersScan({});
    pages += 1;
    check(`revUsersScan page ${pages}: at most 100 contacts`, page.data.rev_users.length <= 100, page.data.rev_users.length);
    seen.push(...idsOf(page.data.rev_users));
    cursor = page.data.next_cursor;
  } while (cursor && pages < 1000);
  check('revUsersScan: more than one page', pages > 1, pages);
  eq('revUsersScan: no contact twice', new Set(seen).size, seen.length);
  check('revUsersScan: every contact made here', users.every((u) => seen.includes(u.id)), seen.length);
});

await step('revUsersScan bad cursor', async () => {
  for (const [name, call] of [
    ['revUsersScan', () => sdk.revUsersScan({ cursor: 'not-a-cursor' })],
    ['revUsersScanPost', () => sdk.revUsersScanPost({ cursor: 'not-a-cursor' })],
  ]) {
    const res = await expectError(`${name} with a bad cursor`, call());
    if (res) {
      eq(`${name} bad cursor: 400`, res.status, 400);
      eq(`${name} bad cursor: type`, res.data?.type, 'bad_request');
    }
  }
});

const accounts = [];
await step('accountsCreate', async () => {
  for (let i = 0; i < 3; i += 1) {
    const r = await sdk.accountsCreate({ display_name: `Export ${i} ${run}`, tier: i === 1 ? 'silver' : `gold-${run}` });
    accounts.push(r.data.account);
  }
});

await step('accountsExport', async () => {
  const r = await sdk.accountsExport({ tier: [`gold-${run}`] });
  eq('accountsExport tier=[gold]: status', r.status, 200);
  eq('wire: accountsExport is a GET', last?.method, 'GET');
  eq('accountsExport tier=[gold]: ascending id', idsOf(r.data.accounts), [accounts[0].id, accounts[2].id]);
  eq('accountsExport: only accounts in the answer', Object.keys(r.data), ['accounts']);

  const post = await sdk.accountsExportPost({ tier: [`gold-${run}`], sort_by: ['display_name:desc'], first: 1 });
  eq('wire: accountsExportPost is a POST', last?.method, 'POST');
  eq('accountsExportPost sort_by + first=1', idsOf(post.data.accounts), [accounts[2].id]);

  const byName = await sdk.accountsExport({ display_name: [accounts[1].display_name], first: 500 });
  eq('accountsExport display_name, first=500', idsOf(byName.data.accounts), [accounts[1].id]);

  const all = await sdk.accountsExport({});
  check('accountsExport: 50 at most by default', all.data.accounts.length <= 50, all.data.accounts.length);

  for (const [name, call] of [
    ['accountsExport first=501', () => sdk.accountsExport({ first: 501 })],
    ['accountsExportPost first=0', () => sdk.accountsExportPost({ first: 0 })],
  ]) {
    const res = await expectError(name, call());
    if (res) {
      eq(`${name}: 400`, res.status, 400);
      eq(`${name}: type`, res.data?.type, 'bad_request');
      check(`${name}: the message names first`, String(res.data?.message).includes('first'), res.data);
    }
  }
});

finish();
