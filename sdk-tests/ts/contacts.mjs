// Drives revdir's contact memberships, merges and personal-data jobs with DevRev's
// TypeScript SDK (beta client): associations add/list/remove, the deprecated link/unlink,
// rev-users.merge, accounts.merge, personal-data export and erasure. Jobs answer `{}` at
// once; the script waits for each through revdir's /_revdir/jobs.wait (the id comes in the
// X-Revdir-Job header), never by sleeping.
//
//   DEVREV_BASE_URL=https://127.0.0.1:8443 DEVREV_API_TOKEN=... node contacts.mjs
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

const beta = client.setupBeta({ endpoint: BASE, token: TOKEN });

async function step(name, fn) {
  try {
    return await fn();
  } catch (e) {
    const res = e?.response;
    const detail = res ? `HTTP ${res.status} ${res.request?.path} -> ${JSON.stringify(res.data)}` : String(e);
    check(`${name} (threw)`, false, detail);
    return undefined;
  }
}

async function status(promise) {
  try {
    return (await promise).status;
  } catch (e) {
    return e?.response?.status ?? String(e);
  }
}

// Waits for the job an answer named, through revdir's long-poll.
async function waitJob(name, response) {
  const id = response.headers['x-revdir-job'];
  check(`${name}: the answer names its job`, typeof id === 'string' && id.length > 0, response.headers);
  for (let i = 0; i < 6; i += 1) {
    const r = await beta.instance.post('/_revdir/jobs.wait', { id, timeout_ms: 10000 });
    if (['done', 'failed'].includes(r.data.job.state)) return r.data.job;
  }
  return { state: 'timed out' };
}

const run = `${Date.now()}`;
const acme = (await beta.accountsCreate({ display_name: `Acme ${run}` })).data;
const globex = (await beta.accountsCreate({ display_name: `Globex ${run}` })).data;
const primary = (
  await beta.revUsersCreate({ display_name: 'Ada', email: `ada-${run}@acme.example`, rev_org: acme.default_rev_org.id })
).data.rev_user;
const secondary = (
  await beta.revUsersCreate({
    display_name: 'Ada L.',
    email: `ada-${run}@old.example`,
    external_ref: `old-${run}`,
    phone_numbers: ['+14155550142'],
  })
).data.rev_user;

await step('revUsersAssociationsAdd', async () => {
  const r = await beta.revUsersAssociationsAdd({
    rev_user_id: primary.id,
    associations: [{ associated_to: globex.default_rev_org.id }],
  });
  eq('revUsersAssociationsAdd: 201 {}', [r.status, r.data], [201, {}]);
});
await step('revUsersAssociationsListPost', async () => {
  const r = await beta.revUsersAssociationsListPost({ rev_user_id: primary.id, limit: 10 });
  const types = r.data.associations.map((a) => a.associated_to.type).sort();
  eq('revUsersAssociationsListPost: both accounts and both workspaces', types, ['account', 'account', 'rev_org', 'rev_org']);
  check('a membership is a summary with a name', r.data.associations.every((a) => a.associated_to.display_name), r.data);
});
await step('revUsersAssociationsList (GET)', async () => {
  const r = await beta.revUsersAssociationsList({ rev_user_id: primary.display_id, limit: 3 });
  eq('revUsersAssociationsList: one page of 3', r.data.associations.length, 3);
  check('revUsersAssociationsList: a next cursor', typeof r.data.next_cursor === 'string', r.data);
});
await step('revUsersAssociationsRemove', async () => {
  const r = await beta.revUsersAssociationsRemove({ rev_user_id: primary.id, associations: [globex.default_rev_org.id] });
  eq('revUsersAssociationsRemove: 204', r.status, 204);
  const left = await beta.revUsersAssociationsListPost({ rev_user_id: primary.id });
  eq('revUsersAssociationsRemove: three left', left.data.associations.length, 3);
});
await step('linkRevUserToRevOrg', async () => {
  const r = await beta.linkRevUserToRevOrg({ id: secondary.id, rev_org: globex.default_rev_org.id });
  eq('linkRevUserToRevOrg: the workspace is the contact\'s', r.data.rev_user.rev_org?.id, globex.default_rev_org.id);
  const u = await beta.unlinkRevUserFromRevOrg({ user_don: secondary.id, rev_org_don: globex.default_rev_org.id });
  eq('unlinkRevUserFromRevOrg (deprecated aliases): no workspace left', u.data.rev_user.rev_org, undefined);
  await beta.linkRevUserToRevOrg({ id: secondary.id, rev_org: globex.default_rev_org.id });
});
await step('revUsersMerge', async () => {
  const r = await beta.revUsersMerge({ primary_user: primary.id, secondary_user: secondary.id });
  eq('revUsersMerge: 200 {}', [r.status, r.data], [200, {}]);
  const job = await waitJob('revUsersMerge', r);
  eq('revUsersMerge: the job is done', job.state, 'done');
  eq('revUsersMerge: the secondary is gone', await status(beta.revUsersGet({ id: secondary.id })), 404);
  const p = (await beta.revUsersGet({ id: primary.id })).data.rev_user;
  check('revUsersMerge: the refs moved', p.external_refs.includes(`old-${run}`), p);
  eq('revUsersMerge: the phone number moved', p.phone_numbers, ['+14155550142']);
  eq('revUsersMerge: into itself is a 400', await status(beta.revUsersMerge({ primary_user: primary.id, secondary_user: primary.display_id })), 400);
});
await step('accountsMerge', async () => {
  const r = await beta.accountsMerge({ primary_account: acme.account.id, secondary_account: globex.account.id });
  eq('accountsMerge: 200 {}', [r.status, r.data], [200, {}]);
  eq('accountsMerge: the job is done', (await waitJob('accountsMerge', r)).state, 'done');
  eq('accountsMerge: the secondary is gone', await status(beta.accountsGet({ id: globex.account.id })), 404);
  const ws = await beta.revOrgsList({ account: [acme.account.id] });
  eq('accountsMerge: its workspace moved', ws.data.rev_orgs.length, 2);
});
await step('getRevUsersPersonalData', async () => {
  const r = await beta.getRevUsersPersonalData({ email: `ADA-${run}@acme.example` });
  eq('getRevUsersPersonalData: 200 {}', [r.status, r.data], [200, {}]);
  const job = await waitJob('getRevUsersPersonalData', r);
  eq('getRevUsersPersonalData: the job is done', job.state, 'done');
  const held = await beta.artifactsList({ parent_id: primary.id });
  check('the export is an artifact held by the contact', held.data.artifacts.some((a) => a.id === job.result.artifact), held.data);
});
await step('deleteRevUsersPersonalData', async () => {
  const r = await beta.deleteRevUsersPersonalData({ email: `ada-${run}@acme.example` });
  eq('deleteRevUsersPersonalData: 200 {}', [r.status, r.data], [200, {}]);
  eq('deleteRevUsersPersonalData: the job is done', (await waitJob('deleteRevUsersPersonalData', r)).state, 'done');
  eq('deleteRevUsersPersonalData: the contact is gone', await status(beta.revUsersGet({ id: primary.id })), 404);
  const found = await beta.revUsersList({ email: [`ada-${run}@acme.example`] });
  eq('deleteRevUsersPersonalData: nothing has the email', found.data.rev_users.length, 0);
  eq('a second request finds no one: 404', await status(beta.getRevUsersPersonalData({ email: `ada-${run}@acme.example` })), 404);
});

finish();
