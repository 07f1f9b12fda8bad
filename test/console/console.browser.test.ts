// The sandbox in a real browser: headless Chromium (Debian's package) drives the local console the
// way a person evaluating spotops would, against the unchanged Bolt app and the simulated AWS
// accounts. Screenshots of each step go to test-results/console/ (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommendations } from '../../src/db/schema.js';
import { SEEDED } from '../../src/sandbox/seed.js';
import { startTestSandbox, type TestSandbox } from './sandbox.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-results/console';
const WAIT = { timeout: 30_000 };
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  console.warn(
    `console browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

describe.skipIf(!hasChromium)('the local console in a browser', () => {
  let sandbox: TestSandbox;
  let browser: Browser;
  let page: Page;
  let shot = 0;
  const screenshot = async (name: string) => {
    shot += 1;
    await page.screenshot({ path: `${SHOTS}/${String(shot).padStart(2, '0')}-${name}.png`, fullPage: false });
  };
  const timeline = () => page.locator('#timeline > article.msg');
  const card = (...texts: string[]): Locator => {
    let l = timeline();
    for (const t of texts) l = l.filter({ hasText: t });
    return l;
  };
  const command = async (text: string) => {
    await page.locator('#message-box').fill(text);
    await page.locator('#message-box').press('Enter');
  };
  const actAs = async (user: string) => {
    await page.locator('#user-picker').selectOption(user);
    await expect
      .poll(() => page.locator('#user-role').textContent())
      .toContain(user === 'U0CAROL' ? 'not an approver' : 'approver');
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sandbox = await startTestSandbox();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--headless'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(sandbox.url.replace('localhost', '127.0.0.1'));
    await page.locator('body[data-ready="true"]').waitFor(WAIT);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  it('opens on the channel with the cards of the first scan, and completes /spot subcommands', async () => {
    await expect.poll(() => card('2 unassociated Elastic IPs', 'sandbox').count(), WAIT).toBe(1);
    await expect.poll(() => card('Untagged instance', SEEDED.shadowJupyter).count(), WAIT).toBe(1);
    await page.locator('#message-box').fill('/spot wa');
    const completion = page.locator('#completions .completion');
    await expect
      .poll(() => completion.allTextContents(), WAIT)
      .toEqual([expect.stringContaining('/spot waste')]);
    await screenshot('completion');
    await page.locator('#message-box').press('Tab');
    await expect.poll(() => page.locator('#message-box').inputValue()).toBe('/spot waste ');
    await page.locator('#message-box').press('Enter');
    const answer = timeline().filter({ hasText: 'Only visible to you' }).filter({ hasText: 'Elastic IP' });
    await answer.first().waitFor(WAIT);
    await screenshot('spot-waste');
  }, 60_000);

  it('approves one Elastic IP: the card updates in place and its thread tells the story', async () => {
    const group = card('2 unassociated Elastic IPs', 'sandbox');
    const ts = await group.getAttribute('data-ts');
    await group.locator('button[data-action-id="rec_approve"]').first().click();
    const sameCard = page.locator(`#timeline > article.msg[data-ts="${ts}"]`);
    await expect.poll(() => sameCard.textContent(), WAIT).toContain('released by @alice');
    expect(Number(await sameCard.getAttribute('data-updates'))).toBeGreaterThan(0);
    await sameCard.locator('button.replies').click();
    const thread = page.locator('#thread-body');
    await expect.poll(() => thread.textContent(), WAIT).toContain('Verified:');
    const story = await thread.locator('.msg-main > .msg-text').allTextContents();
    expect(story).toEqual([
      expect.stringMatching(/^Found 2 unassociated Elastic IPs \(\$[0-9.]+\/month\)\.$/),
      expect.stringMatching(/^Approved by @alice.*validating\.\.\.$/),
      expect.stringMatching(/^Validated: /),
      expect.stringContaining('Released 198.51.100.21'),
      expect.stringMatching(/^Verified: /),
    ]);
    await screenshot('eip-approved-thread');
    // The simulated account changed: the address is gone.
    const lab = sandbox.aws.sim.region('111100001111', 'us-east-1');
    expect(lab.addresses.map((a) => a.PublicIp)).not.toContain('198.51.100.21');
    await page.locator('#thread-close').click();
  }, 60_000);

  it("claims a Shadow IT instance through its modal, showing the form's validation errors first", async () => {
    // Shadow IT findings share one card per account and region: the instance's own Claim button.
    const [rec] = await sandbox.deps.db
      .select({ id: recommendations.id })
      .from(recommendations)
      .where(eq(recommendations.resourceId, SEEDED.shadowJupyter));
    const shadow = card('untagged instance', SEEDED.shadowJupyter);
    await shadow.locator(`button[data-action-id="shadow_claim"][data-value="${rec!.id}"]`).click();
    const modal = page.locator('#modal');
    await expect.poll(() => modal.textContent(), WAIT).toContain('Claim instance');
    await modal.getByRole('button', { name: 'Claim', exact: true }).click();
    await expect
      .poll(() => modal.locator('.input-error').allTextContents(), WAIT)
      .toEqual(['Name the team.']);
    await screenshot('claim-modal-error');
    await modal.locator('input[data-action-id="team_input"]').fill('data-platform');
    await modal.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.locator('#modal-overlay').waitFor({ state: 'hidden', ...WAIT });
    await expect.poll(async () => (await shadow.textContent())?.toLowerCase(), WAIT).toContain('claimed');
    await screenshot('claimed');
  }, 60_000);

  // A Spot move in a LAB account is MEDIUM: one approver, who may be the requester (the four-eyes
  // refusal of HIGH changes is covered by test/e2e/approval-policy.test.ts).
  it('evaluates an instance; a non-approver is refused, an approver moves it to Spot', async () => {
    await command(`/spot evaluate ${SEEDED.labWeb}`);
    const posted = card(SEEDED.labWeb, 'web-lab').filter({
      has: page.locator('button[data-action-id="rec_approve"]'),
    });
    await posted.first().waitFor(WAIT);
    const rec = page.locator(
      `#timeline > article.msg[data-ts="${await posted.first().getAttribute('data-ts')}"]`,
    );
    const approve = rec.locator('button[data-action-id="rec_approve"]');
    await actAs('U0CAROL');
    await approve.click();
    await timeline().filter({ hasText: 'Sorry, only @alice, @bob can approve' }).first().waitFor(WAIT);
    await screenshot('refusals');
    await actAs('U0BOB');
    await approve.click();
    await expect
      .poll(() => rec.textContent(), { timeout: 60_000 })
      .toContain(`Done: Moved ${SEEDED.labWeb} to Spot`);
    await rec.locator('button.replies').click();
    await expect
      .poll(() => page.locator('#thread-body').textContent(), WAIT)
      .toContain(`Moved ${SEEDED.labWeb} to Spot`);
    await screenshot('spot-move-complete');
    const instances = sandbox.aws.sim.region('111100001111', 'us-east-1').instances;
    expect(instances.find((i) => i.InstanceId === SEEDED.labWeb)?.State?.Name).toBe('terminated');
    expect(
      instances.filter((i) => i.InstanceLifecycle === 'spot' && i.State?.Name === 'running'),
    ).toHaveLength(1);
    await page.locator('#thread-close').click();
  }, 90_000);

  it('sends a Spot interruption warning from the AWS panel and shows the pool alert', async () => {
    await page.locator('#nav-aws').click();
    const row = page.locator(`#aws tr[data-instance="${SEEDED.prodSpotWorker}"]`);
    await row.getByRole('button', { name: 'Send Spot interruption warning' }).click();
    await screenshot('aws-panel');
    await page.locator('#nav-channel').click();
    await card('Spot pool poisoned: us-east-1/use1-az2/m5.large').first().waitFor(WAIT);
    await screenshot('pool-alert');
  }, 60_000);

  it('opens the App Home tab, published by the bot for the person looking', async () => {
    await page.locator('#nav-home').click();
    await expect.poll(() => page.locator('#home .block').count(), WAIT).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#home').textContent(), WAIT).toContain('sandbox-prod');
    await screenshot('app-home');
    expect(sandbox.workspace.homes.get('U0BOB')).toBeDefined();
    await page.locator('#nav-channel').click();
  }, 30_000);

  it('renders exactly the Block Kit the bot sent, block for block', async () => {
    const rendered = (await page.evaluate(
      () => (window as unknown as { __rendered: Record<string, unknown> }).__rendered,
    )) as Record<string, unknown[] | null>;
    const calls = sandbox.api.calls.filter(
      (c) => c.method === 'chat.postMessage' || c.method === 'chat.update',
    );
    const cards = await timeline().evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.ts!));
    let compared = 0;
    for (const ts of cards) {
      const last = calls.filter((c) => c.ts === ts).at(-1);
      if (!last?.args.blocks) continue;
      expect(rendered[ts]).toEqual(last.args.blocks);
      const types = await page
        .locator(`#timeline > article.msg[data-ts="${ts}"] > .msg-main > .blocks > .block`)
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.blockType));
      expect(types).toEqual((last.args.blocks as { type: string }[]).map((b) => b.type));
      compared += 1;
    }
    expect(compared).toBeGreaterThanOrEqual(6);
  }, 30_000);
});
