/// <reference lib="dom" />
/**
 * A newcomer's first chart, timed: run right after `npm ci` in a fresh clone (`npm run check:first-chart`). It
 * runs `npm run quickstart`, waits for the printed API key and console URL, opens the console in headless
 * Chromium, signs in with the key, asks a demo question and waits for its chart; then prints the elapsed times
 * and stops the server it started. Takes minutes, so it is not part of `.ci/run`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import puppeteer from 'puppeteer-core';

const ROOT = path.resolve(__dirname, '../../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUESTION = process.env.FIRST_CHART_QUESTION ?? 'Throughput per week';
const TIMEOUT_MS = Number(process.env.FIRST_CHART_TIMEOUT_S ?? 600) * 1000;

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const marks: [string, string][] = [];
const mark = (what: string) => {
  marks.push([what, seconds()]);
  console.log(`[first-chart ${seconds()} s] ${what}`);
};

async function main(): Promise<void> {
  const quickstart = spawn('npm', ['run', 'quickstart'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => {
    // The server runs in the process group quickstart started; end exactly that group.
    if (quickstart.pid && quickstart.exitCode === null) process.kill(-quickstart.pid, 'SIGTERM');
  };
  process.on('SIGINT', () => {
    stop();
    process.exit(130);
  });
  try {
    const { apiKey, consoleUrl } = await new Promise<{ apiKey: string; consoleUrl: string }>(
      (resolve, reject) => {
        let apiKey: string | null = null;
        let keyNext = false;
        const lines = readline.createInterface({ input: quickstart.stdout });
        lines.on('line', (line) => {
          process.stdout.write(`  | ${line}\n`);
          if (keyNext && line.trim()) {
            apiKey = line.trim();
            keyNext = false;
          }
          if (/API key \(shown once\):/.test(line)) keyNext = true;
          const url = /^Console: (\S+)/.exec(line)?.[1];
          if (url && apiKey) resolve({ apiKey, consoleUrl: url });
        });
        quickstart.on('exit', (code) =>
          reject(new Error(`quickstart exited with ${code} before printing a key`)),
        );
      },
    );
    mark('quickstart printed the key and the console URL');

    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const ok = await fetch(consoleUrl).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${consoleUrl} did not answer`);
      await new Promise((r) => setTimeout(r, 250));
    }
    mark('the console answers');

    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      await page.goto(consoleUrl, { waitUntil: 'networkidle0' });
      await page.type('#api-key', apiKey);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#question', { timeout: TIMEOUT_MS });
      mark('signed in');
      await page.type('#question', QUESTION);
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-chart] , .refusal', { timeout: TIMEOUT_MS });
      if (await page.$('.refusal')) {
        throw new Error(`"${QUESTION}" was refused: ${await page.$eval('.refusal', (e) => e.textContent)}`);
      }
      const rows = await page.$$eval('.answer tbody tr', (trs) => trs.length);
      mark(`chart of "${QUESTION}" drawn (${rows} rows)`);
      const shots = path.join(ROOT, 'test-results/console');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, 'first-chart.png'), fullPage: true });
    } finally {
      await browser.close();
    }
    console.log('\nFirst chart, seconds after this script started (right after `npm ci`):');
    for (const [what, at] of marks) console.log(`  ${at.padStart(6)}  ${what}`);
  } finally {
    stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
