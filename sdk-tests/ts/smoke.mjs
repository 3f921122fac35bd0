// Drives revdir with DevRev's published TypeScript SDK (@devrev/typescript-sdk, its JS build).
//
//   DEVREV_BASE_URL=http://127.0.0.1:8080 DEVREV_API_TOKEN=... node smoke.mjs
//
// Optional: SDK_TRACE=1 prints every request exactly as the SDK put it on the wire
// (method, path with query string, headers with the token shortened).
//
// Every check prints `ok` or `FAIL`; the last line is `N passed, M failed` and the
// exit status is non-zero when anything failed.

import { client, publicSDK } from '@devrev/typescript-sdk';

const BASE = process.env.DEVREV_BASE_URL;
const TOKEN = process.env.DEVREV_API_TOKEN;
if (!BASE || !TOKEN) {
  console.error('set DEVREV_BASE_URL and DEVREV_API_TOKEN');
  process.exit(2);
}
const TRACE = process.env.SDK_TRACE === '1';

let passed = 0;
let failed = 0;
const failures = [];

function check(name, cond, detail) {
  if (cond) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    failures.push(name);
    const extra = detail === undefined ? '' : ` :: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`;
    console.log(`FAIL ${name}${extra}`);
  }
  return cond;
}

function eq(name, actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  return check(name, a === e, `got ${a}, want ${e}`);
}

// Runs one scenario; an exception (an unexpected HTTP error, a TypeError on a missing
// field) counts as one failure and shows what the server said.
async function step(name, fn) {
  try {
    return await fn();
  } catch (e) {
    const res = e?.response;
    const detail = res
      ? `HTTP ${res.status} ${res.config?.method?.toUpperCase()} ${res.request?.path} -> ${JSON.stringify(res.data)}`
      : e?.code
        ? `${e.code}: ${e.message}`
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
      check(`${name}: fails with an HTTP response`, false, e?.code ? `${e.code}: ${e.message}` : String(e));
      return undefined;
    }
    return e.response;
  }
}

// ---------------------------------------------------------------------------
// The wire: what the SDK actually sent, read back from Node's ClientRequest.
// ---------------------------------------------------------------------------

const wire = []; // {method, path, headers}

function instrument(sdk, label) {
  const record = (req, config) => {
    if (!req) return;
    const headers = { ...req.getHeaders?.() };
    if (headers.authorization) {
      const v = String(headers.authorization);
      headers.authorization = `${v.slice(0, 12)}…(len ${v.length})`;
    }
    const entry = { label, method: req.method ?? config?.method?.toUpperCase(), path: req.path, headers };
    wire.push(entry);
    if (TRACE) console.log(`     > ${entry.label} ${entry.method} ${entry.path} ${JSON.stringify(headers)}`);
  };
  sdk.instance.interceptors.response.use(
    (res) => {
      record(res.request, res.config);
      return res;
    },
    (err) => {
      record(err?.request ?? err?.response?.request, err?.config);
      return Promise.reject(err);
    },
  );
  return sdk;
}

