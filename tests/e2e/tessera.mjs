// Shared harness for the browser end-to-end tests: starts a private tessera per test, drives
// Debian's chromium through playwright-core, and wraps the authenticator tools (zbarimg, oathtool).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const buildDir = path.resolve(process.env.TESSERA_BUILD_DIR || path.join(repoRoot, 'build'));
export const tesseraBinary = path.join(buildDir, 'tessera');
export const resultsDir = path.resolve(process.env.E2E_RESULTS_DIR || path.join(buildDir, 'e2e-results'));

// ---------------------------------------------------------------- processes

function run(file, args, { input, timeoutMs = 30000, env } = {}) {
  return new Promise((resolve) => {
    const options = { timeout: timeoutMs, maxBuffer: 16 << 20 };
    if (env) options.env = { ...process.env, ...env };
    const child = execFile(file, args, options,
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : 1;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      });
    if (input !== undefined) child.stdin.end(input);
  });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(baseUrl, child, stderrChunks, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`tessera serve exited (${child.exitCode ?? child.signalCode}) before /healthz ` +
        `answered:\n${stderrChunks.join('')}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  throw new Error(`tessera /healthz not 200 within ${timeoutMs} ms (last: ${last}):\n${stderrChunks.join('')}`);
}

/**
 * A clock for tessera's processes (src/base/clock.h FileClock): they read the time, in Unix
 * seconds, from `file`, which only changes when the test says so. Every write replaces the file
 * whole (rename), so a reader never sees half a number. Returns {file, now(), step(), set(seconds),
 * advance(seconds)}; step() is the TOTP time step of now().
 */
export async function testClock(file, start = Date.now() / 1000) {
  let now = Math.floor(start);
  let writes = 0;
  const write = async () => {
    writes += 1;
    const next = `${file}.${writes}.tmp`;
    await fs.writeFile(next, `${now}\n`);
    await fs.rename(next, file);
  };
  await write();
  return {
    file,
    now: () => now,
    step: () => Math.floor(now / TOTP_STEP),
    async set(seconds) { now = Math.floor(seconds); await write(); },
    async advance(seconds) { now += Math.floor(seconds); await write(); },
  };
}

// `key = value` lines; strings, numbers, booleans and arrays of them (JSON's forms are TOML's).
const tomlKeys = (keys) => Object.entries(keys).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);

/**
 * Starts a private tessera with a fresh data dir and one user.
 * options: upn, displayName, password (omit for --temporary-password), mfaState
 *          (disabled|enabled|enforced), policies ({key: value} set before serving),
 *          config ({section: {key: value}}, or ({port, baseUrl}) => that, for settings that name
 *          the server's own address): more configuration; [server] keys join the server's own;
 *          env ({NAME: value}): more environment for the server and the CLI;
 *          clock (Unix seconds, or true for now): run the server and the CLI on a testClock
 *          (see above) that starts there and stands still until the test moves it.
 * Returns {baseUrl, dir, config, upn, password, temporaryPassword, cli(args), signIns(), stop()},
 * and clock (the testClock) when `clock` was given.
 */
export async function startTessera({
  upn = 'alice@example.com',
  displayName = 'Alice',
  password,
  mfaState = 'enabled',
  policies = {},
  trustedProxies = [],
  config: extraConfig = {},
  env: extraEnv = {},
  clock: clockStart,
} = {}) {
  await fs.access(tesseraBinary).catch(() => {
    throw new Error(`${tesseraBinary} not found: build it with ninja -C ${buildDir} tessera`);
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-e2e-'));
  const port = await freePort();
  const config = path.join(dir, 'tessera.toml');
  const { server: moreServer = {}, ...moreSections } =
    typeof extraConfig === 'function' ? extraConfig({ port, baseUrl: `http://127.0.0.1:${port}` }) : extraConfig;
  await fs.writeFile(config, [
    '[server]',
    `port = ${port}`,
    'address = "127.0.0.1"',
    `trusted_proxies = [${trustedProxies.map((range) => JSON.stringify(range)).join(', ')}]`,
    ...tomlKeys(moreServer),
    '[storage]',
    `sqlite_path = "${path.join(dir, 'tessera.db')}"`,
    '[security]',
    `master_key_file = "${path.join(dir, 'master.key')}"`,
    '[password_hashing]',
    // One of OWASP's minimum pairs (9 MiB, 4 passes): the cheapest kind tessera accepts.
    'memory_kib = 9216',
    'iterations = 4',
    ...Object.entries(moreSections).flatMap(([section, keys]) => [`[${section}]`, ...tomlKeys(keys)]),
    '',
  ].join('\n'));

  const env = { ...extraEnv };
  let clock;
  if (clockStart !== undefined && clockStart !== false) {
    clock = await testClock(path.join(dir, 'clock'), clockStart === true ? undefined : clockStart);
    env.TESSERA_TEST_CLOCK_FILE = clock.file;
  }
  const withEnv = Object.keys(env).length > 0;
  const cli = (args, opts) => run(tesseraBinary, ['--config', config, ...args],
    withEnv ? { ...opts, env: { ...env, ...opts?.env } } : opts);
  const must = async (args) => {
    const r = await cli(args);
    if (r.code !== 0) {
      throw new Error(`tessera ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    }
    return r;
  };

  let child;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };

  try {
    await must(['init']);
    const addArgs = ['user', 'add', upn, '--display-name', displayName];
    if (password === undefined) addArgs.push('--temporary-password');
    else addArgs.push('--password', password);
    const added = await must(addArgs);
    let temporaryPassword;
    if (password === undefined) {
      const m = added.stdout.match(/Temporary password:\s*(\S+)/);
      assert.ok(m, `"user add --temporary-password" printed no "Temporary password: ..." line:\n${added.stdout}`);
      temporaryPassword = m[1];
    }
    await must(['mfa', 'set', upn, mfaState]);
    for (const [key, value] of Object.entries(policies)) await must(['policy', 'set', key, String(value)]);

    const stderrChunks = [];
    child = spawn(tesseraBinary, ['--config', config, 'serve'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(withEnv ? { env: { ...process.env, ...env } } : {}),
    });
    child.stdout.on('data', (d) => stderrChunks.push(String(d)));
    child.stderr.on('data', (d) => stderrChunks.push(String(d)));
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitHealthy(baseUrl, child, stderrChunks);

    return {
      baseUrl, dir, config, upn, displayName, clock,
      password: password ?? temporaryPassword,
      temporaryPassword,
      cli,
      serverOutput: () => stderrChunks.join(''),
      signIns: async (limit = 20) => {
        const r = await must(['log', 'sign-ins', '--limit', String(limit)]);
        return parseTable(r.stdout);
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Parses a text table with a header line. Columns are located by the header's column names
 * (so empty cells survive); tab-separated output is split on tabs. Keys are the header names.
 */
export function parseTable(text) {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !/^[\s\-=+|]+$/.test(l));
  if (lines.length === 0) return [];
  const header = lines[0];
  if (header.includes('\t')) {
    const names = header.split('\t').map((s) => s.trim());
    return lines.slice(1).map((l) => {
      const cells = l.split('\t');
      return Object.fromEntries(names.map((n, i) => [n, (cells[i] ?? '').trim()]));
    });
  }
  const names = header.trim().split(/\s{2,}/);
  const starts = [];
  let from = 0;
  for (const n of names) {
    const at = header.indexOf(n, from);
    starts.push(at);
    from = at + n.length;
  }
  return lines.slice(1).map((l) => {
    const row = {};
    // A row is aligned with the header when no column boundary cuts through a word.
    const aligned = starts.every((s) => s === 0 || s >= l.length || l[s - 1] === ' ' || l[s] === ' ');
    if (aligned) {
      names.forEach((n, i) => {
        row[n] = l.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
      });
    } else {
      // Loose fallback: split on runs of 2+ spaces; missing trailing cells are empty.
      const loose = l.trim().split(/\s{2,}/);
      names.forEach((n, i) => { row[n] = loose[i] ?? ''; });
    }
    // An empty cell may be printed as "-".
    for (const n of names) if (row[n] === '-') row[n] = '';
    row._line = l;
    return row;
  });
}

export function describeRows(rows) {
  return rows.map((r) => r._line ?? JSON.stringify(r)).join('\n');
}

// ---------------------------------------------------------------- browser

export async function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  });
}

/** Returns shot(page, name): numbered full-page screenshots in results/screenshots/<testName>/. */
export async function screenshotter(testName) {
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  const dir = path.join(resultsDir, 'screenshots', slug);
  await fs.mkdir(dir, { recursive: true });
  let n = 0;
  const shot = async (page, name) => {
    n += 1;
    const file = path.join(dir, `${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  shot.dir = dir;
  return shot;
}

// ---------------------------------------------------------------- page assertions

/**
 * Runs body({context, page, shot}) in a fresh browser context of `browser` (a person's browser
 * that has seen nothing yet); screenshots the page as "failure" when the body throws, and always
 * closes the context.
 */
export async function withContext(browser, name, body, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  try {
    const page = await context.newPage();
    const shot = await screenshotter(name);
    try {
      await body({ context, page, shot });
    } catch (e) {
      await shot(page, 'failure').catch(() => {});
      throw e;
    }
  } finally {
    await context.close();
  }
}

/**
 * Runs body({server, context, page, shot}) with a private tessera and a fresh browser context of
 * `browser` (withContext); always stops the server.
 */
export async function withServer(browser, name, serverOptions, body, contextOptions = {}) {
  const server = await startTessera(serverOptions);
  try {
    await withContext(browser, name, (args) => body({ server, ...args }), contextOptions);
  } finally {
    await server.stop();
  }
}

export async function pageState(page) {
  const headings = await page.getByRole('heading', { level: 1 }).allInnerTexts().catch(() => []);
  const alerts = await page.getByRole('alert').allInnerTexts().catch(() => []);
  const text = await page.locator('body').innerText({ timeout: 1000 }).catch(() => '');
  return `url=${page.url()} h1=${JSON.stringify(headings)} alerts=${JSON.stringify(alerts)} ` +
    `text=${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 200))}`;
}

/** Waits for the page's <h1> to be exactly `name`. */
export async function expectHeading(page, name, timeout = 3000) {
  try {
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor({ timeout });
  } catch {
    assert.fail(`expected the page heading "${name}", but the page is: ${await pageState(page)}`);
  }
}

/** The page's single <h1> text right now. */
export async function currentHeading(page) {
  const hs = await page.getByRole('heading', { level: 1 }).allInnerTexts();
  return hs.map((h) => h.trim()).join(' | ');
}

/** Asserts an element with role="alert" contains `expected` (string or RegExp). */
export async function expectAlert(page, expected, timeout = 2000) {
  const alerts = page.getByRole('alert');
  try {
    await alerts.first().waitFor({ timeout });
  } catch {
    assert.fail(`expected an alert ${expected} but there is none: ${await pageState(page)}`);
  }
  const texts = (await alerts.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const ok = texts.some((t) => (expected instanceof RegExp ? expected.test(t) : t.includes(expected)));
  assert.ok(ok, `expected an alert ${expected instanceof RegExp ? expected : JSON.stringify(expected)}, ` +
    `got ${JSON.stringify(texts)} (${await pageState(page)})`);
  return texts;
}

export async function bodyText(page) {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ');
}

/** Clicks a button and waits for the page it submits to; returns the main response. */
export async function clickAndWait(page, name) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
  return response;
}

export const field = (page, label) => page.getByLabel(label, { exact: true });

/**
 * Builds a form in the current document (same origin, so the browser sends the cookies) and
 * submits it as a normal navigation; for replays and skipped steps. Needs JavaScript enabled.
 */
export async function postFormFromPage(page, action, fields) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.evaluate(({ action, fields }) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = action;
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    }, { action, fields }),
  ]);
  return response;
}

