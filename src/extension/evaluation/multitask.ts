/**
 * A multi-task model ("heads") outside the dashboard: the per-head evaluation its training run
 * wrote beside it (evaluation.json: `{report, baseline?, warnings, multiTask?}`) as Markdown, and
 * a prediction's every head. No VS Code: node:fs and the protocol's schemas only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pct, table } from '../../core/format/table';
import { MultiTaskReportSchema, type MultiTaskReport, type Prediction } from '../../core/protocol/reports';

/** The `multiTask` part of the evaluation.json beside a saved model (the model file or its folder); undefined when there is none or it does not parse. */
export function savedMultiTask(model: string): MultiTaskReport | undefined {
  try {
    const dir = fs.statSync(model).isDirectory() ? model : path.dirname(model);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation.json'), 'utf8')) as { multiTask?: unknown };
    const r = MultiTaskReportSchema.safeParse(saved?.multiTask);
    return r.success && r.data.heads.length ? r.data : undefined;
  } catch {
    return undefined;
  }
}

type Head = MultiTaskReport['heads'][number];

const value = (hd: Head, v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : hd.higherIsBetter ? pct(v) : v.toFixed(4));
const VERDICT = { better: 'better', tie: 'tie', worse: 'WORSE: negative transfer' } as const;

/** Each head's headline with the other heads and trained alone, the verdicts and the notes. */
export function headsMarkdown(mt: MultiTaskReport, intro: string): string[] {
  const worse = mt.heads.filter((hd) => hd.verdict === 'worse');
  return [
    `## Heads (${mt.heads.length}, multi-task)`, '', intro, '',
    ...(worse.length ? [`> **Negative transfer:** ${worse.map((hd) => `"${hd.name}"`).join(', ')} ${worse.length > 1 ? 'do' : 'does'} worse with the other heads than trained alone.`, ''] : []),
    '```',
    table(['head', 'task', 'weight', 'metric', 'examples', 'with the others', 'trained alone', 'verdict'],
      mt.heads.map((hd) => [hd.name, hd.task, String(hd.lossWeight), hd.metric, String(hd.examples), value(hd, hd.value), value(hd, hd.singleValue), hd.verdict ? VERDICT[hd.verdict] : '–']),
      ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'l']),
    '```',
    ...(mt.notes.length ? ['', ...mt.notes.map((n) => `- ${n}`)] : []),
  ];
}

/** One prediction's answer in words; a multi-task model's per head ("item: sneaker 90.0% · coverage: 0.4213"). */
export function predictionWords(p: Prediction): string {
  const answer = (top: Prediction['top'], values: number[] | undefined): string => (top.length ? top.map((t) => `${t.label} ${pct(t.score)}`).join(', ') : values?.map((v) => v.toFixed(4)).join(', ') ?? '');
  if (p.heads?.length) return p.heads.map((hd) => `${hd.name}: ${answer(hd.top, hd.values) || '–'}`).join(' · ');
  return answer(p.top, p.values);
}
