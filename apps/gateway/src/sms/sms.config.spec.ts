import { ConfigError, withEnvOverrides } from '../config/env';
import { loadSmsConfig } from './sms.config';

describe('SMS configuration (SMPP_BINDS)', () => {
  it('reads several SMSC connections', async () => {
    const c = await withEnvOverrides(
      {
        SMPP_BINDS:
          'smpp://a:pw@smsc1:2775?id=op1&rate=200, smpp://b:pw2@smsc2:2776?mode=transmitter',
        SMPP_LEASE_TTL_MS: '5000',
      },
      async () => loadSmsConfig(),
    );
    expect(c.binds.map((b) => [b.id, b.host, b.port, b.mode, b.ratePerSecond])).toEqual([
      ['op1', 'smsc1', 2775, 'transceiver', 200],
      ['bind2', 'smsc2', 2776, 'transmitter', 0],
    ]);
    expect(c.defaultBindId).toBe('op1');
    expect(c.leaseTtlMs).toBe(5000);
  });

  it('push deadline and rerun back-off: defaults and overrides', async () => {
    const d = await withEnvOverrides({ SMPP_BINDS: undefined }, async () => loadSmsConfig());
    expect(d).toMatchObject({
      pushDeadlineMs: 3_600_000,
      jobBackoffMs: 1_000,
      jobBackoffMaxMs: 30_000,
      jobAttempts: 10,
    });
    const c = await withEnvOverrides(
      { SMPP_PUSH_DEADLINE_MS: '60000', SMPP_JOB_BACKOFF_MAX_MS: '5000' },
      async () => loadSmsConfig(),
    );
    expect(c).toMatchObject({ pushDeadlineMs: 60_000, jobBackoffMaxMs: 5_000 });
    await expect(
      withEnvOverrides({ SMPP_PUSH_DEADLINE_MS: '10' }, async () => loadSmsConfig()),
    ).rejects.toThrow(/SMPP_PUSH_DEADLINE_MS/);
  });

  it('no SMPP_BINDS: no binds, no error', async () => {
    const c = await withEnvOverrides({ SMPP_BINDS: undefined }, async () => loadSmsConfig());
    expect(c.binds).toEqual([]);
  });

  it('names the variable on bad input and never echoes the password', async () => {
    const attempt = (env: Record<string, string>) =>
      withEnvOverrides(env, async () => loadSmsConfig());
    await expect(attempt({ SMPP_BINDS: 'http://a:topsecret@h' })).rejects.toThrow(ConfigError);
    await expect(attempt({ SMPP_BINDS: 'http://a:topsecret@h' })).rejects.not.toThrow(/topsecret/);
    await expect(attempt({ SMPP_BINDS: 'smpp://a:b@h?id=x smpp://a:b@h2?id=x' })).rejects.toThrow(
      /two binds/,
    );
    await expect(attempt({ SMPP_BINDS: 'smpp://a:b@h', SMPP_DEFAULT_BIND: 'zzz' })).rejects.toThrow(
      /SMPP_DEFAULT_BIND/,
    );
  });
});
