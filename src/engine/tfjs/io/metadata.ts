/** Labels, image size and preprocessing from files beside a model (Teachable Machine, class_names.txt, our own metadata.json). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelMetadata, PreprocessKind } from '../../../core/modelSummary';

const LABEL_FILES = ['class_names.txt', 'labels.txt', 'classes.txt'];

export function readModelMetadata(dir: string): ModelMetadata {
  const meta: ModelMetadata = {};
  const metaFile = path.join(dir, 'metadata.json');
  if (fs.existsSync(metaFile)) {
    try {
      const m = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
      if (Array.isArray(m.labels) && m.labels.every((l) => typeof l === 'string')) meta.labels = m.labels as string[];
      if (typeof m.imageSize === 'number') meta.imageSize = m.imageSize;
      if (typeof m.packageName === 'string' && m.packageName.startsWith('@teachablemachine/')) {
        meta.producer = `Teachable Machine ${typeof m.tmVersion === 'string' ? m.tmVersion : ''}`.trim();
        // Teachable Machine image models feed MobileNet pixels scaled to [-1, 1] at 224×224
        meta.preprocess = '-1,1';
        meta.imageSize ??= 224;
      }
      const ts = m.transferStudio as Record<string, unknown> | undefined;
      if (ts && typeof ts === 'object') {
        meta.producer = 'Transfer Studio';
        if (isPreprocess(ts.preprocess)) meta.preprocess = ts.preprocess;
        if (Array.isArray(ts.inputSize) && typeof ts.inputSize[0] === 'number') meta.imageSize = ts.inputSize[0] as number;
      }
      if (isPreprocess(m.preprocess)) meta.preprocess = m.preprocess;
    } catch {
      // a broken metadata.json beside a model is not fatal: the model still opens
    }
  }
  if (!meta.labels) {
    for (const name of LABEL_FILES) {
      const f = path.join(dir, name);
      if (fs.existsSync(f)) {
        const labels = fs.readFileSync(f, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
        if (labels.length > 0) meta.labels = labels;
        break;
      }
    }
  }
  return meta;
}

function isPreprocess(v: unknown): v is PreprocessKind {
  return v === '0,1' || v === '-1,1' || v === 'imagenet' || v === 'none';
}
