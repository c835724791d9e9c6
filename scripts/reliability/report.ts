/** docs/RELIABILITY.md from the suite's results: one table per group, the failures first. */
import * as os from 'node:os';
import type { Case, Check, Group } from './lib';

export interface Result {
  c: Case;
  status: 'pass' | 'fail' | 'skipped' | 'not run';
  code?: number;
  signal?: string | null;
  message?: string;
  checks: Check[];
  /** Why a case failed: each broken expectation. */
  why: string[];
  notes: string[];
  ms: number;
}

const GROUP_TITLES: Record<Group, string> = {
  models: 'Model files',
  recipes: 'Recipes',
  data: 'Data',
  faults: 'Faults: kills, Ctrl-C, full disks, resume',
  scale: 'Scale (50,000 images with --full)',
};

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/`/g, "'");
}

function expectText(c: Case): string {
  const codes = Array.isArray(c.expect.code) ? c.expect.code.join(' or ') : String(c.expect.code);
  return `exit ${codes}, /${c.expect.message.source}/`;
}

export function markdown(results: Result[], o: { mode: string; seconds: number; scale?: Record<string, unknown> }): string {
  const count = (s: Result['status']): number => results.filter((r) => r.status === s).length;
  const failed = results.filter((r) => r.status === 'fail');
  const lines: string[] = [
    '# Reliability',
    '',
    '<!-- Written by `npm run reliability` (scripts/reliability/run.ts): do not edit by hand. -->',
    '',
    'Each case runs the product as a user would — the `transfer-studio` CLI in a real process, in a fresh',
    'temporary folder — and asserts the exit code, the one-line message (a regular expression) and the',
    'files before and after. A failing case makes the suite exit 1. Paths: `$CASE` is the case\'s folder.',
    '',
    `Last run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${o.mode}, ${os.cpus().length} cores, Node ${process.version}, ` +
      `${Math.round(o.seconds)} s. **${count('pass')} pass, ${count('fail')} fail, ${count('skipped')} skipped${count('not run') ? `, ${count('not run')} not run (slow: \`npm run reliability -- --full\`)` : ''}** of ${results.length} cases.`,
    '',
  ];
  if (failed.length) {
    lines.push('## Failing', '');
    for (const r of failed) lines.push(`- **${r.c.name}** (${r.c.group}): ${cell(r.why.join('; '))}`);
    lines.push('');
  }
  for (const g of Object.keys(GROUP_TITLES) as Group[]) {
    const rows = results.filter((r) => r.c.group === g);
    if (!rows.length) continue;
    lines.push(`## ${GROUP_TITLES[g]}`, '', '| case | what was done | what the user saw | files before/after | verdict |', '|---|---|---|---|---|');
    for (const r of rows) {
      const saw = r.status === 'not run' ? (r.message ? `(last --full run) exit ${r.code}: \`${cell(r.message)}\`` : '–') : r.status === 'skipped' ? `skipped: ${r.message ?? ''}` : `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}: \`${cell(r.message ?? '')}\``;
      const files = r.checks.map((k) => `${k.ok ? '' : '✗ '}${k.text}`).join('; ');
      const verdict = r.status === 'pass' ? 'pass' : r.status === 'fail' ? `**FAIL** — ${r.why.join('; ')}` : r.status === 'not run' && r.message ? `not run (last --full: ${r.why.length ? `**FAIL** — ${r.why.join('; ')}` : 'pass'})` : r.status;
      const what = `${r.c.what}${r.c.extension ? ` *(extension: ${r.c.extension})*` : ''}${r.notes.length ? ` — ${r.notes.join('; ')}` : ''} (expects ${expectText(r.c)})`;
      lines.push(`| ${cell(r.c.name)} | ${cell(what)} | ${cell(saw)} | ${cell(files || '–')} | ${cell(verdict)} |`);
    }
    lines.push('');
  }
  if (o.scale) {
    lines.push('## Scale numbers', '', 'Also in `scripts/reliability/scale-results.json`.', '', '```json', JSON.stringify(o.scale, null, 2), '```', '');
  }
  return lines.join('\n');
}
