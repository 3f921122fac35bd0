// One dev org per test file, restored to its baseline before every test and deleted after
// the file. No time-to-live: a TTL runs on the org's own clock, which tests may move far ahead.
//
//   import { useOrg } from './org';
//   const org = useOrg();
//   it('creates a contact', async () => {
//     const sdk = client.setup({ endpoint: org.url, token: org.token });   // @devrev/typescript-sdk
//     ...
//   });
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';

export interface Org {
  url: string;
  token: string;
  id: string;
  call: (path: string, body?: unknown) => Promise<any>;
}

async function post(url: string, token: string, path: string, body: unknown = {}) {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  const text = await r.text();
  return text ? JSON.parse(text) : {};
}

export function useOrg(): Org {
  const url = inject('revdirUrl');
  const key = inject('revdirOperatorKey');
  const org = { url } as Org;
  beforeAll(async () => {
    const created = await post(url, key, '/_revdir/orgs.create', { display_name: 'vitest' });
    org.token = created.admin_token;
    org.id = created.dev_org.id;
    org.call = (path, body) => post(url, org.token, path, body);
    await org.call('/_revdir/snapshots.create', { name: 'baseline' });
  });
  beforeEach(async () => {
    await org.call('/_revdir/snapshots.restore', { name: 'baseline' });
    await org.call('/_revdir/clock.set', { mode: 'system' });
    await org.call('/_revdir/faults.clear');
  });
  afterAll(async () => {
    await post(url, key, '/_revdir/orgs.delete', { id: org.id });
  });
  return org;
}
