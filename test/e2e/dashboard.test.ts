import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../src/browser.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';

// A person at the dashboard, in headless Chromium, against the real control plane and data plane.
describe('dashboard', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let browser: Browser;
  let page: Page;
  let plaintextKey = '';

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
    await page.getByTestId('login-key').fill('sk-tg-master-wrong');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').isVisible()).toBe(true);
  });

  it('logs in with the master key and shows the seeded mock model', async () => {
    await page.getByTestId('login-key').fill(cp.masterKey);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('models-list').waitFor();
    await expect.poll(() => page.getByTestId('model-row').allInnerTexts()).toEqual([expect.stringContaining('mock-gpt')]);
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
});
