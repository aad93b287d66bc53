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

  it('moves the spend figure live, without a reload, when the key is used, and lists the end user that spent', async () => {
    const before = await page.getByTestId('spend-total').innerText();
    const requestsBefore = await page.getByTestId('spend-requests').innerText();
    const client = new OpenAI({ apiKey: plaintextKey, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
    // The key may reach the data plane a moment after creation; the SDK call must still succeed quickly.
    await expect.poll(async () => {
      try {
        await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'spend something' }], user: 'dashboard-customer' });
        return true;
      } catch {
        return false;
      }
    }, { timeout: 5_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('spend-total').innerText(), { timeout: 5_000 }).not.toBe(before);
    expect(await page.getByTestId('spend-requests').innerText()).not.toBe(requestsBefore);
    expect(await page.getByTestId('spend-total').innerText()).toMatch(/^\$0\.0000\d+/);
    // The app's end user, among those that spent most, read again with the spend.
    await expect.poll(() => page.getByTestId('top-end-users').innerText(), { timeout: 5_000 }).toContain('dashboard-customer');
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

  /** The row of the key with this alias. */
  const keyRow = (alias: string) => page.locator('[data-testid="key-row"]', { has: page.locator('[data-col="alias"]', { hasText: alias }) });
  /** What one chat request with `key` comes to: 'ok', or the error's status. */
  const tryKey = async (key: string): Promise<string | number> => {
    try {
      await new OpenAI({ apiKey: key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
      return 'ok';
    } catch (err) {
      return err instanceof OpenAI.APIError ? (err.status ?? 0) : 0;
    }
  };

  it("regenerates a key from its row: the new secret is shown once and works, the old one stops at once", async () => {
    await keyRow('notebook').getByTestId('key-edit').click();
    await page.getByTestId('key-edit-form').waitFor();
    await page.getByTestId('key-regenerate-grace').selectOption('0');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('key-regenerate-submit').click();
    await page.getByTestId('created-key').waitFor();
    expect(await page.getByTestId('created-key').innerText()).toContain('New secret for key notebook');
    expect(await page.getByTestId('created-key-previous').innerText()).toBe('The old secret no longer works.');
    const regenerated = (await page.getByTestId('created-key-value').innerText()).trim();
    expect(regenerated).toMatch(/^sk-tg-/);
    expect(regenerated).not.toBe(plaintextKey);
    expect(await keyRow('notebook').innerText()).toContain(regenerated.slice(0, 10));
    await expect.poll(() => tryKey(plaintextKey), { timeout: 5_000 }).toBe(401);
    await expect.poll(() => tryKey(regenerated), { timeout: 5_000 }).toBe('ok');
    plaintextKey = regenerated;
    await page.getByTestId('created-key-dismiss').click();
  });

  it("edits a key's budget and rate limit from its row, and the data plane enforces the limit", async () => {
    await keyRow('notebook').getByTestId('key-edit').click();
    const form = page.getByTestId('key-edit-form');
    await form.waitFor();
    expect(await page.getByTestId('key-edit-pending').innerText()).toBe('No changes');
    await page.getByTestId('key-edit-budget').fill('5');
    await page.getByTestId('key-edit-rpm').fill('1');
    expect(await page.getByTestId('key-edit-pending').innerText()).toBe('2 settings changed');
    // A typo is the form's field error, not a limit removed.
    await page.getByTestId('key-edit-tpm').fill('10k');
    await page.getByTestId('key-edit-save').click();
    await expect.poll(() => form.innerText()).toContain('Enter a whole number.');
    await page.getByTestId('key-edit-tpm').fill('');
    await screenshot('key-edit');
    await page.getByTestId('key-edit-save').click();
    await expect.poll(() => form.count()).toBe(0);
    await expect.poll(() => keyRow('notebook').locator('[data-col="budget"]').innerText()).toBe('$5.00');

    // One request a minute: the regeneration's check used this minute's, so the next is refused within a second.
    await expect.poll(() => tryKey(plaintextKey), { timeout: 5_000 }).toBe(429);
    const stored = await gql<{ keyPage: { keys: Array<{ alias: string; maxBudget: number; rpmLimit: number; tpmLimit: number | null }> } }>(
      cp.graphqlUrl,
      cp.masterKey,
      '{ keyPage(filter: { search: "notebook" }) { keys { alias maxBudget rpmLimit tpmLimit } } }',
    );
    expect(stored.keyPage.keys).toEqual([{ alias: 'notebook', maxBudget: 5, rpmLimit: 1, tpmLimit: null }]);
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

    // The org admin gives the member a budget of their own in the team; the row shows their spend against it.
    await page.getByTestId('member-budget-edit').click();
    await page.getByTestId('member-budget-input').fill('2');
    await page.getByTestId('member-budget-save').click();
    await expect.poll(() => page.getByTestId('member-row').innerText()).toMatch(/\$0\.0+ of \$2\.00[\s\S]*own budget/);
  });

  it('lets the org admin edit the team: a monthly budget and a budget per member, shown in its row', async () => {
    const row = page.getByTestId('team-row').filter({ hasText: 'acme-research' });
    await row.getByTestId('team-edit').click();
    const form = page.getByTestId('team-edit-form');
    expect(await form.getByTestId('team-edit-name').inputValue()).toBe('acme-research');
    await form.getByTestId('team-edit-budget').fill('100');
    await form.getByTestId('team-edit-budget-duration').selectOption('1mo');
    await form.getByTestId('team-edit-member-budget').fill('10');
    await screenshot('team-edit');
    await form.getByTestId('team-edit-save').click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => row.locator('[data-col="budget"]').innerText()).toBe('$100.00 monthly budget');
    expect(await row.locator('[data-col="member-limits"]').innerText()).toBe('$10.00 per member per month');
  });

  it("shows the org admin's actions in the audit log, newest first, with their changes", async () => {
    const actions = () => page.getByTestId('audit-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    await expect.poll(actions).toEqual([
      'team.update',
      'team.member.set',
      'team.member.set',
      'user.create',
      'team.create',
      'user.login',
      // The wrong password tried before, as the org admin: their organization's audit shows it.
      'user.login_failed',
      'user.create',
      'org.create',
    ]);
    const teamCreate = page.locator('[data-testid="audit-row"][data-action="team.create"]');
    expect(await teamCreate.locator('[data-col="actor"]').innerText()).toContain(ORG_ADMIN.email);
    expect(await teamCreate.locator('[data-col="changes"]').innerText()).toContain('acme-research');

    await page.getByTestId('audit-filter-action').selectOption('user.create');
    await expect.poll(actions).toEqual(['user.create', 'user.create']);
    await page.getByTestId('audit-filter-action').selectOption('');
    await expect.poll(async () => (await actions()).length).toBe(9);
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

  // Model groups and the router settings: the master key again, then the org admin, who may read but not change them.
  it('signs the master key back in and adds a second deployment to a model name: one group of two', async () => {
    await page.getByTestId('login-mode-key').click();
    await page.getByTestId('login-key').fill(cp.masterKey);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('model-form').waitFor();

    await page.getByTestId('model-name').fill('fast-gpt');
    await page.getByTestId('model-provider').selectOption('mock');
    await page.getByTestId('model-input-cost').fill('1');
    await page.getByTestId('model-output-cost').fill('2');
    await page.getByTestId('model-create').click();
    const group = page.locator('[data-testid="model-group"][data-model-name="fast-gpt"]');
    await expect.poll(() => group.getByTestId('model-row').count()).toBe(1);

    // "Add deployment" on the group's row starts a model of that name: a second deployment, not a new model.
    await group.getByTestId('model-add-deployment').click();
    expect(await page.getByTestId('model-name').inputValue()).toBe('fast-gpt');
    expect(await page.getByTestId('model-create').innerText()).toBe('Add deployment');
    await page.getByTestId('model-provider').selectOption('mock');
    await page.getByTestId('model-weight').fill('3');
    await page.getByTestId('model-rpm').fill('600');
    await page.getByTestId('model-input-cost').fill('1');
    await page.getByTestId('model-output-cost').fill('2');
    await page.getByTestId('model-create').click();

    await expect.poll(() => group.getByTestId('model-row').count()).toBe(2);
    expect(await page.getByTestId('model-group').count()).toBe(2);
    expect(await group.locator('[data-col="deployments"]').innerText()).toBe('2 deployments');
    expect(await group.locator('[data-col="weight"]').allInnerTexts()).toEqual(['1 (25%)', '3 (75%)']);
    expect(await page.getByTestId('model-error').count()).toBe(0);
    const { models } = await gql<{ models: Array<{ name: string; weight: number; rpmLimit: number | null }> }>(
      cp.graphqlUrl,
      cp.masterKey,
      '{ models(name: "fast-gpt") { name weight rpmLimit } }',
    );
    expect(models).toEqual([
      { name: 'fast-gpt', weight: 1, rpmLimit: null },
      { name: 'fast-gpt', weight: 3, rpmLimit: 600 },
    ]);
    await screenshot('model-groups');
  });

  it("checks the group's health from its row: the data plane pings both deployments and the rows say healthy", async () => {
    // A deployment made a moment ago is checked by a data plane only once its config has it.
    const { configVersion } = await gql<{ configVersion: number }>(cp.graphqlUrl, cp.masterKey, '{ configVersion }');
    await expect.poll(() => dp.configVersion(), { timeout: 10_000 }).toBeGreaterThanOrEqual(configVersion);
    const group = page.locator('[data-testid="model-group"][data-model-name="fast-gpt"]');
    expect(await group.getByTestId('model-group-health').innerText()).toBe('never checked');

    await group.getByTestId('model-group-check-health').click();
    await expect.poll(() => group.getByTestId('model-group-health').innerText(), { timeout: 40_000 }).toBe('2/2 healthy');
    expect(await group.getByTestId('model-group-check-health').innerText()).toBe('Check health');
    expect(await group.getByTestId('model-health').evaluateAll((badges) => badges.map((badge) => badge.getAttribute('data-health')))).toEqual([
      'healthy',
      'healthy',
    ]);
    expect(await group.getByTestId('model-health-checked').allInnerTexts()).toEqual(['just now', 'just now']);
    expect(await group.getByTestId('model-group-check-health-error').count()).toBe(0);
    // What the rows show is what the control plane stored.
    const { models } = await gql<{ models: Array<{ health: Array<{ healthy: boolean }> }> }>(
      cp.graphqlUrl,
      cp.masterKey,
      '{ models(name: "fast-gpt") { health { healthy } } }',
    );
    expect(models.map((m) => m.health)).toEqual([[{ healthy: true }], [{ healthy: true }]]);
    // The other group was not checked.
    expect(await page.locator('[data-testid="model-group"][data-model-name="mock-gpt"] [data-testid="model-group-health"]').innerText()).toBe(
      'never checked',
    );
    await screenshot('model-health');
  });

  it("opens the Routing page and shows the control plane's field error next to the field it names", async () => {
    await page.getByTestId('nav-routing').click();
    await page.getByTestId('router-form').waitFor();
    expect(new URL(page.url()).hash).toBe('#/routing');
    // Only the control plane checks that the longest backoff is not shorter than the first.
    await page.getByTestId('router-backoff').fill('2000');
    await page.getByTestId('router-max-backoff').fill('1000');
    await page.getByTestId('router-save').click();
    const error = page.locator('[data-testid="field-error"][data-field="maxBackoffMs"]');
    await expect.poll(() => error.isVisible()).toBe(true);
    expect(await error.innerText()).toContain('at least backoffMs (2000)');
    await page.getByTestId('router-discard').click();
    await expect.poll(() => error.count()).toBe(0);
  });

  it("lets the admin change the strategy and a fallback, and the control plane's routerSettings then returns them", async () => {
    await page.getByTestId('router-strategy').selectOption('least_busy');
    const fallbacks = page.locator('[data-testid="fallback-map"][data-field="fallbacks"]');
    await fallbacks.getByTestId('fallback-add').click();
    await fallbacks.getByTestId('fallback-model').selectOption('fast-gpt');
    await fallbacks.getByTestId('fallback-add-target').selectOption('mock-gpt');
    expect(await page.getByTestId('router-pending').innerText()).toBe('2 settings changed');
    await page.getByTestId('router-save').click();
    await page.getByTestId('router-saved').waitFor();

    const { routerSettings } = await gql<{ routerSettings: Record<string, unknown> }>(
      cp.graphqlUrl,
      cp.masterKey,
      '{ routerSettings { strategy fallbacks backoffMs maxBackoffMs updatedAt } }',
    );
    expect(routerSettings).toEqual({
      strategy: 'least_busy',
      fallbacks: { 'fast-gpt': ['mock-gpt'] },
      // Discarded edits were not sent.
      backoffMs: 100,
      maxBackoffMs: 5000,
      updatedAt: expect.any(String),
    });
    await screenshot('routing-admin');
  });

  it('shows the org admin the router settings read-only, with no save button', async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('login-mode-password').click();
    await page.getByTestId('login-email').fill(ORG_ADMIN.email);
    await page.getByTestId('login-password').fill(ORG_ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('viewer').waitFor();
    // Still on #/routing: the page survives the sign-in.
    await page.getByTestId('router-form').waitFor();
    expect(await page.getByTestId('router-strategy').inputValue()).toBe('least_busy');
    expect(await page.getByTestId('router-strategy').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="fallback-row"][data-model="fast-gpt"]').innerText()).toContain('mock-gpt');
    expect(await page.getByTestId('router-read-only-note').isVisible()).toBe(true);
    expect(await page.getByTestId('router-save').count()).toBe(0);
    expect(await page.getByTestId('fallback-add').count()).toBe(0);
    await screenshot('routing-read-only');

    // Back to the main page from a section link; the model groups show there too, without actions.
    await page.locator('.section-nav a[href="#models"]').click();
    await page.getByTestId('models-list').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('[data-testid="model-group"][data-model-name="fast-gpt"] [data-testid="model-row"]').count()).toBe(2);
    expect(await page.getByTestId('model-add-deployment').count()).toBe(0);
    expect(await page.getByTestId('model-delete').count()).toBe(0);
    // The health the master key's check found, without a way to check again.
    expect(await page.locator('[data-testid="model-group"][data-model-name="fast-gpt"] [data-testid="model-group-health"]').innerText()).toBe(
      '2/2 healthy',
    );
    expect(await page.getByTestId('model-check-health').count()).toBe(0);
    expect(await page.getByTestId('model-group-check-health').count()).toBe(0);
  });
});
