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

import { check, eq, finish } from './report.mjs';

const BASE = process.env.DEVREV_BASE_URL;
const TOKEN = process.env.DEVREV_API_TOKEN;
if (!BASE || !TOKEN) {
  console.error('set DEVREV_BASE_URL and DEVREV_API_TOKEN');
  process.exit(2);
}
const TRACE = process.env.SDK_TRACE === '1';

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
    // UserBase.display_picture is an ArtifactSummary (an object), never a bare id.
    if (v.display_picture !== undefined) shapeProblems('artifact-summary', v.display_picture, `${path}.display_picture`, out);
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
      need(v.artifacts === undefined || Array.isArray(v.artifacts), 'artifacts not an array');
      (v.artifacts ?? []).forEach((a, i) => shapeProblems('artifact-summary', a, `${path}.artifacts[${i}]`, out));
      break;
    case 'artifact-summary':
    case 'artifact':
      if (kind === 'artifact') atom();
      else need(isStr(v.id), 'id (required) missing');
      need(v.file === undefined || (v.file !== null && typeof v.file === 'object'), 'file not an object');
      if (v.file) {
        need(v.file.type === undefined || typeof v.file.type === 'string', 'file.type not a string');
        need(v.file.name === undefined || typeof v.file.name === 'string', 'file.name not a string');
        need(v.file.size === undefined || Number.isInteger(v.file.size), 'file.size not an integer');
      }
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

// ---------------------------------------------------------------------------
// Artifacts (§8.4): prepare, a presigned multipart upload, get, locate + download,
// versions, list, and pictures/attachments on contacts and the sys user.
// The SDK has no upload or download helper (its artifact methods are the plain
// generated REST calls), so the upload is Node's fetch + FormData, like S3's POST.
// ---------------------------------------------------------------------------

// A real PNG (w×h, 8-bit RGB, one colour), so the bytes are a file a browser would show.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
async function makePng(w, h, [r, g, b]) {
  const { deflateSync } = await import('node:zlib');
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) raw.set([r, g ^ x, b ^ y], y * (1 + 3 * w) + 1 + 3 * x);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The presigned POST: every form_data pair as a field, then the file part; no Authorization.
async function presignedUpload(target, bytes, fileName, type) {
  const fd = new FormData();
  for (const { key, value } of target.form_data) fd.append(key, value);
  fd.append('file', new Blob([bytes], { type }), fileName);
  const res = await fetch(target.url, { method: 'POST', body: fd });
  return { status: res.status, body: await res.text() };
}

async function fetchBytes(url) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

const isArtifactDon = (id) => typeof id === 'string' && /^don:core:[^:]+:devo\/[^:]+:artifact\/\d+$/.test(id);

// Prepares, uploads and returns {id, bytes, name}, checking each step under `label`.
async function uploaded(label, name, type, bytes) {
  const set = type.startsWith('image/') ? publicSDK.ArtifactConfigurationSet.UserProfilePicture : publicSDK.ArtifactConfigurationSet.Default;
  const p = await sdk.artifactsPrepare({ file_name: name, file_type: type, configuration_set: set });
  const up = await presignedUpload(p.data, bytes, name, type);
  eq(`${label}: upload 204`, up.status, 204);
  return { id: p.data.id, bytes, name, type };
}

const art = {};
await step('artifactsPrepare + upload', async () => {
  const png = await makePng(16, 12, [200, 30, 90]);
  const name = `face-${run}.png`;
  const r = await sdk.artifactsPrepare({ file_name: name, file_type: 'image/png', configuration_set: publicSDK.ArtifactConfigurationSet.UserProfilePicture });
  eq('artifactsPrepare: status', r.status, 200);
  eq('wire: artifactsPrepare is a POST', lastWire('/artifacts.prepare')?.method, 'POST');
  check('artifactsPrepare: id is an artifact DON', isArtifactDon(r.data.id), r.data.id);
  let url;
  try {
    url = new URL(r.data.url);
  } catch {
    url = undefined;
  }
  check('artifactsPrepare: url is absolute', url !== undefined && /^https?:$/.test(url.protocol), r.data.url);
  check(
    'artifactsPrepare: form_data is [{key, value}] strings',
    Array.isArray(r.data.form_data) && r.data.form_data.length > 0 && r.data.form_data.every((f) => typeof f.key === 'string' && typeof f.value === 'string'),
    r.data.form_data,
  );
  const up = await presignedUpload(r.data, png, name, 'image/png');
  eq('presigned upload (fetch + FormData, no Authorization): 204', up.status, 204);
  art.pic = { id: r.data.id, bytes: png, name };

  // A second upload with the same form must not need the API token either; a bad ticket is refused.
  const forged = { url: r.data.url, form_data: r.data.form_data.map((f) => (f.key === 'ticket' ? { key: f.key, value: `${f.value}x` } : f)) };
  const bad = await presignedUpload(forged, png, name, 'image/png');
  check('presigned upload with a tampered ticket: 4xx', bad.status >= 400 && bad.status < 500, `${bad.status} ${bad.body}`);
});

