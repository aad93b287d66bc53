import { join } from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../src/browser.js';
import { gql, GraphQLRequestError } from '../src/graphql.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';

const ORG_ADMIN = { email: 'ada@acme.test', password: 'correct horse battery staple' };
const INTERNAL_USER = { email: 'dev@acme.test', password: 'another long passphrase' };
/** Where the dashboard keeps the credential (web/src/composables/useAuth.ts). */
const TOKEN_STORAGE_KEY = 'tollgate.token';

// A person at the dashboard, in headless Chromium, against the real control plane and data plane: first the
// master key, then an org admin the master key made, signing in with email and password.
describe('dashboard', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let browser: Browser;
  let page: Page;
  let plaintextKey = '';

  /** With TOLLGATE_SCREENSHOT_DIR set, keeps a full-page screenshot, for a person to check the layout. */
  const screenshot = async (name: string): Promise<void> => {
    const dir = process.env.TOLLGATE_SCREENSHOT_DIR;
    if (dir) await page.screenshot({ path: join(dir, `dashboard-${name}.png`), fullPage: true });
  };
  const storedToken = () => page.evaluate<string | null>(`sessionStorage.getItem(${JSON.stringify(TOKEN_STORAGE_KEY)})`);

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    dp = await startDataPlaneProcess({ controlPlane: cp });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
  });

  it('refuses a wrong master key with a visible error', async () => {
    await page.goto(`${cp.baseUrl}/ui/`);
    await page.getByTestId('login-mode-key').click();
    await page.getByTestId('login-key').fill('sk-tg-master-wrong');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').isVisible()).toBe(true);
  });

  it('logs in with the master key and shows the seeded mock model', async () => {
    await page.getByTestId('login-key').fill(cp.masterKey);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('models-list').waitFor();
    await expect.poll(() => page.getByTestId('model-row').allInnerTexts()).toEqual([expect.stringContaining('mock-gpt')]);
    expect(await page.getByTestId('viewer-name').innerText()).toBe('Master key');
    expect(await page.getByTestId('viewer-role').innerText()).toBe('Proxy admin');
    expect(await page.getByTestId('model-create').count()).toBe(1);
  });

  it('creates a team and sees it listed', async () => {
    await page.getByTestId('team-name').fill('research');
    await page.getByTestId('team-create').click();
    await expect.poll(() => page.getByTestId('team-row').allInnerTexts()).toEqual([expect.stringContaining('research')]);
  });

  it('creates a key for the team, shows it once, and lists it', async () => {
    await page.getByTestId('key-team').selectOption({ label: 'research' });
    await page.getByTestId('key-alias').fill('notebook');
    await page.getByTestId('key-create').click();
    await page.getByTestId('created-key').waitFor();
    plaintextKey = (await page.getByTestId('created-key-value').innerText()).trim();
    expect(plaintextKey).toMatch(/^sk-tg-/);
    await expect.poll(() => page.getByTestId('key-row').allInnerTexts()).toEqual([expect.stringContaining('notebook')]);
    const row = await page.getByTestId('key-row').innerText();
    expect(row).toContain(plaintextKey.slice(0, 10));
    expect(row).toContain('research');
    expect(row).not.toContain(plaintextKey);

    await page.getByTestId('created-key-dismiss').click();
    await expect.poll(() => page.getByTestId('created-key').count()).toBe(0);
    // After a reload the plaintext is gone for good.
    await page.reload();
    await page.getByTestId('keys-list').waitFor();
    expect(await page.content()).not.toContain(plaintextKey);
  });

  it('moves the spend figure live, without a reload, when the key is used', async () => {
    const before = await page.getByTestId('spend-total').innerText();
    const requestsBefore = await page.getByTestId('spend-requests').innerText();
    const client = new OpenAI({ apiKey: plaintextKey, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
    // The key may reach the data plane a moment after creation; the SDK call must still succeed quickly.
    await expect.poll(async () => {
      try {
        await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'spend something' }] });
        return true;
      } catch {
        return false;
      }
    }, { timeout: 5_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('spend-total').innerText(), { timeout: 5_000 }).not.toBe(before);
    expect(await page.getByTestId('spend-requests').innerText()).not.toBe(requestsBefore);
    expect(await page.getByTestId('spend-total').innerText()).toMatch(/^\$0\.0000\d+/);
  });

  it('narrows the key list by search (alias or key prefix) and shows every key again when cleared', async () => {
    await page.getByTestId('key-alias').fill('batch-runner');
    await page.getByTestId('key-create').click();
    await page.getByTestId('created-key').waitFor();
    await page.getByTestId('created-key-dismiss').click();
    const aliases = () => page.locator('[data-testid="key-row"] [data-col="alias"]').allInnerTexts();
    await expect.poll(aliases).toEqual(['batch-runner', 'notebook']);

    await page.getByTestId('key-search').fill('NOTE');
    await expect.poll(aliases).toEqual(['notebook']);
    await page.getByTestId('key-search').fill(plaintextKey.slice(0, 10));
    await expect.poll(aliases).toEqual(['notebook']);
    await page.getByTestId('key-search').fill('no-such-key');
    await expect.poll(() => page.getByTestId('key-row').count()).toBe(0);
    await page.getByTestId('key-search').fill('');
    await expect.poll(aliases).toEqual(['batch-runner', 'notebook']);
  });

  it('creates an organization and an org admin with a password', async () => {
    await page.getByTestId('org-name').fill('acme');
    await page.getByTestId('org-create').click();
    await expect.poll(() => page.getByTestId('org-row').allInnerTexts()).toEqual([expect.stringContaining('acme')]);

    await page.getByTestId('user-email').fill(ORG_ADMIN.email);
    await page.getByTestId('user-role').selectOption('org_admin');
    await page.getByTestId('user-org').selectOption({ label: 'acme' });
    await page.getByTestId('user-password').fill(ORG_ADMIN.password);
    await page.getByTestId('user-create').click();
    await expect.poll(() => page.getByTestId('user-row').allInnerTexts()).toEqual([expect.stringContaining(ORG_ADMIN.email)]);
    const row = await page.getByTestId('user-row').innerText();
    expect(row).toContain('acme');
    expect(await page.getByTestId('user-error').count()).toBe(0);
    await screenshot('master-key');
  });

  it("signs out, and shows the server's message for a wrong password", async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('login-email').fill(ORG_ADMIN.email);
    await page.getByTestId('login-password').fill('not the password at all');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').isVisible()).toBe(true);
    expect(await page.getByTestId('login-error').innerText()).toBe('Wrong email or password.');
  });

  it('signs the org admin in with email and password and shows who they are', async () => {
    await page.getByTestId('login-password').fill(ORG_ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-name').innerText()).toBe(ORG_ADMIN.email);
    expect(await page.getByTestId('viewer-role').innerText()).toBe('Org admin');
    await expect.poll(() => page.getByTestId('viewer-org').innerText()).toBe('acme');
    const token = await storedToken();
    expect(token).toMatch(/^tg-session-/);
  });

  it('shows the org admin only their organization, and no "create model" action', async () => {
    await page.getByTestId('models-list').waitFor();
    await expect.poll(() => page.getByTestId('model-row').allInnerTexts()).toEqual([expect.stringContaining('mock-gpt')]);
    await expect.poll(() => page.getByTestId('org-row').allInnerTexts()).toEqual([expect.stringContaining('acme')]);
    // The master key's team and key belong to no organization: not this org admin's to see.
    expect(await page.getByTestId('team-row').count()).toBe(0);
    expect(await page.getByTestId('key-row').count()).toBe(0);
    expect(await page.getByTestId('model-create').count()).toBe(0);
    expect(await page.getByTestId('model-form').count()).toBe(0);
    expect(await page.getByTestId('org-create').count()).toBe(0);
    // Only the roles an org admin may give.
    const roles = await page
      .getByTestId('user-role')
      .locator('option')
      .evaluateAll((options) => options.map((option) => option.getAttribute('value')));
    expect(roles).toEqual(['org_admin', 'internal_user', 'internal_viewer']);
  });

  it('lets the org admin create a team and an internal user, and add the user to the team', async () => {
    await page.getByTestId('team-name').fill('acme-research');
    await page.getByTestId('team-create').click();
    await expect.poll(() => page.getByTestId('team-row').allInnerTexts()).toEqual([expect.stringContaining('acme-research')]);

    await page.getByTestId('user-email').fill(INTERNAL_USER.email);
    await page.getByTestId('user-role').selectOption('internal_user');
    await page.getByTestId('user-password').fill(INTERNAL_USER.password);
    await page.getByTestId('user-create').click();
    await expect.poll(() => page.getByTestId('user-row').allInnerTexts()).toEqual([
      expect.stringContaining(ORG_ADMIN.email),
      expect.stringContaining(INTERNAL_USER.email),
    ]);

    await page.getByTestId('team-members-toggle').click();
    await page.getByTestId('team-members').waitFor();
    await page.getByTestId('member-add-user').selectOption({ label: INTERNAL_USER.email });
    await page.getByTestId('member-add').click();
    await expect.poll(() => page.getByTestId('member-row').allInnerTexts()).toEqual([expect.stringContaining(INTERNAL_USER.email)]);
  });

  it("shows the org admin's actions in the audit log, newest first, with their changes", async () => {
    const actions = () => page.getByTestId('audit-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    await expect.poll(actions).toEqual(['team.member.set', 'user.create', 'team.create', 'user.login', 'user.create', 'org.create']);
    const teamCreate = page.locator('[data-testid="audit-row"][data-action="team.create"]');
    expect(await teamCreate.locator('[data-col="actor"]').innerText()).toContain(ORG_ADMIN.email);
    expect(await teamCreate.locator('[data-col="changes"]').innerText()).toContain('acme-research');

    await page.getByTestId('audit-filter-action').selectOption('user.create');
    await expect.poll(actions).toEqual(['user.create', 'user.create']);
    await page.getByTestId('audit-filter-action').selectOption('');
    await expect.poll(async () => (await actions()).length).toBe(6);
    await screenshot('org-admin');
  });

  it('signs out: back to the login view, and the session no longer works', async () => {
    const token = await storedToken();
    expect(token).toMatch(/^tg-session-/);
    await page.getByTestId('logout').click();
    await page.getByTestId('login-email').waitFor();
    expect(await storedToken()).toBeNull();
    await expect
      .poll(async () => {
        try {
          await gql(cp.graphqlUrl, token!, '{ viewer { role } }');
          return 'still accepted';
        } catch (error) {
          return error instanceof GraphQLRequestError ? error.code : String(error);
        }
      })
      .toBe('UNAUTHENTICATED');
  });
});
