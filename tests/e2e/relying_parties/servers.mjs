// Relying parties for the browser tests, run from Debian's packages on free ports of 127.0.0.1
// with the configurations of this directory (*.template, {{NAME}} filled in): nginx asking
// tessera's /auth/verify (auth_request), and Apache with mod_auth_openidc. Each server runs in
// the foreground as a child of the test, with every file it writes in its own temporary directory,
// never as the system's service.
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../tessera.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const nginxBinary = '/usr/sbin/nginx';
export const apacheBinary = '/usr/sbin/apache2';
export const apacheModules = '/usr/lib/apache2/modules';

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

async function requireFile(file, mode, what) {
  await fs.access(file, mode).catch(() => {
    throw new Error(`${file} is missing: ${what} (install it with scripts/install-deps.sh)`);
  });
}

/** Fills {{NAME}} in a template of this directory; an unfilled name is an error. */
async function fillTemplate(name, values) {
  const text = await fs.readFile(path.join(here, name), 'utf8');
  const filled = text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, key) => {
    if (!(key in values)) throw new Error(`${name}: no value for {{${key}}}`);
    return String(values[key]);
  });
  return filled;
}

/**
 * Spawns `file args` and waits until `url` answers HTTP (any status). Returns {url, output(),
 * stop()}; stop() sends SIGTERM (SIGKILL to its process group after 5 s) and removes `dir`.
 */
async function startServer(what, file, args, { url, dir, logs = [], env }) {
  const output = [];
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so its workers can be ended with it
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  child.stdout.on('data', (d) => output.push(String(d)));
  child.stderr.on('data', (d) => output.push(String(d)));
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  const logText = async () => {
    const parts = [];
    for (const log of logs) {
      const text = await fs.readFile(path.join(dir, log), 'utf8').catch(() => '');
      if (text) parts.push(`--- ${log}\n${text}`);
    }
    return parts.join('\n');
  };
  const everything = async () => `${output.join('')}${await logText()}`;

  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15000;
  let last = 'no answer';
  try {
    for (;;) {
      const failed = await Promise.race([spawnError, sleep(0).then(() => null)]);
      if (failed) throw new Error(`${what} could not be started (${file}): ${failed.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before ${url} answered:\n` +
          `${await everything()}`);
      }
      try {
        await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
        break;
      } catch (e) {
        last = e.cause?.message ?? e.message;
      }
      if (Date.now() > deadline) {
        throw new Error(`${what} did not answer ${url} within 15 s (last: ${last}):\n${await everything()}`);
      }
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, dir, output: everything, stop };
}

/**
 * nginx (relying_parties/nginx.conf.template) on a free port, in front of nginx-www/index.html,
 * asking `tesseraUrl`/auth/verify about each request. Returns {url (http://127.0.0.1:PORT), port,
 * dir, output(), stop()}.
 */
export async function startNginx({ tesseraUrl }) {
  await requireFile(nginxBinary, fsConstants.X_OK, 'nginx is not installed (Debian package nginx)');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-e2e-nginx-'));
  const port = await freePort();
  // As root, nginx's workers would become "nobody", who cannot read this private directory.
  const values = {
    DIR: dir, PORT: port, TESSERA: tesseraUrl, WWW: path.join(here, 'nginx-www'),
    USER_DIRECTIVE: isRoot() ? 'user root;' : '',
  };
  const conf = path.join(dir, 'nginx.conf');
  await fs.writeFile(conf, await fillTemplate('nginx.conf.template', values));
  const url = `http://127.0.0.1:${port}`;
  const server = await startServer('nginx', nginxBinary, ['-p', dir, '-c', conf, '-g', 'daemon off;'],
    { url: `${url}/`, dir, logs: ['error.log'] });
  return { ...server, url, port };
}

/** A port for Apache, known before it starts (its redirect URI is registered with tessera first). */
export const apachePort = freePort;

/**
 * Apache with mod_auth_openidc (relying_parties/apache.conf.template) on `port`, an OpenID
 * Connect client `clientId`/`clientSecret` of the provider at `tesseraUrl`, protecting
 * /protected/ (claims.cgi). Returns {url (http://127.0.0.1:PORT), redirectUri, dir, output(),
 * stop()}.
 */
export async function startApache({ port, tesseraUrl, clientId, clientSecret }) {
  await requireFile(apacheBinary, fsConstants.X_OK, 'Apache is not installed (Debian package apache2)');
  await requireFile(path.join(apacheModules, 'mod_auth_openidc.so'), fsConstants.R_OK,
    'mod_auth_openidc is not installed (Debian package libapache2-mod-auth-openidc)');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-e2e-apache-'));
  await fs.mkdir(path.join(dir, 'htdocs'));
  await fs.writeFile(path.join(dir, 'htdocs', 'up.txt'), 'up\n');
  await fs.mkdir(path.join(dir, 'cgi'));
  await fs.copyFile(path.join(here, 'claims.cgi'), path.join(dir, 'cgi', 'claims'));
  await fs.chmod(path.join(dir, 'cgi', 'claims'), 0o755);
  // Apache will not serve as root: there its children (and the CGI) run as www-data, who must
  // be able to read this directory.
  const runAs = isRoot() ? 'User www-data\nGroup www-data' : '';
  if (isRoot()) await fs.chmod(dir, 0o755);
  const values = {
    DIR: dir, PORT: port, MODULES: apacheModules, TESSERA: tesseraUrl,
    CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, RUN_AS: runAs,
    CRYPTO_PASSPHRASE: `e2e-${process.pid}-${Date.now()}`,
  };
  const conf = path.join(dir, 'apache.conf');
  await fs.writeFile(conf, await fillTemplate('apache.conf.template', values));
  const url = `http://127.0.0.1:${port}`;
  // Not through apache2ctl: nothing of /etc/apache2 (envvars, apache2.conf) is read.
  const server = await startServer('Apache', apacheBinary, ['-f', conf, '-DFOREGROUND'],
    { url: `${url}/up.txt`, dir, logs: ['error.log'] });
  return { ...server, url, port, redirectUri: `${url}/protected/redirect_uri` };
}