await step('artifactsGet', async () => {
  const r = await sdk.artifactsGet({ id: art.pic.id });
  eq('artifactsGet: status', r.status, 200);
  eq('wire: artifactsGet is a GET', lastWire('/artifacts.get')?.method, 'GET');
  shape('artifactsGet', 'artifact', r.data.artifact);
  eq('artifactsGet: id', r.data.artifact.id, art.pic.id);
  eq('artifactsGet: file', r.data.artifact.file, { type: 'image/png', name: art.pic.name, size: art.pic.bytes.length });
  eq('artifactsGet: version.version', r.data.version?.version, '1');
  check('artifactsGet: version.timestamp is date-time', !Number.isNaN(Date.parse(r.data.version?.timestamp)), r.data.version);
  art.pic.display_id = r.data.artifact.display_id;
  check('artifactsGet: display_id ARTIFACT-n', /^ARTIFACT-\d+$/.test(art.pic.display_id ?? ''), art.pic.display_id);
  const byDisplay = await sdk.artifactsGet({ id: art.pic.display_id });
  eq('artifactsGet by display_id', byDisplay.data.artifact.id, art.pic.id);
  const post = await sdk.artifactsGetPost({ id: art.pic.id });
  eq('artifactsGetPost: same answer as GET', post.data, r.data);
});

await step('artifactsLocate + download', async () => {
  const r = await sdk.artifactsLocate({ id: art.pic.id });
  eq('artifactsLocate: status', r.status, 200);
  eq('wire: artifactsLocate is a GET', lastWire('/artifacts.locate')?.method, 'GET');
  check('artifactsLocate: expires_at in the future', Date.parse(r.data.expires_at) > Date.now(), r.data.expires_at);
  const d = await fetchBytes(r.data.url);
  eq('download (token-less fetch): 200', d.status, 200);
  eq('download: content-type', d.type, 'image/png');
  check('download: exact bytes', d.bytes.equals(art.pic.bytes), `${d.bytes.length} bytes vs ${art.pic.bytes.length}`);
  const post = await sdk.artifactsLocatePost({ id: art.pic.display_id });
  check('artifactsLocatePost by display_id: also downloads the bytes', (await fetchBytes(post.data.url)).bytes.equals(art.pic.bytes));
});

