import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { consoleDir } from '../../apps/gateway/src/api/console.controller';

const ROOT = join(__dirname, '..', '..');

/**
 * With CONSOLE_SCREENSHOTS=<dir> (npm run docs:console), the tests save the views they pass
 * through as PNGs there: docs/console.md's pictures come from the same runs as the checks.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/**
 * The console's built files: built once here when missing or older than its sources (the type
 * check is npm run build's job, so it is skipped here).
 */
export function ensureConsoleBuilt(): void {
  const dir = consoleDir();
  const built = dir ? statSync(join(dir, 'assets', 'console.js')).mtimeMs : 0;
  const src = join(ROOT, 'apps', 'console', 'src');
  const newest = Math.max(
    ...readdirSync(src)
      .filter((f) => /\.(tsx?|css)$/.test(f))
      .map((f) => statSync(join(src, f)).mtimeMs),
  );
  if (!dir || built < newest)
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-console.js'), '--skip-check'], {
      stdio: 'inherit',
    });
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = () => existsSync(CHROMIUM);

/** Debian's Chromium, headless, with a fresh profile (Playwright makes a temporary one). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A new tab (own sessionStorage) on the console, signed in with `key`. */
export async function signIn(
  browser: Browser,
  apiUrl: string,
  key: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  await page.goto(`${apiUrl}/console`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return { context, page };
}

const AXE = (() => {
  try {
    return readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  } catch {
    return undefined;
  }
})();

export interface A11yReport {
  /** controls without an accessible name */
  unlabelled: string[];
  /** visible, enabled controls that Tab never reached */
  unreachable: string[];
  /** axe-core violations (when axe-core is installed) */
  axe: string[];
}

/**
 * Every control labelled and reachable by keyboard: names as the accessibility tree computes
 * them (label, aria-label, text), reachability by pressing Tab through the page. Runs axe-core's
 * WCAG A/AA rules as well when the package is installed.
 */
export async function checkAccessibility(page: Page): Promise<A11yReport> {
  const controls = page.locator(
    'input:visible, select:visible, textarea:visible, button:visible, a[href]:visible',
  );
  const n = await controls.count();
  const unlabelled: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = controls.nth(i);
    const info = await c.evaluate((el: any, idx: number) => {
      el.setAttribute('data-a11y', String(idx));
      return { html: el.outerHTML.slice(0, 120), disabled: !!el.disabled };
    }, i);
    const snapshot = await c.ariaSnapshot();
    // `- textbox "Tag"` when named; `- textbox` (or `- textbox: value`) when not
    if (!/^- [\w-]+ "[^"]+"/.test(snapshot.split('\n')[0])) unlabelled.push(info.html);
    if (!info.disabled) ids.push(String(i));
  }
  const reached = new Set<string>();
  await page.locator('body').focus();
  for (let i = 0; i < ids.length + 5; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(
      () => (globalThis as any).document.activeElement?.getAttribute('data-a11y') ?? '',
    );
    if (id) reached.add(id);
  }
  const unreachable: string[] = [];
  for (const id of ids)
    if (!reached.has(id))
      unreachable.push(
        await page.locator(`[data-a11y="${id}"]`).evaluate((el: any) => el.outerHTML.slice(0, 120)),
      );
  let axe: string[] = [];
  if (AXE) {
    await page.addScriptTag({ content: AXE });
    axe = await page.evaluate(async () => {
      const r = await (globalThis as any).axe.run((globalThis as any).document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
        rules: { 'color-contrast': { enabled: false } },
      });
      return r.violations.map((v: any) => `${v.id}: ${v.nodes.length} × ${v.help}`);
    });
  }
  return { unlabelled, unreachable, axe };
}