// ---------------------------------------------------------------- authenticator tools

export async function decodeQr(file) {
  const r = await run('zbarimg', ['--quiet', '--raw', file]);
  assert.equal(r.code, 0, `zbarimg could not read a QR code from ${file}: ${r.stderr}`);
  return r.stdout.trim();
}

export const TOTP_STEP = 30;
export const currentStep = () => Math.floor(Date.now() / 1000 / TOTP_STEP);

/** The TOTP code of `step` (default: the current step) for a base32 secret. */
export async function totp(secret, step) {
  const args = ['--totp', '--base32'];
  if (step !== undefined) args.push(`--now=@${step * TOTP_STEP}`);
  args.push(secret);
  const r = await run('oathtool', args);
  assert.equal(r.code, 0, `oathtool failed: ${r.stderr}`);
  const code = r.stdout.trim();
  assert.match(code, /^\d{6}$/, `oathtool printed ${JSON.stringify(r.stdout)}`);
  return code;
}

/** A 6-digit code that is not valid for any step within ±2 of now. */
export async function wrongCode(secret, seed = 0) {
  const now = currentStep();
  const valid = new Set();
  for (let s = now - 2; s <= now + 2; s++) valid.add(await totp(secret, s));
  let n = seed;
  let code;
  do {
    code = String((n * 7919 + 123456) % 1000000).padStart(6, '0');
    n += 1;
  } while (valid.has(code));
  return code;
}

/** Waits until the current TOTP step is greater than `step`. */
export async function waitForStepAfter(step) {
  while (currentStep() <= step) {
    const msLeft = (currentStep() + 1) * TOTP_STEP * 1000 - Date.now();
    await sleep(Math.max(50, msLeft + 200));
  }
}