await step('artifactsVersionsPrepare + upload v2', async () => {
  const v1 = Buffer.from(`plain text v1 ${run}\n`);
  const v2 = Buffer.from(`plain text, version two ${run}\n`.repeat(40));
  art.doc = await uploaded('doc v1', `notes-${run}.txt`, 'text/plain', v1);
  const r = await sdk.artifactsVersionsPrepare({ id: art.doc.id });
  eq('artifactsVersionsPrepare: status', r.status, 200);
  check('artifactsVersionsPrepare: url and form_data', typeof r.data.url === 'string' && Array.isArray(r.data.form_data), r.data);
  eq('upload v2: 204', (await presignedUpload(r.data, v2, art.doc.name, 'text/plain')).status, 204);
  const g = await sdk.artifactsGet({ id: art.doc.id });
  eq('artifactsGet after v2: version', g.data.version?.version, '2');
  eq('artifactsGet after v2: size', g.data.artifact.file?.size, v2.length);
  eq('artifactsGet version=1: size', (await sdk.artifactsGet({ id: art.doc.id, version: '1' })).data.artifact.file?.size, v1.length);
  const latest = await fetchBytes((await sdk.artifactsLocate({ id: art.doc.id })).data.url);
  check('download latest: v2 bytes', latest.bytes.equals(v2), latest.bytes.length);
  check('download latest: text/plain', /^text\/plain/.test(latest.type ?? ''), latest.type);
  const old = await fetchBytes((await sdk.artifactsLocate({ id: art.doc.id, version: '1' })).data.url);
  check('download version=1: v1 bytes', old.bytes.equals(v1), old.bytes.length);

  // artifactsHardDeleteVersion (/artifacts.versions.delete) on a third artifact.
  const tmp = await uploaded('scratch v1', `scratch-${run}.bin`, 'application/octet-stream', Buffer.from([0, 1, 2, 255]));
  const t2 = await sdk.artifactsVersionsPrepare({ id: tmp.id });
  await presignedUpload(t2.data, Buffer.from([9, 9]), tmp.name, 'application/octet-stream');
  const del = await sdk.artifactsHardDeleteVersion({ id: tmp.id, version: '2' });
  eq('artifactsHardDeleteVersion version=2: status', del.status, 200);
  const back = await fetchBytes((await sdk.artifactsLocate({ id: tmp.id })).data.url);
  check('after deleting v2, locate serves v1 again', back.bytes.equals(tmp.bytes), [...back.bytes]);
});

await step('display_picture on a contact', async () => {
  const r = await sdk.revUsersUpdate({ id: u1.id, display_picture: art.pic.id });
  eq('revUsersUpdate display_picture: status', r.status, 200);
  shape('revUsersUpdate display_picture', 'rev-user', r.data.rev_user);
  eq('revUsersUpdate display_picture: id', r.data.rev_user.display_picture?.id, art.pic.id);
  eq('revUsersUpdate display_picture: file', r.data.rev_user.display_picture?.file, { type: 'image/png', name: art.pic.name, size: art.pic.bytes.length });
  const again = await sdk.revUsersGet({ id: u1.id });
  eq('revUsersGet shows the picture', again.data.rev_user.display_picture?.id, art.pic.id);
  const listed = await sdk.artifactsList({ parent_id: u1.id });
  eq('wire: artifactsList is a GET', lastWire('/artifacts.list')?.method, 'GET');
  eq('artifactsList(parent_id=contact) holds the picture', listed.data.artifacts.map((a) => a.id), [art.pic.id]);
  listed.data.artifacts.forEach((a, i) => shape(`artifactsList[${i}]`, 'artifact', a));

  // The SDK types display_picture as `string | null` and axios keeps the null in the JSON.
  const c = await sdk.revUsersUpdate({ id: u1.id, display_picture: null });
  eq('wire: revUsersUpdate sent "display_picture": null', JSON.parse(c.config.data).display_picture, null);
  eq('revUsersUpdate display_picture null: cleared', c.data.rev_user.display_picture, undefined);
  eq('artifactsList after clearing: empty', (await sdk.artifactsList({ parent_id: u1.id })).data.artifacts, []);
});

await step('display_picture on the sys user', async () => {
  const bots = (await sdk.sysUsersList({ limit: 100 })).data.sys_users;
  const bot = bots.find((s) => s.display_id === 'SYSU-1') ?? bots[0];
  const r = await sdk.sysUsersUpdate({ id: bot.id, display_picture: art.pic.id });
  eq('sysUsersUpdate display_picture: status', r.status, 200);
  shape('sysUsersUpdate display_picture', 'sys-user', r.data.sys_user);
  eq('sysUsersUpdate display_picture: id', r.data.sys_user.display_picture?.id, art.pic.id);
  const listed = (await sdk.sysUsersList({ limit: 100 })).data.sys_users.find((s) => s.id === bot.id);
  eq('sysUsersList shows the picture', listed?.display_picture?.id, art.pic.id);
  const c = await sdk.sysUsersUpdate({ id: bot.id, display_picture: null });
  eq('sysUsersUpdate display_picture null: cleared', c.data.sys_user.display_picture, undefined);
});

