// What revdir.setup.ts and org.ts make easy: state, time and failures on purpose.
import { describe, expect, it } from 'vitest';

import { useOrg } from './org';

const org = useOrg();

describe('an integration against revdir', () => {
  it('round-trips a contact', async () => {
    const created = await org.call('/rev-users.create', { display_name: 'Ada', email: 'ada@example.com' });
    const got = await org.call('/rev-users.get', { id: created.rev_user.id });
    expect(got.rev_user.email).toBe('ada@example.com');
  });

  it('starts every test from the baseline', async () => {
    expect((await org.call('/rev-users.list')).rev_users).toEqual([]);
  });

  it('moves time when told', async () => {
    await org.call('/_revdir/clock.set', { mode: 'frozen', at: '2030-01-01T00:00:00Z' });
    const u = (await org.call('/rev-users.create', {})).rev_user;
    expect(u.created_date).toBe('2030-01-01T00:00:00.000Z');
  });

  it('fails on purpose', async () => {
    await org.call('/_revdir/faults.set', { rules: [{ operation: 'rev-users.list', status: 503, count: 1 }] });
    await expect(org.call('/rev-users.list')).rejects.toThrow(/HTTP 503/);
    expect((await org.call('/rev-users.list')).rev_users).toEqual([]);
  });
});