function lastWire(pathPrefix) {
  for (let i = wire.length - 1; i >= 0; i -= 1) {
    if (wire[i].path.startsWith(pathPrefix)) return wire[i];
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Shape checks: the fields the SDK's own TypeScript types declare as required,
// and enum values it declares, for everything revdir returns.
// ---------------------------------------------------------------------------

const USER_TYPES = new Set(Object.values(publicSDK.UserType));
const ORG_TYPES = new Set(Object.values(publicSDK.OrgType));
const USER_STATES = new Set(Object.values(publicSDK.UserState));
const BAD_REQUEST_TYPES = new Set(Object.values(publicSDK.ErrorBadRequestType));

function shapeProblems(kind, v, path = kind, out = []) {
  const need = (cond, what) => {
    if (!cond) out.push(`${path}: ${what}`);
  };
  const isStr = (x) => typeof x === 'string' && x.length > 0;
  const isDate = (x) => x === undefined || (typeof x === 'string' && !Number.isNaN(Date.parse(x)));
  if (v === null || typeof v !== 'object') {
    out.push(`${path}: not an object`);
    return out;
  }
  const atom = () => {
    need(isStr(v.id), 'id (required string) missing');
    need(v.display_id === undefined || isStr(v.display_id), 'display_id not a string');
    need(isDate(v.created_date) && isDate(v.modified_date), 'created_date/modified_date not date-time');
    if (v.created_by !== undefined) shapeProblems('user-summary', v.created_by, `${path}.created_by`, out);
    if (v.modified_by !== undefined) shapeProblems('user-summary', v.modified_by, `${path}.modified_by`, out);
  };
  const user = () => {
    atom();
    need(v.state === undefined || USER_STATES.has(v.state), `state ${JSON.stringify(v.state)} not a UserState`);
    need(v.phone_numbers === undefined || Array.isArray(v.phone_numbers), 'phone_numbers not an array');
  };
  const tags = () => {
    need(v.tags === undefined || Array.isArray(v.tags), 'tags not an array');
    (v.tags ?? []).forEach((t, i) => {
      need(t && typeof t.tag === 'object', `tags[${i}].tag (required) missing`);
      if (t?.tag) {
        need(isStr(t.tag.id), `tags[${i}].tag.id (required) missing`);
        need(isStr(t.tag.name), `tags[${i}].tag.name (required by TagSummary) missing`);
      }
    });
  };
  switch (kind) {
    case 'user-summary':
      need(USER_TYPES.has(v.type), `type ${JSON.stringify(v.type)} not a UserType (required)`);
      need(isStr(v.id), 'id (required) missing');
      need(v.state === undefined || USER_STATES.has(v.state), 'state not a UserState');
      if (v.rev_org !== undefined) shapeProblems('org-summary', v.rev_org, `${path}.rev_org`, out);
      break;
    case 'org-summary':
      need(ORG_TYPES.has(v.type), `type ${JSON.stringify(v.type)} not an OrgType (required)`);
      need(isStr(v.id), 'id (required) missing');
      break;
    case 'account-summary':
      need(isStr(v.id), 'id (required) missing');
      break;
    case 'dev-org':
      atom();
      need(isStr(v.dev_slug), 'dev_slug (required by DevOrg) missing');
      break;
    case 'dev-user':
    case 'sys-user':
      user();
      break;
    case 'rev-user':
      user();
      tags();
      if (v.rev_org !== undefined) shapeProblems('org-summary', v.rev_org, `${path}.rev_org`, out);
      need(v.external_refs === undefined || Array.isArray(v.external_refs), 'external_refs not an array');
      break;
    case 'tag':
      atom();
      need(isStr(v.name), 'name (required by Tag) missing');
      break;
    case 'account':
      atom();
      tags();
      need(Array.isArray(v.owned_by), 'owned_by (required by Account) missing');
      (v.owned_by ?? []).forEach((u, i) => shapeProblems('user-summary', u, `${path}.owned_by[${i}]`, out));
      break;
    case 'rev-org':
      atom();
      tags();
      if (v.account !== undefined) shapeProblems('account-summary', v.account, `${path}.account`, out);
      break;
    default:
      out.push(`${path}: unknown kind ${kind}`);
  }
  return out;
}

function shape(name, kind, v) {
  const problems = shapeProblems(kind, v);
  return check(`${name}: ${kind} matches the SDK's declared type`, problems.length === 0, problems);
}

// ---------------------------------------------------------------------------

const sdk = instrument(client.setup({ endpoint: BASE, token: TOKEN }), 'public');
const beta = instrument(client.setupBeta({ endpoint: BASE, token: TOKEN }), 'beta');
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const ids = {};

console.log(`# @devrev/typescript-sdk against ${BASE} (run ${run})`);

await step('devOrgsGet', async () => {
  const r = await sdk.devOrgsGet();
  eq('devOrgsGet: status', r.status, 200);
  shape('devOrgsGet', 'dev-org', r.data.dev_org);
  const w = lastWire('/dev-orgs.get');
  eq('wire: devOrgsGet is a GET', w?.method, 'GET');
  check('wire: Authorization is the bare token (no "Bearer ")', w?.headers.authorization?.startsWith(TOKEN.slice(0, 12)), w?.headers);
  eq('wire: X-Devrev-Client-Platform header', w?.headers['x-devrev-client-platform'], 'Typescript-SDK');
  eq('wire: no x-devrev-version header', w?.headers['x-devrev-version'], undefined);
});

await step('devUsersSelf', async () => {
  const r = await sdk.devUsersSelf();
  eq('devUsersSelf: status', r.status, 200);
  shape('devUsersSelf', 'dev-user', r.data.dev_user);
  ids.self = r.data.dev_user.id;
});

await step('auth', async () => {
  const bad = instrument(client.setup({ endpoint: BASE, token: 'not-a-token' }), 'bad-token');
  const res = await expectError('devUsersSelf with a bad token', bad.devUsersSelf());
  if (res) {
    eq('bad token: 401', res.status, 401);
    eq('bad token: type', res.data?.type, 'unauthenticated');
  }
  const bearer = client.setup({ endpoint: BASE, token: `Bearer ${TOKEN}` });
  eq('token given as "Bearer <t>" also works', (await bearer.devUsersSelf()).status, 200);
});

const tag = await step('tagsCreate', async () => {
  const r = await sdk.tagsCreate({ name: `vip-${run}`, allowed_values: ['gold', 'silver'], description: 'smoke' });
  check('tagsCreate: 2xx', r.status === 200 || r.status === 201, r.status);
  shape('tagsCreate', 'tag', r.data.tag);
  eq('tagsCreate: name', r.data.tag.name, `vip-${run}`);
  eq('tagsCreate: allowed_values', r.data.tag.allowed_values, ['gold', 'silver']);
  return r.data.tag;
});
const tag2 = await step('tagsCreate (second)', async () => (await sdk.tagsCreate({ name: `beta-${run}` })).data.tag);

let defaultRevOrg;
const acct = await step('accountsCreate', async () => {
  const r = await sdk.accountsCreate({ display_name: `Acme ${run}`, external_refs: [`acme-${run}`], domains: [`acme-${run}.example`] });
  check('accountsCreate: 2xx', r.status === 200 || r.status === 201, r.status);
  shape('accountsCreate', 'account', r.data.account);
  shape('accountsCreate default_rev_org', 'rev-org', r.data.default_rev_org);
  eq('accountsCreate: display_name', r.data.account.display_name, `Acme ${run}`);
  defaultRevOrg = r.data.default_rev_org;
  return r.data.account;
});

const revOrg = await step('revOrgsCreate', async () => {
  const r = await sdk.revOrgsCreate({ account: acct.id, display_name: `Acme EU ${run}`, external_ref: `acme-eu-${run}` });
  check('revOrgsCreate: 2xx', r.status === 200 || r.status === 201, r.status);
  shape('revOrgsCreate', 'rev-org', r.data.rev_org);
  eq('revOrgsCreate: account', r.data.rev_org.account?.id, acct.id);
  return r.data.rev_org;
});

const users = [];
await step('revUsersCreate', async () => {
  for (let i = 0; i < 3; i += 1) {
    // The third user's external_ref contains a comma, to exercise the quoted array form in GET filters.
    const ext = i === 2 ? `crm,${run},2` : `crm-${run}-${i}`;
    const r = await sdk.revUsersCreate({
      rev_org: revOrg.id,
      display_name: `User ${i}`,
      email: `user${i}-${run}@example.com`,
      phone_numbers: [`+1415555010${i}`],
      external_ref: ext,
    });
    check(`revUsersCreate #${i}: 2xx`, r.status === 200 || r.status === 201, r.status);
    shape(`revUsersCreate #${i}`, 'rev-user', r.data.rev_user);
    eq(`revUsersCreate #${i}: email`, r.data.rev_user.email, `user${i}-${run}@example.com`);
    eq(`revUsersCreate #${i}: external_ref`, r.data.rev_user.external_ref, ext);
    eq(`revUsersCreate #${i}: rev_org`, r.data.rev_user.rev_org?.id, revOrg.id);
    users.push(r.data.rev_user);
  }
});
const [u0, u1, u2] = users;

await step('revUsersGet', async () => {
  const r = await sdk.revUsersGet({ id: u0.id });
  eq('revUsersGet: status', r.status, 200);
  shape('revUsersGet', 'rev-user', r.data.rev_user);
  eq('revUsersGet: id', r.data.rev_user.id, u0.id);
  eq('wire: revUsersGet is a GET with ?id=', lastWire('/rev-users.get')?.method, 'GET');
  const byDisplay = await sdk.revUsersGet({ id: u0.display_id });
  eq('revUsersGet by display_id', byDisplay.data.rev_user.id, u0.id);
  const post = await sdk.revUsersGetPost({ id: u0.id });
  eq('revUsersGetPost: same user', post.data.rev_user.id, u0.id);
});

await step('revUsersUpdate', async () => {
  const body = {
    id: u0.id,
    display_name: `Renamed ${run}`,
    email: `renamed-${run}@example.com`,
    phone_numbers: ['+14155550199', '+442071838750'],
    external_ref: `crm-${run}-0-new`,
    external_refs: [`crm-${run}-0-new`, `zendesk-${run}-0`],
    tags: [{ id: tag.id, value: 'gold' }, { id: tag2.id }],
  };
  const r = await sdk.revUsersUpdate(body);
  eq('revUsersUpdate: status', r.status, 200);
  const u = r.data.rev_user;
  shape('revUsersUpdate', 'rev-user', u);
  eq('revUsersUpdate: display_name', u.display_name, body.display_name);
  eq('revUsersUpdate: email', u.email, body.email);
  eq('revUsersUpdate: phone_numbers', u.phone_numbers, body.phone_numbers);
  eq('revUsersUpdate: external_ref', u.external_ref, body.external_ref);
  eq('revUsersUpdate: external_refs', [...(u.external_refs ?? [])].sort(), [...body.external_refs].sort());
  const tagsBack = (u.tags ?? []).map((t) => [t.tag?.id, t.value ?? null]).sort();
  eq('revUsersUpdate: tags', tagsBack, [[tag.id, 'gold'], [tag2.id, null]].sort());
  const again = (await sdk.revUsersGet({ id: u0.id })).data.rev_user;
  eq('revUsersUpdate: persisted (get after update)', again, u);

  const display = await sdk.revUsersUpdate({ id: u0.display_id, description: 'by display id' });
  eq('revUsersUpdate by display_id', display.data.rev_user.description, 'by display id');
  const cleared = await sdk.revUsersUpdate({ id: u0.id, tags: [], phone_numbers: [] });
  eq('revUsersUpdate: tags cleared', cleared.data.rev_user.tags ?? [], []);
  eq('revUsersUpdate: phone_numbers cleared', cleared.data.rev_user.phone_numbers ?? [], []);
  await sdk.revUsersUpdate({ id: u0.id, tags: [{ id: tag.id, value: 'gold' }] });
});

await step('revUsersList', async () => {
  const idsOf = (r) => r.data.rev_users.map((u) => u.id);

  // Arrays in a GET query string: the SDK joins them as "a","b".
  const emails = [u1.email, u2.email];
  const r = await sdk.revUsersList({ email: emails, limit: 10 });
  eq('revUsersList email=[2]: status', r.status, 200);
  r.data.rev_users.forEach((u, i) => shape(`revUsersList[${i}]`, 'rev-user', u));
  eq('revUsersList email=[2]: both users', idsOf(r).sort(), [u1.id, u2.id].sort());
  const w = lastWire('/rev-users.list');
  check('wire: GET array encoded as %22a%22,%22b%22', w?.method === 'GET' && /email=%22[^&]*%22,%22/.test(w.path), w?.path);

  const post = await sdk.revUsersListPost({ email: emails, limit: 10 });
  eq('revUsersListPost (JSON array): same users as GET', idsOf(post).sort(), idsOf(r).sort());

  const one = await sdk.revUsersList({ email: [u1.email] });
  eq('revUsersList email=[1]', idsOf(one), [u1.id]);

  const comma = await sdk.revUsersList({ external_ref: [u2.external_ref] });
  eq('revUsersList external_ref item containing a comma', idsOf(comma), [u2.id]);

  // The SDK wraps each item in double quotes but escapes nothing inside it, so an item
  // holding a backslash or a double quote goes on the wire as-is: `"CORP\jdoe"`.
  for (const [what, ref] of [['a backslash', `CORP\\jdoe-${run}`], ['a double quote', `say "hi" ${run}`]]) {
    const made = (await sdk.revUsersCreate({ rev_org: defaultRevOrg.id, external_ref: ref })).data.rev_user;
    const viaPost = await sdk.revUsersListPost({ external_ref: [ref] });
    eq(`revUsersListPost external_ref item containing ${what}`, idsOf(viaPost), [made.id]);
    const viaGet = await sdk.revUsersList({ external_ref: [ref] });
    eq(`revUsersList (GET) external_ref item containing ${what}`, idsOf(viaGet), [made.id]);
  }

  const byOrg = await sdk.revUsersList({ rev_org: [revOrg.id], limit: 100 });
  eq('revUsersList rev_org=[org]', idsOf(byOrg).sort(), [u0.id, u1.id, u2.id].sort());

  const byTag = await sdk.revUsersList({ tags: [tag.id], rev_org: [revOrg.id] });
  eq('revUsersList tags=[tag]', idsOf(byTag), [u0.id]);

  const byPhone = await sdk.revUsersList({ phone_numbers: [u1.phone_numbers[0]] });
  eq('revUsersList phone_numbers=[+1…] (a + in the query)', idsOf(byPhone), [u1.id]);

  const byExtRefs = await sdk.revUsersList({ external_refs: [`zendesk-${run}-0`] });
  eq('revUsersList external_refs=[secondary ref]', idsOf(byExtRefs), [u0.id]);

  const created = await sdk.revUsersList({
    rev_org: [revOrg.id],
    created_date: { after: new Date(Date.parse(u0.created_date) - 1000).toISOString() },
    created_by: [ids.self],
  });
  eq('revUsersList created_date[after] + created_by (nested object in GET)', idsOf(created).sort(), [u0.id, u1.id, u2.id].sort());

  const sorted = await sdk.revUsersList({ rev_org: [revOrg.id], sort_by: ['created_date:desc'] });
  eq('revUsersList sort_by=created_date:desc', idsOf(sorted), [u2.id, u1.id, u0.id]);

  const none = await sdk.revUsersList({ email: [`nobody-${run}@example.com`] });
  eq('revUsersList with no match: empty page', none.data.rev_users, []);

  // Paging: limit 1, follow next_cursor to the end.
  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const page = await sdk.revUsersList({ rev_org: [revOrg.id], limit: 1, cursor, mode: publicSDK.ListMode.After });
    pages += 1;
    check(`revUsersList page ${pages}: at most 1 item`, page.data.rev_users.length <= 1, page.data.rev_users.length);
    seen.push(...idsOf(page));
    cursor = page.data.next_cursor;
    if (pages === 1) check('revUsersList page 1: has next_cursor', typeof cursor === 'string' && cursor.length > 0, page.data);
  } while (cursor && pages < 10);
  eq('revUsersList paging visits every user once', [...seen].sort(), [u0.id, u1.id, u2.id].sort());
  check('revUsersList paging ends (no next_cursor on the last page)', pages <= 4, pages);

  const first = await sdk.revUsersList({ rev_org: [revOrg.id], limit: 2 });
  const back = await sdk.revUsersList({ rev_org: [revOrg.id], limit: 2, cursor: first.data.next_cursor });
  if (check('revUsersList page 2: has prev_cursor', typeof back.data.prev_cursor === 'string', back.data)) {
    const prev = await sdk.revUsersList({ rev_org: [revOrg.id], limit: 2, cursor: back.data.prev_cursor, mode: 'before' });
    eq('revUsersList mode=before from prev_cursor returns page 1', idsOf(prev), idsOf(first));
  }
});

await step('beta client', async () => {
  const r = await beta.revUsersGet({ id: u1.id });
  eq('beta revUsersGet (X-Devrev-Scope: beta)', r.data.rev_user.id, u1.id);
  eq('wire: beta client sends X-Devrev-Scope: beta', lastWire('/rev-users.get')?.headers['x-devrev-scope'], 'beta');
  const l = await beta.revUsersList({ email: [u1.email, u2.email] });
  eq('beta revUsersList', l.data.rev_users.map((u) => u.id).sort(), [u1.id, u2.id].sort());
});

await step('revUsersDelete', async () => {
  const r = await sdk.revUsersDelete({ id: u2.id });
  eq('revUsersDelete: status', r.status, 200);
  check('revUsersDelete: body is an object', r.data !== null && typeof r.data === 'object', r.data);
  const res = await expectError('revUsersGet after delete', sdk.revUsersGet({ id: u2.id }));
  if (res) {
    eq('revUsersGet after delete: 404', res.status, 404);
    eq('revUsersGet after delete: type', res.data?.type, 'not_found');
  }
  const l = await sdk.revUsersList({ rev_org: [revOrg.id] });
  eq('revUsersList after delete', l.data.rev_users.map((u) => u.id).sort(), [u0.id, u1.id].sort());
});

await step('sysUsersList / sysUsersUpdate', async () => {
  const r = await sdk.sysUsersList({ limit: 10 });
  eq('sysUsersList: status', r.status, 200);
  check('sysUsersList: at least one', Array.isArray(r.data.sys_users) && r.data.sys_users.length > 0, r.data);
  r.data.sys_users.forEach((u, i) => shape(`sysUsersList[${i}]`, 'sys-user', u));
  const bot = r.data.sys_users[0];
  const u = await sdk.sysUsersUpdate({ id: bot.id, display_name: `bot-${run}`, full_name: `Bot ${run}` });
  eq('sysUsersUpdate: status', u.status, 200);
  shape('sysUsersUpdate', 'sys-user', u.data.sys_user);
  eq('sysUsersUpdate: display_name', u.data.sys_user.display_name, `bot-${run}`);
  eq('sysUsersUpdate: full_name', u.data.sys_user.full_name, `Bot ${run}`);
  const after = await sdk.sysUsersList();
  eq('sysUsersList shows the update', after.data.sys_users.find((s) => s.id === bot.id)?.display_name, `bot-${run}`);
  await sdk.sysUsersUpdate({ id: bot.id, display_name: bot.display_name, full_name: bot.full_name });
});

await step('errors', async () => {
  const cases = [
    ['revUsersUpdate invalid phone number', () => sdk.revUsersUpdate({ id: u0.id, phone_numbers: ['not a phone'] })],
    ['revUsersUpdate invalid email', () => sdk.revUsersUpdate({ id: u0.id, email: 'not-an-email' })],
    ['revUsersUpdate display_name of the wrong JSON type', () => sdk.revUsersUpdate({ id: u0.id, display_name: 5 })],
    ['revUsersUpdate without id', () => sdk.revUsersUpdate({ display_name: 'x' })],
    ['revUsersUpdate unknown tag', () => sdk.revUsersUpdate({ id: u0.id, tags: [{ id: 'TAG-999999' }] })],
    ['revUsersList limit not a number', () => sdk.revUsersList({ limit: 'ten' })],
    ['revUsersList mode not an enum value', () => sdk.revUsersList({ mode: 'sideways' })],
  ];
  for (const [name, call] of cases) {
    const res = await expectError(name, call());
    if (!res) continue;
    eq(`${name}: 400`, res.status, 400);
    check(`${name}: body has a known ErrorBadRequestType`, BAD_REQUEST_TYPES.has(res.data?.type), res.data);
    check(`${name}: body has a message`, typeof res.data?.message === 'string', res.data);
  }
  const missing = await expectError('revUsersUpdate unknown id', sdk.revUsersUpdate({ id: 'REVU-999999', display_name: 'x' }));
  if (missing) {
    eq('revUsersUpdate unknown id: 404', missing.status, 404);
    eq('revUsersUpdate unknown id: type', missing.data?.type, 'not_found');
  }
  const before = (await sdk.revUsersGet({ id: u0.id })).data.rev_user;
  await expectError('invalid update (again)', sdk.revUsersUpdate({ id: u0.id, display_name: 'should not stick', phone_numbers: ['nope'] }));
  eq('a rejected update changes nothing', (await sdk.revUsersGet({ id: u0.id })).data.rev_user, before);
});

if (failures.length) console.log(`# failed: ${failures.join(' | ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