await step('artifacts on contacts', async () => {
  const r = await sdk.revUsersUpdate({ id: u1.id, artifacts: { set: [art.doc.id] } });
  eq('revUsersUpdate artifacts {set}: status', r.status, 200);
  shape('revUsersUpdate artifacts', 'rev-user', r.data.rev_user);
  eq('revUsersUpdate artifacts {set}: ids', (r.data.rev_user.artifacts ?? []).map((a) => a.id), [art.doc.id]);
  eq('artifactsList(parent_id=contact)', (await sdk.artifactsList({ parent_id: u1.id })).data.artifacts.map((a) => a.id), [art.doc.id]);
  eq('artifactsListPost by display_id', (await sdk.artifactsListPost({ parent_id: u1.display_id })).data.artifacts.map((a) => a.id), [art.doc.id]);

  // One parent per artifact: another contact cannot take it.
  for (const [what, body] of [
    ['artifacts {set}', { id: u0.id, artifacts: { set: [art.doc.id] } }],
    ['display_picture', { id: u0.id, display_picture: art.doc.id }],
  ]) {
    const res = await expectError(`revUsersUpdate ${what} held by another contact`, sdk.revUsersUpdate(body));
    if (res) {
      eq(`${what} held elsewhere: 400`, res.status, 400);
      eq(`${what} held elsewhere: type`, res.data?.type, 'artifact_already_attached_to_a_parent');
      check(`${what} held elsewhere: type is a known ErrorBadRequestType`, BAD_REQUEST_TYPES.has(res.data?.type), res.data);
      eq(`${what} held elsewhere: existing_parent`, res.data?.existing_parent, u1.id);
      eq(`${what} held elsewhere: is_same`, res.data?.is_same, false);
    }
  }

  // rev-users.create takes a picture id and a plain array of artifacts.
  const pic2 = await uploaded('pic2', `face2-${run}.png`, 'image/png', await makePng(4, 4, [1, 2, 3]));
  const doc2 = await uploaded('doc2', `doc2-${run}.txt`, 'text/plain', Buffer.from('second document'));
  const made = await sdk.revUsersCreate({ rev_org: revOrg.id, display_name: `Pictured ${run}`, display_picture: pic2.id, artifacts: [doc2.id] });
  check('revUsersCreate with display_picture + artifacts: 2xx', made.status === 200 || made.status === 201, made.status);
  shape('revUsersCreate with picture', 'rev-user', made.data.rev_user);
  eq('revUsersCreate: display_picture', made.data.rev_user.display_picture?.id, pic2.id);
  eq('revUsersCreate: artifacts', (made.data.rev_user.artifacts ?? []).map((a) => a.id), [doc2.id]);

  const cleared = await sdk.revUsersUpdate({ id: u1.id, artifacts: { set: [] } });
  eq('revUsersUpdate artifacts {set: []}: cleared', cleared.data.rev_user.artifacts ?? [], []);
  const moved = await sdk.revUsersUpdate({ id: u0.id, artifacts: { set: [art.doc.id] } });
  eq('a released artifact can be attached elsewhere', (moved.data.rev_user.artifacts ?? []).map((a) => a.id), [art.doc.id]);
});

// ---------------------------------------------------------------------------
// Custom fields (§6): a tenant fragment for rev_user, tnt__ fields on a contact.
// ---------------------------------------------------------------------------

