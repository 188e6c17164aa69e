import { DeviceActivity } from './device-activity';

describe('DeviceActivity (shutdown drain)', () => {
  it('goes quiet at once when nothing happened for the quiet period', async () => {
    const a = new DeviceActivity();
    const t = Date.now();
    expect(await a.quiet(50, t + 1000)).toBe(true);
    expect(Date.now() - t).toBeLessThan(40);
  });

  it('waits for requests in flight and for open sessions, then for the quiet period', async () => {
    const a = new DeviceActivity();
    a.begin();
    a.session('dm:IMEI:1', true);
    const t = Date.now();
    const quiet = a.quiet(50, t + 5000);
    setTimeout(() => a.end(), 100);
    setTimeout(() => a.session('dm:IMEI:1', false), 200);
    expect(await quiet).toBe(true);
    // the session ended at ~200 ms, the last request at ~100 ms: quiet from ~150 ms, session ~200 ms
    expect(Date.now() - t).toBeGreaterThanOrEqual(195);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('gives up at the deadline with a session still open', async () => {
    const a = new DeviceActivity();
    a.session('wp:abc', true);
    const t = Date.now();
    expect(await a.quiet(10, t + 150)).toBe(false);
    expect(Date.now() - t).toBeGreaterThanOrEqual(145);
    expect(a.openSessions).toBe(1);
  });
});
