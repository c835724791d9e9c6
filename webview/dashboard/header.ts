/**
 * The top of the dashboard: run name and status, backend and device (with the backend's notes),
 * elapsed time, a progress bar over the whole run (epoch n/N, img/s, ETA), the phase steps, Stop,
 * and the banners for a failed or stopped run.
 */
import type { Phase } from '../../src/core/protocol/reports';
import type { DashboardMessage, RunStatus } from '../../src/core/protocol/dashboard';
import { h } from '../shared/vscodeApi';
import { duration, fmtMetric, fmtRateOfImages, metricTitle, num, phaseLabel } from './format';
import { headStatCards } from './multitask';
import { isNum, type RunModel } from './runModel';

const STATUS_ICON: Record<RunStatus, string> = { running: 'loading codicon-modifier-spin', done: 'pass-filled', stopped: 'debug-stop', failed: 'error' };
const STATUS_TEXT: Record<RunStatus, string> = { running: 'Running', done: 'Done', stopped: 'Stopped', failed: 'Failed' };

function icon(name: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

export class Header {
  readonly root: HTMLElement;
  private readonly name = h('span', { class: 'run-name' }, 'Training');
  private readonly badge = h('span', { class: 'status-badge', id: 'status', role: 'status' });
  private readonly stop: HTMLElement;
  private readonly meta = h('div', { class: 'meta-row muted', id: 'meta' });
  private readonly notes = h('div', { class: 'notes', id: 'notes' });
  private readonly track = h('div', { class: 'progress-track', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Progress of the whole run' });
  private readonly fill = h('div', { class: 'progress-fill', id: 'progress-fill' });
  private readonly progressText = h('div', { class: 'progress-text', id: 'progress-text' });
  private readonly percent = h('span', { class: 'progress-percent', id: 'progress-percent' });
  private readonly steps = h('ol', { class: 'phase-steps', id: 'phases', 'aria-label': 'Phases' });
  private readonly banner = h('div', { id: 'banner' });
  private readonly stats = h('div', { class: 'stats', id: 'stats' });
  private stopping = false;

  constructor(private readonly post: (m: DashboardMessage) => void) {
    this.stop = h('vscode-button', { id: 'stop', icon: 'debug-stop', class: 'hidden', title: 'Stop training (keeps a checkpoint)', onclick: () => this.requestStop() }, 'Stop');
    const recipe = h('vscode-button', { id: 'open-recipe', icon: 'go-to-file', secondary: true, title: 'Open the recipe this run trains', onclick: () => post({ type: 'openRecipe' }) }, 'Open Recipe');
    this.track.append(this.fill);
    this.root = h('header', { class: 'run-header' },
      h('div', { class: 'title-row' },
        h('h1', {}, h('span', { class: 'muted title-kind' }, 'Training'), this.name),
        this.badge,
        h('span', { class: 'grow' }),
        recipe, this.stop),
      this.meta,
      this.notes,
      h('div', { class: 'progress' }, this.track, h('div', { class: 'progress-line' }, this.progressText, this.percent)),
      this.steps,
    );
  }

  /** Banners (error, stopped) and stat cards live below the sticky part. */
  get below(): HTMLElement[] {
    return [this.banner, this.stats];
  }

  private requestStop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stop.setAttribute('disabled', '');
    this.stop.textContent = 'Stopping…';
    this.post({ type: 'stop' });
  }

  render(model: RunModel, now: number): void {
    const run = model.run;
    const status: RunStatus = run?.status ?? 'running';
    this.name.textContent = run?.name ?? 'Training';
    this.badge.className = `status-badge ${status}`;
    this.badge.replaceChildren(icon(STATUS_ICON[status] ?? 'circle-filled'), STATUS_TEXT[status] ?? status);
    this.stop.classList.toggle('hidden', status !== 'running');
    if (status !== 'running') {
      this.stopping = false;
      this.stop.removeAttribute('disabled');
      this.stop.textContent = 'Stop';
    }
    this.renderMeta(model, now);
    this.renderProgress(model, now, status);
    this.renderSteps(model, status);
    this.renderBanner(model, status);
    this.renderStats(model);
  }

  private renderMeta(model: RunModel, now: number): void {
    const s = model.started;
    const parts: HTMLElement[] = [];
    if (s?.backend) parts.push(h('span', { class: 'meta-item', title: Object.entries(s.backend.versions ?? {}).map(([k, v]) => `${k} ${v}`).join('\n') }, icon('chip'), `${s.backend.engine === 'pytorch' ? 'PyTorch' : 'TF.js'} ${s.backend.name} · ${s.backend.device}`));
    else if (model.run?.status === 'running' || !model.run) parts.push(h('span', { class: 'meta-item' }, icon('chip'), 'starting the worker…'));
    if (s?.fastPath) parts.push(h('span', { class: 'meta-item', title: 'The frozen base runs once per image; the head trains on the cached features. Same result, far less compute.' }, icon('zap'), 'fast path: cached features'));
    const elapsed = model.elapsedSec(now);
    parts.push(h('span', { class: 'meta-item', id: 'elapsed' }, icon('clock'), `elapsed ${duration(elapsed)}`));
    this.meta.replaceChildren(...parts);
    const notes = s?.backend?.notes ?? [];
    this.notes.replaceChildren(...notes.map((n) => h('div', { class: 'note' }, icon('info'), h('span', {}, n))));
  }

  private renderProgress(model: RunModel, now: number, status: RunStatus): void {
    const fraction = Math.min(1, Math.max(0, model.fraction(now)));
    const pctText = `${Math.floor(fraction * 100)}%`;
    this.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
    this.track.setAttribute('aria-valuenow', String(Math.floor(fraction * 100)));
    this.track.className = `progress-track ${status}`;
    this.percent.textContent = pctText;
    const pos = model.position();
    // a run that failed before training has no progress to show
    const nothing = status === 'failed' && !pos && fraction === 0;
    this.track.classList.toggle('hidden', nothing);
    this.percent.classList.toggle('hidden', nothing);
    const bits: string[] = [];
    if (pos) {
      if (pos.phase === 'baseline' && model.heads) {
        // the worker's words for which head trains alone: "baseline 1/3: "item" alone"
        const which = model.alone?.message.split(', epoch')[0]?.slice(0, 80);
        bits.push(`Heads alone${which ? ` · ${which}` : ''} · epoch ${pos.epoch}/${pos.epochs || '?'}`);
      } else if (pos.phase === 'baseline') bits.push(`From scratch · epoch ${pos.epoch}/${pos.epochs || '?'}`);
      else bits.push(`Epoch ${pos.epoch}/${pos.epochs || '?'}${model.phases.has('fineTune') ? ` (${phaseLabel(pos.phase)} ${pos.local}/${pos.localEpochs || '?'})` : ''}`);
      if (status === 'running' && pos.batches && pos.batch) bits.push(`batch ${pos.batch}/${pos.batches}`);
    } else if (model.extract && status === 'running') {
      bits.push(`Computing features of the frozen base · ${model.extract.done}/${model.extract.total}`);
    } else if (status === 'running') bits.push(model.started ? 'Preparing the data…' : 'Starting…');
    const took = duration(model.elapsedSec(now));
    if (status === 'running') {
      if (isNum(model.imagesPerSec) && model.imagesPerSec > 0) bits.push(`${fmtRateOfImages(model.imagesPerSec)} img/s`);
      const left = model.remainingSec(now);
      if (left !== undefined) bits.push(`ETA ${duration(left)}`);
    } else if (status === 'done') {
      const transferred = model.rows.filter((r) => r.phase !== 'baseline').length;
      const scratch = model.rows.length - transferred;
      const head = model.phases.get('fineTune')?.ended ?? model.phases.get('head')?.ended;
      bits.splice(0, bits.length, `Finished in ${took}`, `${transferred} epoch${transferred === 1 ? '' : 's'}${scratch ? ` + ${scratch} ${phaseLabel('baseline', !!model.heads)}` : ''}`,
        ...(head ? [`${head.reason === 'converged' ? 'converged' : head.reason === 'cap' ? 'epoch cap reached' : 'stopped'}, kept epoch ${head.keptEpoch}`] : []));
    } else if (status === 'stopped') bits.unshift(`Stopped after ${took}`);
    else if (status === 'failed') bits.unshift(`Failed after ${took}`);
    this.progressText.textContent = bits.join(' · ');
  }

  private renderSteps(model: RunModel, status: RunStatus): void {
    const order: Phase[] = ['extract', 'head', 'fineTune', 'baseline'];
    const seen = order.filter((p) => (p === 'extract' ? !!model.extract || !!model.started?.fastPath : model.phases.has(p)));
    if (seen.length < 2 && !model.phases.has('fineTune') && !model.phases.has('baseline')) {
      this.steps.replaceChildren();
      this.steps.classList.add('hidden');
      return;
    }
    this.steps.classList.remove('hidden');
    const currentIndex = model.phase ? seen.indexOf(model.phase) : -1;
    this.steps.replaceChildren(...seen.map((p, i) => {
      const ps = model.phases.get(p);
      // a multi-task run's baselines train one head after another: the last epoch of one is not the end
      const alone = p === 'baseline' && !!model.heads;
      const finished = status === 'done' || i < currentIndex || ps?.ended !== undefined || (!alone && ps !== undefined && ps.epochs > 0 && ps.completed >= ps.epochs && !ps.current);
      const active = !finished && i === currentIndex && status === 'running';
      const state = finished ? 'finished' : active ? 'active' : status === 'running' ? 'pending' : 'halted';
      const ended = ps?.ended;
      const count = p === 'extract' ? (model.extract ? `${model.extract.done}/${model.extract.total}` : 'cached')
        : ended ? `${ended.reason === 'converged' ? 'converged' : ended.reason === 'cap' ? 'cap reached' : 'stopped'} · kept epoch ${ended.keptEpoch}`
          : alone && finished ? `${model.heads!.length} heads`
            : ps ? `${ps.completed}/${ps.epochs || '?'}` : '';
      const ic = finished ? 'pass' : active ? 'circle-filled' : state === 'halted' ? 'circle-slash' : 'circle-large-outline';
      return h('li', { class: `step ${state}`, 'aria-current': active ? 'step' : undefined, title: ended?.message ?? (alone ? model.alone?.message : undefined) }, icon(ic), h('span', { class: 'step-name' }, phaseLabel(p, !!model.heads)), h('span', { class: 'step-count muted' }, count));
    }));
  }

  private renderBanner(model: RunModel, status: RunStatus): void {
    const parts: HTMLElement[] = [];
    const err = model.error?.error;
    if (status === 'failed' || err) {
      const message = err?.message ?? model.run?.error ?? 'The run failed.';
      parts.push(h('div', { class: 'banner error', role: 'alert', id: 'error' },
        icon('error'),
        h('div', { class: 'banner-body' },
          h('div', { class: 'banner-title' }, 'Training failed'),
          h('div', { class: 'error-message' }, message),
          err?.hint ? h('div', { class: 'hint' }, err.hint) : null,
          err?.file ? h('div', { class: 'muted mono file' }, err.file) : null,
          err?.stack ? h('details', {}, h('summary', {}, 'Stack trace'), h('pre', { class: 'mono stack' }, err.stack)) : null,
          // a crash or a kill after a checkpoint loses at most the epoch it was in
          model.stopCheckpoint() ? this.resumeButton(model) : null)));
    } else if (status === 'stopped') {
      const ckpt = model.stopCheckpoint();
      const at = model.checkpoint ?? model.bestCheckpoint;
      const epochs = at ? model.phases.get(at.phase)?.epochs : undefined;
      parts.push(h('div', { class: 'banner stopped', id: 'stopped', role: 'status' },
        icon('debug-stop'),
        h('div', { class: 'banner-body' },
          h('div', { class: 'banner-title' }, at ? `Stopped after ${phaseLabel(at.phase)} epoch ${at.epoch}${epochs ? `/${epochs}` : ''}` : 'Stopped'),
          ckpt
            ? h('div', {}, 'The checkpoint is in ', h('span', { class: 'mono path', id: 'checkpoint-path' }, ckpt), '. Resume with ', h('code', { class: 'mono path' }, `transfer-studio train ${shellQuote(model.run?.recipe ?? 'RECIPE')} --resume ${shellQuote(ckpt)}`), '.')
            : h('div', {}, 'No checkpoint was written before the stop.'),
          ckpt ? this.resumeButton(model) : null)));
    }
    this.banner.replaceChildren(...parts);
  }

  private resumeButton(model: RunModel): HTMLElement {
    const at = model.checkpoint ?? model.bestCheckpoint;
    return h('div', { class: 'banner-actions' }, h('vscode-button', {
      id: 'resume', icon: 'debug-continue', title: 'Start a new run of this recipe from the checkpoint', onclick: (ev: Event) => {
        (ev.currentTarget as HTMLElement).setAttribute('disabled', '');
        this.post({ type: 'resume' });
      },
    }, at ? `Resume after ${phaseLabel(at.phase)} epoch ${at.epoch}` : 'Resume'));
  }

  private renderStats(model: RunModel): void {
    this.stats.classList.toggle('hidden', model.rows.length === 0 && !model.lastBatch);
    this.stats.classList.toggle('multi-task', !!model.heads);
    const metric = model.metric;
    const rows = model.rows.filter((r) => r.phase !== 'baseline');
    const last = rows[rows.length - 1];
    const best = model.bestValidation();
    const lossNow = last?.logs.loss ?? (model.lastBatch && model.lastBatch.phase !== 'baseline' ? model.lastBatch.loss : undefined);
    // a multi-task run: the summed loss, then each head's own numbers
    const cards: [string, string, string?][] = model.heads ? [
      ['loss (all heads)', num(lossNow, 4), last && isNum(last.logs.val_loss) ? `validation ${num(last.logs.val_loss, 4)}` : 'weighted sum of the heads\' losses'],
      ...headStatCards(model),
      ['images / s', fmtRateOfImages(model.imagesPerSec), model.lastBatch ? `last: ${phaseLabel(model.lastBatch.phase, true)}` : undefined],
    ] : [
      ['loss', num(lossNow, 4), last && isNum(last.logs.val_loss) ? `validation ${num(last.logs.val_loss, 4)}` : undefined],
      [`validation ${metricTitle(metric)}`, fmtMetric(metric, metric ? last?.logs[`val_${metric}`] : undefined), last && metric ? `train ${fmtMetric(metric, last.logs[metric])}` : undefined],
      [`best validation ${metricTitle(metric)}`, best ? fmtMetric(metric, best.value) : '–', best ? `${phaseLabel(best.row.phase)} epoch ${best.row.epoch}` : undefined],
      ['images / s', fmtRateOfImages(model.imagesPerSec), model.lastBatch ? `last: ${phaseLabel(model.lastBatch.phase)}` : undefined],
    ];
    this.stats.replaceChildren(...cards.map(([label, value, sub]) => h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), sub ? h('div', { class: 'stat-sub muted' }, sub) : null)));
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
