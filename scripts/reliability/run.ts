/**
 * The reliability suite: `npm run reliability` (= `tsx scripts/reliability/run.ts`).
 *
 *   --full          also the slow cases (scale, kill loops, resume variants)
 *   --only A,B      only these cases (names or group names); writes no report unless --report
 *   --keep          keep every case's folder (failed cases' folders are always printed)
 *   --report        write docs/RELIABILITY.md even with --only
 *
 * Each case (models.ts, recipes.ts, data.ts, faults.ts, scale.ts) runs the CLI as a user would in
 * a fresh temporary folder and asserts its exit code, its one-line message and the files before
 * and after. Exit 1 when any case fails, with which and why.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, cli, DIST_WORKER, ROOT, Skip, userLine, type Case, type Check, type Ctx, type SuiteServices } from './lib';
import { markdown, type Result } from './report';
import { startServers } from './servers';
import { CASES } from './cases';
import { SCALE_RESULTS } from './scale';

function args(): { full: boolean; only?: string[]; keep: boolean; report: boolean } {
  const a = process.argv.slice(2);
  const i = a.indexOf('--only');
  const only = i >= 0 ? a[i + 1]?.split(',').filter(Boolean) : undefined;
  if (i >= 0 && !only?.length) throw new Error('--only needs a case or group name');
  return { full: a.includes('--full'), only, keep: a.includes('--keep'), report: a.includes('--report') };
}

function shorten(s: string, dir: string, tmp: string): string {
  return s.split(dir).join('$CASE').split(tmp).join('$TMP');
}

async function runCase(c: Case, suite: SuiteServices, full: boolean, warmCache: string | undefined, keep: boolean): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(suite.tmp, `${c.name}-`));
  const cache = path.join(dir, '.cache');
  // the PyTorch probe's report (an hour's cache, as on a user's machine) so each run does not import torch again; features start empty
  if (warmCache) fs.cpSync(warmCache, path.join(cache, 'python-env'), { recursive: true });
  const cleanups: (() => void | Promise<void>)[] = [];
  const ctx: Ctx = { dir, env: { TRANSFER_STUDIO_CACHE: cache }, full, state: {}, suite, defer: (fn) => cleanups.push(fn) };
  const t0 = performance.now();
  const result: Result = { c, status: 'fail', checks: [], why: [], notes: [], ms: 0 };
  try {
    await c.setup?.(dir, ctx);
    const r = await c.run(dir, ctx);
    const codes = Array.isArray(c.expect.code) ? c.expect.code : [c.expect.code];
    const line = userLine(r);
    result.code = r.code;
    result.signal = r.signal;
    result.message = line;
    result.notes = r.notes ?? [];
    if (!codes.includes(r.code)) result.why.push(`exit ${r.code}${r.signal ? ` (${r.signal})` : ''}, expected ${codes.join(' or ')}`);
    if (!c.expect.message.test(line)) result.why.push(`message does not match /${c.expect.message.source}/`);
    let checks: Check[] = [];
    try {
      checks = (await c.expect.files?.(dir, r, ctx)) ?? [];
    } catch (e) {
      if (e instanceof Skip) throw e;
      checks = [{ ok: false, text: `file check threw: ${(e as Error).message.split('\n')[0]}` }];
    }
    result.checks = checks;
    for (const k of checks) if (!k.ok) result.why.push(k.text);
    result.status = result.why.length ? 'fail' : 'pass';
    if (result.status === 'fail' && !line) result.why.push(`stderr: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  } catch (e) {
    if (e instanceof Skip) {
      result.status = 'skipped';
      result.message = e.message;
    } else {
      result.status = 'fail';
      result.why.push(`the case itself threw: ${(e as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(e)}`);
    }
  } finally {
    for (const fn of cleanups.reverse()) {
      try { await fn(); } catch { /* best effort */ }
    }
  }
  result.ms = performance.now() - t0;
  const clean = (s: string): string => shorten(s, dir, suite.tmp);
  result.message = result.message && clean(result.message);
  result.why = result.why.map(clean);
  result.notes = result.notes.map(clean);
  result.checks = result.checks.map((k) => ({ ...k, text: clean(k.text) }));
  if (result.status === 'fail' || keep) console.log(`      folder: ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

/** scripts/reliability/full-results.json: each --full case's last result (what the report shows when a run leaves it out). */
const FULL_RESULTS = path.join(ROOT, 'scripts', 'reliability', 'full-results.json');
type StoredResult = Omit<Result, 'c'> & { at: string };

function storable(r: Result): Omit<Result, 'c'> {
  const { c: _c, ...rest } = r;
  return rest;
}

function notRun(c: Case, last: StoredResult | undefined): Result {
  if (!last) return { c, status: 'not run', checks: [], why: [], notes: [], ms: 0 };
  return { ...last, c, status: 'not run', notes: [`not run this time; its last \`--full\` run (${last.at.slice(0, 16).replace('T', ' ')} UTC) ended **${last.status}** in ${Math.round(last.ms / 1000)} s`, ...last.notes] };
}