await step('custom fields', async () => {
  // The Python runner sets the same fragment, so either order leaves one version.
  const fields = [
    { name: 'sdk_text', field_type: 'text', is_filterable: true },
    { name: 'sdk_number', field_type: 'int', is_filterable: true },
  ];
  const set = await beta.customSchemaFragmentsSet({
    type: 'tenant_fragment',
    leaf_type: 'rev_user',
    description: 'SDK smoke fields',
    fields,
  });
  eq('customSchemaFragmentsSet: status', set.status, 201);
  const fragment = set.data.id;
  check('customSchemaFragmentsSet: a tenant fragment DON', /^don:core:[^:]+:devo\/[^:]+:tenant_fragment\/\d+$/.test(fragment), fragment);
  const got = await beta.customSchemaFragmentsGet({ id: fragment });
  eq('customSchemaFragmentsGet: type', got.data.fragment.type, 'tenant_fragment');
  eq('customSchemaFragmentsGet: fields', (got.data.fragment.fields ?? []).map((f) => f.name), ['sdk_text', 'sdk_number']);

  const made = await beta.revUsersCreate({
    rev_org: revOrg.id,
    display_name: `Custom ${run}`,
    custom_schema_fragments: [fragment],
    custom_fields: { tnt__sdk_text: 'hello', tnt__sdk_number: 7 },
  });
  check('revUsersCreate with custom fields: 2xx', made.status === 200 || made.status === 201, made.status);
  const c = made.data.rev_user;
  shape('revUsersCreate with custom fields', 'rev-user', c);
  eq('revUsersCreate: custom_fields', c.custom_fields, { tnt__sdk_number: 7, tnt__sdk_text: 'hello' });
  eq('revUsersCreate: custom_schema_fragments', c.custom_schema_fragments, [fragment]);
  check('revUsersCreate: stock_schema_fragment', /^don:core:[^:]+:stock_sf\/\d+$/.test(c.stock_schema_fragment ?? ''), c.stock_schema_fragment);

  // Custom fields alone: the named fields change, nothing else does.
  const upd = await beta.revUsersUpdate({
    id: c.id,
    custom_schema_spec: { tenant_fragment: true },
    custom_fields: { tnt__sdk_number: 8 },
  });
  eq('revUsersUpdate custom_fields alone: status', upd.status, 200);
  eq('revUsersUpdate custom_fields alone: merged per key', upd.data.rev_user.custom_fields, { tnt__sdk_number: 8, tnt__sdk_text: 'hello' });
  eq('revUsersUpdate custom_fields alone: display_name kept', upd.data.rev_user.display_name, c.display_name);
  const upd2 = await beta.revUsersUpdate({
    id: c.id,
    custom_schema_fragments: { set: [fragment] },
    custom_fields: { tnt__sdk_text: 'bye', tnt__sdk_number: null },
  });
  eq('revUsersUpdate custom_schema_fragments {set}: null clears', upd2.data.rev_user.custom_fields, { tnt__sdk_text: 'bye' });

  const before = (await beta.revUsersGet({ id: c.id })).data.rev_user;
  for (const [what, body, subtype, field] of [
    ['an undeclared field', { custom_schema_spec: { tenant_fragment: true }, custom_fields: { tnt__undeclared: 1 } }, 'field_not_in_schema', 'tnt__undeclared'],
    ['a field whose schema is not named', { custom_fields: { tnt__sdk_text: 'x' } }, 'field_not_in_schema', 'tnt__sdk_text'],
    ['a value of the wrong type', { custom_schema_spec: { tenant_fragment: true }, custom_fields: { tnt__sdk_number: 'eight' } }, 'wrong_type', 'tnt__sdk_number'],
  ]) {
    const res = await expectError(`revUsersUpdate with ${what}`, beta.revUsersUpdate({ id: c.id, display_name: 'must not stick', ...body }));
    if (res) {
      eq(`${what}: 400`, res.status, 400);
      eq(`${what}: type`, res.data?.type, 'customization_validation_error');
      check(`${what}: type is a known ErrorBadRequestType`, BAD_REQUEST_TYPES.has(res.data?.type), res.data);
      eq(`${what}: subtype`, res.data?.subtype, subtype);
      eq(`${what}: field_name`, res.data?.field_name, field);
    }
  }
  eq('refused custom field updates wrote nothing', (await beta.revUsersGet({ id: c.id })).data.rev_user, before);

  const listed = await beta.revUsersListPost({ custom_fields: { tnt__sdk_text: 'bye' } });
  check('revUsersListPost custom_fields filter', listed.data.rev_users.some((u) => u.id === c.id), listed.data.rev_users.map((u) => u.id));
  // The GET twin: the SDK sends custom_fields[tnt__sdk_text][0]=bye for an array value.
  const got2 = await beta.revUsersList({ custom_fields: { tnt__sdk_text: ['bye', 'other'] } });
  check('revUsersList (GET) custom_fields filter', got2.data.rev_users.some((u) => u.id === c.id), got2.data.rev_users.map((u) => u.id));
  const got3 = await beta.revUsersList({ custom_fields: { tnt__sdk_text: 'nobody' } });
  check('revUsersList (GET) custom_fields filter excludes', !got3.data.rev_users.some((u) => u.id === c.id), got3.data.rev_users.map((u) => u.id));
});

finish();
