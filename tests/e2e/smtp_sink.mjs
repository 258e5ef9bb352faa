// A real SMTP server for the browser tests: Debian's aiosmtpd running tests/unit/notify/smtp_sink.py
// (the unit tests' sink) on 127.0.0.1, on a port the kernel chooses. The sink keeps every message
// it takes as files N.* in its directory, decoded by Python's email package (see the script's
// comment); this side reads them back. Debian's aiosmtpd is a module of Debian's own python, so
// the sink runs with /usr/bin/python3, not whatever `python3` is first on the PATH.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './tessera.mjs';

export const SYSTEM_PYTHON = '/usr/bin/python3';
export const SINK_SCRIPT = path.join(repoRoot, 'tests', 'unit', 'notify', 'smtp_sink.py');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function readText(file) {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Message N as the sink wrote it, or null while it is not all written yet. The sink writes N.meta
 * last, so a complete N.meta (it ends with the "auth:" line) means the other files are complete.
 */
async function readMessage(dir, n) {
  const base = path.join(dir, String(n));
  const meta = await readText(`${base}.meta`);
  if (meta === undefined || !/\nauth: [^\n]*\n$/.test(meta)) return null;
  const fields = Object.fromEntries(meta.trim().split('\n').map((line) => {
    const at = line.indexOf(': ');
    return [line.slice(0, at), line.slice(at + 2)];
  }));
  return {
    n,
    mailFrom: fields.mail_from,
    rcpt: fields.rcpt ? fields.rcpt.split(' ') : [],
    tls: fields.tls === 'yes',
    subject: await readText(`${base}.subject`),
    from: await readText(`${base}.from`),
    to: await readText(`${base}.to`),
    types: ((await readText(`${base}.types`)) ?? '').split('\n').filter(Boolean),
    text: await readText(`${base}.text`),
    html: await readText(`${base}.html`),
    raw: await readText(`${base}.eml`),
  };
}

/**
 * Starts the sink. Returns {host, port, dir, messages(), waitForMessage({to, subject, since,
 * timeoutMs}), emailConfig(from), close()}. messages() are the complete messages so far, in the
 * order received; waitForMessage polls them until one after the first `since` matches (to: an
 * envelope recipient; subject: a string it contains or a RegExp) and fails after timeoutMs.
 */
export async function startSmtpSink({ timeoutMs = 30000 } = {}) {
  await fs.access(SYSTEM_PYTHON).catch(() => {
    throw new Error(`${SYSTEM_PYTHON} is missing: the SMTP sink needs Debian's python3 with python3-aiosmtpd`);
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-e2e-smtp-'));
  const portFile = path.join(dir, 'port');
  const output = [];
  const child = spawn(SYSTEM_PYTHON, [SINK_SCRIPT, '--dir', dir, '--port-file', portFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => output.push(String(d)));
  child.stderr.on('data', (d) => output.push(String(d)));
  const exited = new Promise((r) => child.once('exit', r));

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };

  // The sink writes its port (whole, by rename) once it listens.
  let port;
  const deadline = Date.now() + timeoutMs;
  while (port === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new Error(`the SMTP sink exited (${child.exitCode ?? child.signalCode}) before listening:\n${output.join('')}`);
    }
    const text = await readText(portFile);
    if (text && /^\d+$/.test(text.trim())) {
      port = Number(text.trim());
    } else if (Date.now() > deadline) {
      await close();
      throw new Error(`the SMTP sink did not listen within ${timeoutMs} ms:\n${output.join('')}`);
    } else {
      await sleep(50);
    }
  }

  const messages = async () => {
    const out = [];
    for (let n = 1; ; n++) {
      const message = await readMessage(dir, n);
      if (message === null) return out;
      out.push(message);
    }
  };

  const matches = (message, { to, subject }) => {
    if (to !== undefined && !message.rcpt.includes(to)) return false;
    if (subject instanceof RegExp) return subject.test(message.subject ?? '');
    if (subject !== undefined) return (message.subject ?? '').includes(subject);
    return true;
  };

  return {
    host: '127.0.0.1',
    port,
    dir,
    output: () => output.join(''),
    messages,
    async waitForMessage({ to, subject, since = 0, timeoutMs: wait = 10000 } = {}) {
      const until = Date.now() + wait;
      for (;;) {
        const all = await messages();
        const found = all.slice(since).find((m) => matches(m, { to, subject }));
        if (found) return found;
        if (Date.now() > until) {
          throw new Error(`the SMTP sink got no message${to ? ` to ${to}` : ''}${subject ? ` with subject ${subject}` : ''} ` +
            `within ${wait} ms; it has ${all.length}: ${JSON.stringify(all.map((m) => ({ rcpt: m.rcpt, subject: m.subject })))}` +
            `${output.length ? `\nsink output:\n${output.join('')}` : ''}`);
        }
        await sleep(50);
      }
    },
    /** The [email] section of tessera's configuration for this sink (plain SMTP, no AUTH). */
    emailConfig(from = 'tessera@example.org') {
      return { smtp_host: '127.0.0.1', smtp_port: port, smtp_security: 'none', from };
    },
    close,
  };
}

/** The 6-digit code in an email tessera sent (its text part). */
export function emailCodeOf(message) {
  const m = /\b(\d{6})\b/.exec(message.text ?? '');
  if (!m) throw new Error(`the email has no 6-digit code in its text part: ${JSON.stringify(message.text)}`);
  return m[1];
}
