// The page's build and server, without a browser: the browser bundles (build/www, described by
// esbuild's metafiles build/www-meta.json and, for the bench page's, build/www-bench-meta.json)
// contain no Node-only module and import nothing at run time — the bench page's worker carries
// one npm package, TensorFlow.js from bench/peers/ (or the stub saying it was not installed);
// the pages' files are all there; the static server serves them with the types a browser
// needs and nothing outside its folder; `node build/web/serve.js` refuses a bad command line.
// The page's pure parts: the address it keeps its settings in, and the CSV files it exports.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { addressQuery } from '../../web/address.js';
import { historyCsv, sampleColumns, samplesCsv } from '../../web/exports.js';
import { startStaticServer } from '../../web/server.js';
import { repoRoot } from '../support/helpers.js';

interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

const www = join(repoRoot(), 'build', 'www');
const meta = JSON.parse(readFileSync(join(repoRoot(), 'build', 'www-meta.json'), 'utf8')) as Metafile;
const benchMeta = JSON.parse(readFileSync(join(repoRoot(), 'build', 'www-bench-meta.json'), 'utf8')) as Metafile;

test('browser bundles: no Node built-in, no npm package, no import left for run time', () => {
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.some((p) => p.startsWith('engine/')) && inputs.some((p) => p.startsWith('ddpm/')), 'the engine and ddpm are in');
  for (const path of inputs) {
    assert.not.ok(path.startsWith('node:') || path.includes('node_modules'), `Node-only or npm module in the page: ${path}`);
  }
  // The one mention of Dawn's Node bindings resolves to a stub that throws (scripts/build.mjs).
  assert.equal(inputs.filter((p) => !/^(engine|ddpm|web|shaders)\//.test(p)), ['no-dawn:webgpu']);
  for (const [file, output] of Object.entries(meta.outputs)) {
    if (file.endsWith('.js')) assert.equal(output.imports, [], `${file} imports nothing at run time`);
  }
  const worker = meta.outputs['build/www/worker.js'];
  assert.ok(worker && Object.keys(worker.inputs).includes('ddpm/fused/mlp-diffusion.wgsl.ts'), 'the worker carries the WGSL sources');
});

test('bench page bundles: no Node built-in; the only npm package is TensorFlow.js from bench/peers; no import left for run time', () => {
  const inputs = Object.keys(benchMeta.inputs);
  for (const file of ['bench/page/run.ts', 'bench/ours.ts', 'bench/matmul.ts', 'bench/tfjs.ts', 'engine/webgpu/backend.ts']) {
    assert.ok(inputs.includes(file), `${file} is in`);
  }
  const peer = /^(\(disabled\):)?(.*\/)?bench\/peers\/node_modules\//;
  for (const path of inputs) {
    assert.not.ok(path.startsWith('node:'), `Node built-in in the bench page: ${path}`);
    if (path.includes('node_modules')) assert.match(path, peer, `an npm module from outside bench/peers: ${path}`);
  }
  // Besides our sources and the peer: Dawn's stub; the peer's stub where it was not installed;
  // Node modules the peer's package.json maps to nothing in a browser (its "browser" field).
  const others = inputs.filter((p) => !/^(engine|ddpm|bench|shaders)\//.test(p) && !peer.test(p));
  for (const p of others) assert.ok(p === 'no-dawn:webgpu' || p.startsWith('no-tfjs:@tensorflow/') || /^\(disabled\):[\w-]+$/.test(p), `unexpected input ${p}`);
  for (const [file, output] of Object.entries(benchMeta.outputs)) {
    if (file.endsWith('.js')) assert.equal(output.imports, [], `${file} imports nothing at run time`);
  }
  const page = benchMeta.outputs['build/www/bench-page.js'];
  assert.ok(page && !Object.keys(page.inputs).some((p) => p.includes('node_modules') || p.startsWith('engine/')), 'the page\'s own script only draws: no engine, no tfjs');
});

test('build/www has the page, its two scripts and its style', () => {
  for (const file of ['index.html', 'main.js', 'worker.js', 'style.css']) assert.ok(existsSync(join(www, file)), `missing build/www/${file}`);
  const html = readFileSync(join(www, 'index.html'), 'utf8');
  assert.match(html, '<script type="module" src="main.js">');
  assert.match(readFileSync(join(www, 'main.js'), 'utf8'), 'worker.js');
});

test('build/www has the bench page, its two scripts and its style', () => {
  for (const file of ['bench.html', 'bench-page.js', 'bench-worker.js', 'bench.css']) assert.ok(existsSync(join(www, file)), `missing build/www/${file}`);
  const html = readFileSync(join(www, 'bench.html'), 'utf8');
  assert.match(html, '<script type="module" src="bench-page.js">');
  assert.match(html, '<link rel="stylesheet" href="bench.css">');
  assert.match(readFileSync(join(www, 'bench-page.js'), 'utf8'), 'bench-worker.js');
});

function get(url: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    // A raw request, so that paths like /../x reach the server as written.
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('static server: serves the page with browser types, 404 for missing files, 400 for bad paths, nothing outside its folder', async () => {
  const server = await startStaticServer(www);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(server.url, '/');
    assert.is(index.status, 200);
    assert.match(index.type, 'text/html');
    assert.match(index.body, 'wgpu-diffusion');
    assert.match((await get(server.url, '/worker.js')).type, 'text/javascript');
    assert.match((await get(server.url, '/style.css')).type, 'text/css');
    assert.is((await get(server.url, '/nope.js')).status, 404);
    assert.is((await get(server.url, '/%E0%A4%A')).status, 400, 'a malformed path is refused, the server lives on');
    assert.is((await get(server.url, '/index.html')).status, 200);
    for (const path of ['/../www-meta.json', '/..%2fwww-meta.json', '/%2e%2e/www-meta.json']) {
      const r = await get(server.url, path);
      assert.ok(r.status === 403 || r.status === 404, `${path}: status ${r.status}`);
      assert.not.match(r.body, 'outputs', `${path} must not reach build/www-meta.json`);
    }
  } finally {
    await server.close();
  }
});

test('serve.js: an unknown flag, a missing value or a bad port is refused with status 2; --help prints the usage', () => {
  // A time limit, so that a server started despite a bad flag is stopped rather than left running.
  const serve = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot(), 'build', 'web', 'serve.js'), ...args],
    { cwd: repoRoot(), encoding: 'utf8', timeout: 10_000 });
  const cases: [string[], RegExp][] = [
    [['--bogus'], /^serve\.js: unknown flag --bogus \(see serve\.js --help\)\nusage: node build\/web\/serve\.js \[--port N\]/],
    [['--port', 'abc'], /^serve\.js: --port must be a whole number from 0 to 65535, got 'abc'/],
    [['--port=65536'], /^serve\.js: --port must be a whole number from 0 to 65535, got '65536'/],
    [['--port', '-1'], /^serve\.js: --port must be a whole number from 0 to 65535, got '-1'/],
    [['--port'], /^serve\.js: --port needs a value/],
    [['--host'], /^serve\.js: --host needs a value/],
    [['8080'], /^serve\.js: unexpected argument '8080'/],
  ];
  for (const [args, message] of cases) {
    const r = serve(...args);
    assert.is(r.signal, null, `serve.js ${args.join(' ')} did not exit: it was serving (${r.stdout.trim()})`);
    assert.is(r.status, 2, `serve.js ${args.join(' ')} → status ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.is(r.stdout, '');
  }
  const help = serve('--help');
  assert.is(help.status, 0);
  assert.match(help.stdout, /usage: node build\/web\/serve\.js \[flags\][\s\S]*--port N[\s\S]*--host ADDR/);
});

test('the address lists the fields that differ from the defaults, in page order, escaped', () => {
  const defaults = [['dataset', 's-curve'], ['epochs', '45'], ['eta', '0'], ['lr', '0.005']] as const;
  assert.is(addressQuery(defaults, defaults), '', 'nothing changed: no query');
  const query = addressQuery([['dataset', 's-curve'], ['epochs', '7'], ['eta', '0.5'], ['lr', '1e-3&x=1']], defaults);
  assert.is(query, '?epochs=7&eta=0.5&lr=1e-3%26x%3D1');
  assert.equal([...new URLSearchParams(query)], [['epochs', '7'], ['eta', '0.5'], ['lr', '1e-3&x=1']], 'read back as written');
  assert.is(addressQuery([['new-field', 'a']], defaults), '?new-field=a', 'a field without a default is listed');
});

test('samplesCsv: a header, then a row per sample whose values read back as the same float32s', () => {
  const points = Float32Array.from([0.1, -2.5e-8, 3, Math.fround(1 / 3)]);
  const csv = samplesCsv(points, sampleColumns(2));
  assert.is(csv.split('\n')[0], 'x,y');
  assert.is(csv.trim().split('\n').length, 3);
  const back = Float32Array.from(csv.trim().split('\n').slice(1).flatMap((r) => r.split(',').map(Number)));
  assert.equal(Array.from(back), Array.from(points));
  assert.equal(sampleColumns(784).slice(0, 2), ['pixel_0', 'pixel_1']);
  assert.is(sampleColumns(784).length, 784);
  assert.throws(() => samplesCsv(new Float32Array(3), ['x', 'y']), /3 values are not rows of 2/);
});

test('historyCsv: a row per epoch, sliced W1 where a preview measured it (epoch 0: the untrained model)', () => {
  const csv = historyCsv([0.9, 0.5, 0.4], [{ epoch: 0, slicedW1: 2, floor: 0.002 }, { epoch: 2, slicedW1: 0.01, floor: 0.002 }]);
  assert.is(csv, 'epoch,loss,sliced_w1,floor\n0,,2,0.002\n1,0.9,,\n2,0.5,0.01,0.002\n3,0.4,,\n');
  assert.is(historyCsv([], []), 'epoch,loss,sliced_w1,floor\n', 'no epochs: the header alone');
  assert.is(historyCsv([0.3], []), 'epoch,loss,sliced_w1,floor\n1,0.3,,\n');
});

test.run();