function print(r: Result): void {
  const mark = { pass: 'ok  ', fail: 'FAIL', skipped: 'skip', 'not run': '----' }[r.status];
  console.log(`${mark} ${r.c.group.padEnd(7)} ${r.c.name.padEnd(38)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.status === 'fail' ? r.why.join('; ') : r.status === 'skipped' ? r.message : ''}`);
}

async function main(): Promise<number> {
  const o = args();
  const t0 = performance.now();
  for (const name of new Set(CASES.map((c) => c.name))) if (CASES.filter((c) => c.name === name).length > 1) throw new Error(`two cases named ${name}`);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js')) || !fs.existsSync(DIST_WORKER)) {
    console.log('dist/ is missing: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const selected = CASES.filter((c) => (o.only ? o.only.some((n) => n === c.name || n === c.group) : o.full || !c.full));
  if (o.only && !selected.length) throw new Error(`no case or group named ${o.only.join(', ')}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-reliability-'));
  const suite: SuiteServices = { tmp };
  const servers = await startServers(tmp);
  if ('error' in servers) console.log(`URL cases will be skipped: ${servers.error}`);
  else suite.https = { url: servers.url, httpUrl: servers.httpUrl, caFile: servers.caFile };

  // one probe of the Python environment, reused by every case (the product caches it an hour)
  const warm = path.join(tmp, 'warm-cache');
  await cli(['env'], { cwd: tmp, env: { TRANSFER_STUDIO_CACHE: warm } });
  const warmCache = fs.existsSync(path.join(warm, 'python-env')) ? path.join(warm, 'python-env') : undefined;

  console.log(`${selected.length} cases${o.full ? ' (--full)' : ''}; CLI: ${path.relative(process.cwd(), BIN)}; folders under ${tmp}`);
  const results = new Map<Case, Result>();
  const background = selected.filter((c) => c.background).map((c) => runCase(c, suite, o.full, warmCache, o.keep).then((r) => { results.set(c, r); print(r); }));
  for (const c of selected.filter((x) => !x.background)) {
    const r = await runCase(c, suite, o.full, warmCache, o.keep);
    results.set(c, r);
    print(r);
  }
  await Promise.all(background);
  if (!('error' in servers)) await servers.close();

  // the slow cases' last --full results are kept, so a default run's report can still show them
  const lastFull = fs.existsSync(FULL_RESULTS) ? (JSON.parse(fs.readFileSync(FULL_RESULTS, 'utf8')) as Record<string, StoredResult>) : {};
  for (const [c, r] of results) if (c.full && r.status !== 'skipped') lastFull[c.name] = { ...storable(r), at: new Date().toISOString() };
  if ([...results.keys()].some((c) => c.full)) fs.writeFileSync(FULL_RESULTS, JSON.stringify(lastFull, null, 2) + '\n');
  const ordered: Result[] = CASES.filter((c) => results.has(c) || (!o.only && c.full && !o.full)).map((c) => results.get(c) ?? notRun(c, lastFull[c.name]));
  const seconds = (performance.now() - t0) / 1000;
  if (!o.only || o.report) {
    const scale = fs.existsSync(SCALE_RESULTS) && selected.some((c) => c.group === 'scale') ? (JSON.parse(fs.readFileSync(SCALE_RESULTS, 'utf8')) as Record<string, unknown>) : undefined;
    const md = markdown(ordered, { mode: o.only ? `only ${o.only.join(', ')}` : o.full ? '--full' : 'default (fast part)', seconds, scale });
    fs.writeFileSync(path.join(ROOT, 'docs', 'RELIABILITY.md'), md);
    console.log(`wrote docs/RELIABILITY.md`);
  }
  const failed = ordered.filter((r) => r.status === 'fail');
  // the failed cases' folders stay for a look (their paths are printed above)
  if (!failed.length && !o.keep) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 2 });
  const n = (s: Result['status']): number => ordered.filter((r) => r.status === s).length;
  console.log(`\n${n('pass')} pass, ${n('fail')} fail, ${n('skipped')} skipped${n('not run') ? `, ${n('not run')} not run (--full)` : ''} — ${seconds.toFixed(0)} s`);
  if (failed.length) {
    console.log('\nFailing cases:');
    for (const r of failed) console.log(`  ${r.c.name}: ${r.why.join('; ')}`);
  }
  return failed.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => { console.error(e); process.exitCode = 2; });
