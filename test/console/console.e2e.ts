import type { Browser } from 'playwright-core';
import { ADMIN_KEY, ApiFixture, dropPrefix, startApi, until } from '../api/api-fixture';
import { PHONE_FLEET_ENV, PhoneFleet } from '../api/phone-fleet';
import {
  checkAccessibility,
  chromiumAvailable,
  ensureConsoleBuilt,
  launchChromium,
  screenshot,
  signIn,
} from './console-fixture';

const WRITE_ACTIONS =
  /^(Preview|Send job|New campaign|Start campaign|Cancel job|Retry job|Pause campaign|Resume campaign|Cancel campaign|Create key|Pause bind|Resume bind|Add bind|Apply tags|Import devices)/;

/**
 * The operator console in headless Chromium against the real gateway (in-process, real Redis)
 * and simulated OpenStage phones on the production path: every job here really runs.
 */
const suite = chromiumAvailable() ? describe : describe.skip;
suite('operator console in a real browser', () => {
  let f: ApiFixture;
  let phones: PhoneFleet;
  let browser: Browser;
  const ids = ['con-wp-1', 'con-wp-2', 'con-wp-3'];

  beforeAll(async () => {
    ensureConsoleBuilt();
    f = await startApi(PHONE_FLEET_ENV);
    phones = new PhoneFleet(f, 0x5c);
    await phones.add(ids, { tags: ['console'] });
    await phones.add(['con-wp-silent'], { tags: ['asleep'], silent: true });
    const dm = await f.call('POST', '/v1/devices/import', [
      {
        id: 'con-dm-1',
        protocol: 'omadm',
        addressing: { msisdn: '+491705550199', devId: 'IMEI:490154203237599' },
        credentials: { clientUsername: 'dm1', clientPassword: 'never-shown-secret-1' },
        tags: ['other'],
      },
    ]);
    expect(dm.body.created).toBe(1);
    browser = await launchChromium();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await phones?.stop();
    await f?.close();
    if (f) await dropPrefix(f.prefix);
  });

  it('serves the built console at /console (no CDN) and / leads there', async () => {
    const page = await fetch(`${f.gw.apiUrl}/console`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('/console/assets/console.js');
    expect(html).not.toMatch(/https?:\/\//);
    const root = await fetch(`${f.gw.apiUrl}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/console']);
    expect((await fetch(`${f.gw.apiUrl}/console/assets/../index.html`)).status).toBe(404);
  });

  it('signs in once, filters the fleet by protocol and tag, finds a device by MAC', async () => {
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const rowIds = () =>
      page
        .locator('table[aria-label="Devices"] tbody tr')
        .evaluateAll((trs) => trs.map((tr: any) => tr.getAttribute('data-device')).sort());
    await page.getByLabel('Protocol').selectOption('workpoint');
    await page.getByLabel('Tag', { exact: true }).fill('console');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(rowIds, (r) => r.join() === ids.join());
    await page.getByLabel('Protocol').selectOption('omadm');
    await page.getByLabel('Tag', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(rowIds, (r) => r.join() === 'con-dm-1');
    // the whole fleet
    await page.getByLabel('Protocol').selectOption('');
    await page.getByLabel('Page size').selectOption('25');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(rowIds, (r) => r.length === 5);
    await screenshot(page, 'fleet');
    // cursor paging, two at a time (the page size comes from the link)
    await page.goto(`${f.gw.apiUrl}/console#/devices?limit=2`);
    const pages: string[][] = [];
    for (let i = 0; i < 3; i++) {
      await until(rowIds, (r) => r.length === (i < 2 ? 2 : 1) && !pages.flat().includes(r[0]));
      pages.push(await rowIds());
      if (i < 2) await page.getByRole('button', { name: 'Next page' }).click();
    }
    expect(pages.flat().sort()).toEqual([...ids, 'con-dm-1', 'con-wp-silent'].sort());
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await until(rowIds, (r) => r.join() === pages[1].join());
    await page.goto(`${f.gw.apiUrl}/console#/devices`);
    // find by MAC, typed the way a label shows it (dashes, upper case): the API searches the
    // whole fleet (its address index), not the page shown
    const searches: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/v1/devices' && u.search) searches.push(u.search);
    });
    const find = page.getByLabel('Find by MSISDN, MAC, DevId or id');
    const mac = phones.get('con-wp-2').options.mac as string;
    await find.fill(mac.toUpperCase().replace(/:/g, '-'));
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await until(rowIds, (r) => r.join() === 'con-wp-2');
    expect(await page.locator('[data-search-result]').textContent()).toMatch(/^1 device with MAC/);
    expect(searches.some((q) => new URLSearchParams(q).has('mac'))).toBe(true);
    // find by MSISDN written nationally with spaces, and by DevId
    await find.fill('+49 170 5550199');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await until(rowIds, (r) => r.join() === 'con-dm-1');
    expect(searches.some((q) => new URLSearchParams(q).get('msisdn') === '+49 170 5550199')).toBe(
      true,
    );
    await find.fill('IMEI:490154203237599');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await until(rowIds, (r) => r.join() === 'con-dm-1');
    // an id prefix that is no device's id lists the ids starting with it
    await find.fill('con-wp-');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await until(rowIds, (r) => r.join() === [...ids, 'con-wp-silent'].join());
    await page.getByRole('button', { name: 'Clear search' }).click();
    // last contact older than an hour (or never): the API's lastContactBefore
    await f.core.devices.recordContact('con-dm-1', Date.now());
    await f.core.devices.recordContact('con-wp-1', Date.now() - 3 * 3_600_000);
    await page.getByLabel('Last contact older than (hours)').fill('1');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(rowIds, (r) => r.includes('con-wp-1') && !r.includes('con-dm-1'));
    const stale = (await f.call('GET', '/v1/devices?limit=100')).body.items.filter(
      (d: any) => !d.lastContact || Date.parse(d.lastContact) < Date.now() - 3_600_000,
    );
    expect(await rowIds()).toEqual(stale.map((d: any) => d.id).sort());
    expect(searches.some((q) => new URLSearchParams(q).has('lastContactBefore'))).toBe(true);
    await page.getByLabel('Last contact older than (hours)').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(rowIds, (r) => r.length === 5);
    // bulk tag edit on a selection
    await page.getByLabel('Select con-wp-1').check();
    await page.getByLabel('Select con-wp-3').check();
    await page.getByLabel('Add tags').fill('bulk, floor-2');
    await page.getByRole('button', { name: 'Apply tags to 2 selected' }).click();
    await page.locator('tr[data-device="con-wp-3"] td', { hasText: 'bulk' }).waitFor();
    for (const id of ['con-wp-1', 'con-wp-2', 'con-wp-3'])
      expect([id, (await f.call('GET', `/v1/devices/${id}`)).body.tags.sort()]).toEqual([
        id,
        id === 'con-wp-2' ? ['console'] : ['bulk', 'console', 'floor-2'],
      ]);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(2);
    // a reload keeps the session (sessionStorage), no second sign-in
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(requests.every((p) => p.startsWith('/v1/') || p.startsWith('/console'))).toBe(true);
    const a11y = await checkAccessibility(page);
    expect(a11y).toEqual({ unlabelled: [], unreachable: [], axe: [] });
    // the check itself finds an unlabelled field and a button kept out of the tab order
    await page.evaluate(() => {
      const d = (globalThis as any).document;
      const input = d.createElement('input');
      const button = d.createElement('button');
      button.textContent = 'Hidden from keys';
      button.tabIndex = -1;
      d.querySelector('main').append(input, button);
    });
    const broken = await checkAccessibility(page);
    expect(broken.unlabelled).toEqual([expect.stringMatching(/^<input data-a11y="\d+">$/)]);
    expect(broken.unreachable).toEqual([expect.stringContaining('Hidden from keys')]);
    await context.close();
  });

  it('imports a CSV file and reports its bad rows', async () => {
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    const csv = [
      'id,protocol,msisdn,devId,tags',
      'con-imp-1,omadm,+491705550301,IMEI:490154203237301,imported',
      'con-imp-2,telex,+491705550302,IMEI:490154203237302,imported',
    ].join('\n');
    await page.getByLabel('Device file').setInputFiles({
      name: 'fleet.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.getByRole('button', { name: 'Import devices' }).click();
    const result = page.locator('[data-import-result]');
    await result.waitFor();
    expect(await result.textContent()).toContain('1 of 2 rows imported, 1 failed');
    expect(await page.locator('table[aria-label="Import errors"] tbody tr').count()).toBe(1);
    expect(await page.locator('table[aria-label="Import errors"] tr[data-row="2"]').count()).toBe(
      1,
    );
    expect((await f.call('GET', '/v1/devices/con-imp-1')).body.protocol).toBe('omadm');
    expect((await f.call('GET', '/v1/devices/con-imp-2')).status).toBe(404);
    await page.locator('tr[data-device="con-imp-1"]').waitFor();
    await context.close();
  });

  it('shows a device with secrets masked and inventory provenance; a previewed job succeeds live', async () => {
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    await page.goto(`${f.gw.apiUrl}/console#/devices/con-dm-1`);
    await page.getByRole('heading', { name: 'Addressing' }).waitFor();
    const dmText = await page.locator('main').textContent();
    expect(dmText).toContain('+491705550199');
    expect(dmText).toContain('********');
    expect(dmText).not.toContain('never-shown-secret-1');

    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.getByRole('link', { name: 'con-wp-1' }).click();
    await page.getByRole('heading', { name: 'Device con-wp-1' }).waitFor();
    // every value with when and how it was learned, as the API has it
    const detail = (await f.call('GET', '/v1/devices/con-wp-1/inventory?detail=true')).body;
    expect(Object.keys(detail).length).toBeGreaterThan(0);
    const inventory = page.locator('table[aria-label="Inventory"] tbody tr');
    await until(
      () => inventory.count(),
      (n) => n === Object.keys(detail).length,
    );
    const rows = await inventory.evaluateAll((trs) =>
      trs.map((tr: any) => [...tr.querySelectorAll('td')].map((td: any) => td.textContent)),
    );
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual(
      Object.entries(detail).map(([path, e]: [string, any]) => [path, String(e.value), e.source]),
    );
    expect(rows.every((r) => r[2] !== '—')).toBe(true);

    await page.getByLabel('Operation 1').selectOption('set');
    await page.getByLabel('Parameter 1').fill('sip.registrar');
    await page.getByLabel('Value 1').fill('sip-console.example.net');
    expect(await page.getByRole('button', { name: 'Send job' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Preview' }).click();
    const parts = page.locator('.preview figure');
    await parts.first().waitFor();
    const body = {
      deviceId: 'con-wp-1',
      operations: [{ op: 'set', path: 'sip.registrar', value: 'sip-console.example.net' }],
    };
    const expected = await f.call('POST', '/v1/jobs/preview', body);
    const shown = await parts.locator('pre').allTextContents();
    expect(shown).toEqual(expected.body.parts.map((p: { content: string }) => p.content));
    expect(shown.join()).toContain('sip-console.example.net');
    const a11y = await checkAccessibility(page);
    expect(a11y).toEqual({ unlabelled: [], unreachable: [], axe: [] });
    await screenshot(page, 'device-preview');

    await page.getByRole('button', { name: 'Send job' }).click();
    const live = page.locator('[aria-label="Job progress"] .job');
    await live.waitFor();
    await page.locator('[aria-label="Job progress"] .job[data-state="succeeded"]').waitFor({
      timeout: 20000,
    });
    const jobId = await live.getAttribute('data-job');
    await screenshot(page, 'device-job');
    // the device's timeline saw the job move
    await page
      .locator('ol[aria-label="Device events"] li', {
        hasText: `job ${jobId}: in-session → succeeded`,
      })
      .waitFor();
    expect(phones.get('con-wp-1').items.get('registrar-addr')).toBe('sip-console.example.net');
    const job = await f.call('GET', `/v1/jobs/${jobId}`);
    expect(job.body).toMatchObject({ deviceId: 'con-wp-1', state: 'succeeded' });
    // the job list of the device and the inventory learn of it
    await page.getByRole('button', { name: 'Refresh inventory' }).click();
    await page.locator(`table[aria-label="Inventory"] a[href="#/jobs/${jobId}"]`).first().waitFor();
    await context.close();
  }, 40000);

  it('runs a campaign on a tag to 100 % with live progress', async () => {
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    await page.goto(`${f.gw.apiUrl}/console#/devices?tag=console`);
    await page.getByRole('link', { name: 'New campaign on these filters' }).click();
    const form = page.getByRole('form', { name: 'New campaign' });
    await form.waitFor();
    expect(await form.getByLabel('Selection tag').inputValue()).toBe('console');
    await form.getByLabel('Campaign name').fill('console check');
    await form.getByLabel('Operation 1').selectOption('get');
    await form.getByLabel('Parameter 1').fill('workpoint:software-version');
    const a11y = await checkAccessibility(page);
    expect(a11y).toEqual({ unlabelled: [], unreachable: [], axe: [] });
    await form.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('heading', { name: 'Campaign “console check”' }).waitFor();
    const seen = new Set<string>();
    await until(
      async () => {
        const pct = (await page.getByTestId('campaign-percent').textContent()) ?? '';
        seen.add(pct);
        return pct;
      },
      (pct) => pct === '100 %',
      20000,
    );
    expect(
      await page
        .locator('table[aria-label="Jobs by state"] tr[data-state="succeeded"] td')
        .nth(1)
        .textContent(),
    ).toBe('3');
    await page.locator('.state-completed').waitFor();
    await screenshot(page, 'campaign');
    await context.close();
  }, 40000);

  it('shows a mixed campaign per protocol: a bar and the jobs in each state', async () => {
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    const created = await f.call('POST', '/v1/campaigns', {
      name: 'mixed check',
      selection: { deviceIds: ['con-wp-1', 'con-wp-3', 'con-dm-1'] },
      operations: [{ op: 'get', path: 'firmware.version' }],
      ratePerSecond: 20,
    });
    expect(created.status).toBe(201);
    await page.goto(`${f.gw.apiUrl}/console#/campaigns/${created.body.id}`);
    const bars = page.getByRole('table', { name: 'Progress by protocol' });
    const counts = (protocol: string) =>
      bars
        .locator(`tr[data-protocol="${protocol}"] output`)
        .evaluate((o: any) => `${o.dataset.done}/${o.dataset.jobs}`)
        .catch(() => '');
    // the phones answer; the handset has no SMSC to wake it and waits (or fails)
    await until(
      () => counts('workpoint'),
      (c) => c === '2/2',
      20000,
    );
    expect(await counts('omadm')).toMatch(/^[01]\/1$/);
    const omadmStates = await bars
      .locator('tr[data-protocol="omadm"] [data-state]')
      .evaluateAll((xs) => xs.map((x: any) => x.dataset.state));
    expect(omadmStates).toHaveLength(1);
    expect(
      await bars.locator('tr[data-protocol="workpoint"] [data-state="succeeded"]').textContent(),
    ).toContain('2');
    await screenshot(page, 'campaign-mixed');
    if ((await f.call('GET', `/v1/campaigns/${created.body.id}`)).body.state === 'running') {
      await page.getByRole('button', { name: 'Cancel campaign' }).click();
      await until(
        () => counts('omadm'),
        (c) => c === '1/1',
        10000,
      );
      await bars.locator('tr[data-protocol="omadm"] [data-state="cancelled"]').waitFor();
    }
    await context.close();
  }, 40000);

  it('cancels a waiting job and retries it from the job view', async () => {
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    const job = await f.call('POST', '/v1/jobs', {
      deviceId: 'con-wp-silent',
      operations: [{ op: 'get', path: 'workpoint:software-version' }],
    });
    await page.goto(`${f.gw.apiUrl}/console#/jobs/${job.body.id}`);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator(`.job[data-job="${job.body.id}"][data-state="cancelled"]`).waitFor();
    expect((await f.call('GET', `/v1/jobs/${job.body.id}`)).body.state).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Retry job' }).click();
    await page.waitForURL((u) => u.hash.startsWith('#/jobs/') && !u.hash.endsWith(job.body.id));
    const retried = decodeURIComponent(new URL(page.url()).hash.slice('#/jobs/'.length));
    expect((await f.call('GET', `/v1/jobs/${retried}`)).body).toMatchObject({
      deviceId: 'con-wp-silent',
      operations: [{ op: 'get', path: 'workpoint:software-version' }],
    });
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByLabel('Device id').fill('con-wp-silent');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(
      () => page.locator('table[aria-label="Jobs"] tbody tr').count(),
      (n) => n === 2,
    );
    await screenshot(page, 'jobs');
    const a11y = await checkAccessibility(page);
    expect(a11y).toEqual({ unlabelled: [], unreachable: [], axe: [] });
    await context.close();
  });

  it('shows SMSC binds with their status; pauses and resumes one', async () => {
    const created = await f.call('POST', '/v1/smsc-binds', {
      id: 'con-smsc',
      url: 'smpp://console@127.0.0.1:9?window=3&rate=7',
      password: 'bind-secret-1',
      paused: true,
    });
    expect(created.status).toBe(201);
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    await page.getByRole('link', { name: 'SMSC binds' }).click();
    const row = page.locator('tr[data-bind="con-smsc"]');
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('7/s');
    expect(text).not.toContain('bind-secret-1');
    await page.getByRole('button', { name: 'Resume bind con-smsc' }).click();
    await page.locator('tr[data-bind="con-smsc"][data-paused="false"]').waitFor();
    expect((await f.call('GET', '/v1/smsc-binds/con-smsc')).body.paused).toBe(false);
    await page.getByRole('button', { name: 'Pause bind con-smsc' }).click();
    await page.locator('tr[data-bind="con-smsc"][data-paused="true"]').waitFor();
    expect((await f.call('GET', '/v1/smsc-binds/con-smsc')).body.paused).toBe(true);
    await screenshot(page, 'binds');
    const a11y = await checkAccessibility(page);
    expect(a11y).toEqual({ unlabelled: [], unreachable: [], axe: [] });
    await context.close();
  });

  it('lets an admin create and revoke API keys and manage webhooks', async () => {
    const { context, page } = await signIn(browser, f.gw.apiUrl, ADMIN_KEY);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Key name').fill('console-made');
    await page.getByLabel('Key scope').selectOption('read');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = await page.getByRole('status').locator('code').textContent();
    const made = (await f.call('GET', '/v1/api-keys')).body.items.find(
      (k: { name: string }) => k.name === 'console-made',
    );
    expect(made).toMatchObject({ scope: 'read' });
    expect((await f.call('GET', '/v1/devices?limit=1', undefined, { key: shown })).status).toBe(
      200,
    );
    expect(await checkAccessibility(page)).toEqual({ unlabelled: [], unreachable: [], axe: [] });
    await page.getByRole('button', { name: 'Revoke key console-made' }).click();
    await until(
      () => f.call('GET', '/v1/api-keys'),
      (r) => !r.body.items.some((k: { name: string }) => k.name === 'console-made'),
    );

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/console-hook');
    await page.getByLabel('Signing secret').fill('console-signing-secret-0001');
    await page.getByLabel('job.state').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.locator('tr[data-webhook]').first().waitFor();
    const hooks = (await f.call('GET', '/v1/webhooks')).body.items;
    expect(hooks).toEqual([
      expect.objectContaining({ url: 'http://127.0.0.1:9/console-hook', events: ['job.state'] }),
    ]);
    expect(await page.locator('main').textContent()).not.toContain('console-signing-secret-0001');
    expect(await checkAccessibility(page)).toEqual({ unlabelled: [], unreachable: [], axe: [] });
    await page.getByRole('button', { name: 'Unsubscribe http://127.0.0.1:9/console-hook' }).click();
    await until(
      () => f.call('GET', '/v1/webhooks'),
      (r) => r.body.items.length === 0,
    );
    await context.close();
  });

  it('offers a read-only key no write action anywhere', async () => {
    const key = await f.call('POST', '/v1/api-keys', { name: 'console-read', scope: 'read' });
    const { context, page } = await signIn(browser, f.gw.apiUrl, key.body.key);
    const job = (await f.call('GET', '/v1/jobs?deviceId=con-wp-1')).body.items[0];
    const campaign = (await f.call('GET', '/v1/campaigns')).body.items[0];
    // each view with what shows it has loaded (so an absent button is absent, not late)
    for (const [view, loaded] of [
      ['#/devices', 'tr[data-device="con-wp-1"]'],
      ['#/devices/con-wp-1', 'table[aria-label="Inventory"] tbody tr'],
      [`#/jobs/${job.id}`, `.job[data-job="${job.id}"]`],
      ['#/jobs', 'table[aria-label="Jobs"] tbody tr'],
      ['#/campaigns?new=1&tag=console', `tr[data-campaign="${campaign.id}"]`],
      [`#/campaigns/${campaign.id}`, '.progress-line'],
      ['#/binds', 'tr[data-bind="con-smsc"]'],
    ]) {
      await page.goto(`${f.gw.apiUrl}/console${view}`);
      await page.locator(loaded).first().waitFor();
      const buttons = await page.locator('button, a.button').allTextContents();
      expect({ view, write: buttons.filter((b) => WRITE_ACTIONS.test(b.trim())) }).toEqual({
        view,
        write: [],
      });
    }
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    await page.goto(`${f.gw.apiUrl}/console#/devices`);
    await page.locator('tr[data-device="con-wp-1"]').waitFor();
    expect(await page.locator('input[type="checkbox"]').count()).toBe(0);
    expect(await page.locator('.scope').textContent()).toContain('read');
    await context.close();
  });

  it('returns to the login when the key is revoked', async () => {
    const key = await f.call('POST', '/v1/api-keys', { name: 'console-gone', scope: 'write' });
    const { context, page } = await signIn(browser, f.gw.apiUrl, key.body.key);
    await page.locator('table[aria-label="Devices"] tbody tr').first().waitFor();
    expect(await page.locator('.scope').textContent()).toContain('write');
    await f.call('DELETE', `/v1/api-keys/${key.body.id}`);
    // each process trusts a verified key for 5 s
    await until(
      () => f.call('GET', '/v1/devices?limit=1', undefined, { key: key.body.key }),
      (r) => r.status === 401,
      8000,
    );
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('status').filter({ hasText: 'no longer valid' }).waitFor();
    expect(await page.getByLabel('API key').isVisible()).toBe(true);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
    await context.close();
  }, 20000);
});
