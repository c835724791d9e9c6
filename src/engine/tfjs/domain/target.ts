/**
 * The target domain's images: the unlabelled folder (every image file under it, a seeded sample
 * of `maxImages`), streamed as normalised pixel batches; and the labelled folder, opened as a
 * dataset with the training labels so its examples can be scored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { IMAGE_EXTENSIONS } from '../../../core/data/labels';
import { UserError } from '../../../core/errors';
import { rng, shuffled } from '../../../core/random';
import type { ResolvedDomain } from '../../../core/domain/resolve';
import type { Task } from '../../../core/recipe/schema';
import { decodeImage, normalize, openDataset, UnreadableImageError, type Dataset, type ImageSpec } from '../data';

function listImages(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
      if (e.name.startsWith('.') || e.name.toLowerCase() === '__macosx') continue;
      const p = path.join(d, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && fs.statSync(p, { throwIfNoEntry: false })?.isDirectory());
      if (isDir) walk(p);
      else if (IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export interface TargetImages {
  files: string[];
  image: ImageSpec;
  /** Normalised pixel batches of `files` (or of a subset) in their order; unreadable files are skipped (and counted). */
  batches(batchSize: number, files?: string[]): AsyncGenerator<tf.Tensor4D>;
  skipped: { file: string; reason: string }[];
}

export function openTarget(domain: ResolvedDomain, image: ImageSpec, seed: number, file?: string): TargetImages {
  const st = fs.statSync(domain.target, { throwIfNoEntry: false });
  if (!st?.isDirectory()) throw new UserError(`the target-domain folder does not exist: ${domain.target}`, { file, jsonPath: '/domain/target', hint: 'point "domain.target" at a folder of images from the new domain (no labels needed)' });
  const all = listImages(domain.target);
  if (all.length < 2) throw new UserError(`the target-domain folder has ${all.length === 0 ? 'no' : 'only one'} image file${all.length === 0 ? 's' : ''}: ${domain.target}`, { file, jsonPath: '/domain/target', hint: `adaptation estimates statistics of the new domain: give it dozens of images or more (${[...IMAGE_EXTENSIONS].join(', ')})` });
  const files = all.length > domain.maxImages ? shuffled(all, rng(seed ^ 0x5eed)).slice(0, domain.maxImages) : all;
  const skipped: { file: string; reason: string }[] = [];
  const bad = new Set<string>();
  const per = image.height * image.width * image.channels;
  return {
    files, image, skipped,
    async *batches(batchSize: number, subset = files) {
      const usable = subset.filter((f) => !bad.has(f));
      for (let i = 0; i < usable.length; i += batchSize) {
        const chunk = usable.slice(i, i + batchSize);
        const decoded = await Promise.all(chunk.map(async (f) => {
          try {
            return await decodeImage(f, image);
          } catch (e) {
            if (!(e instanceof UnreadableImageError)) throw e;
            bad.add(f);
            skipped.push({ file: f, reason: e.reason });
            return undefined;
          }
        }));
        const ok = decoded.filter((d): d is Uint8Array => d !== undefined);
        if (ok.length === 0) continue;
        const pixels = new Float32Array(ok.length * per);
        ok.forEach((px, j) => normalize(px, image.channels, image.preprocess, pixels, j * per));
        yield tf.tensor4d(pixels, [ok.length, image.height, image.width, image.channels]);
      }
      if (bad.size > files.length / 2) throw new UserError(`${bad.size} of ${files.length} target-domain images cannot be read: ${skipped[0]?.file} (${skipped[0]?.reason})`, { file, jsonPath: '/domain/target' });
    },
  };
}

/** The labelled target images, with the training labels in the training order (a class the training data lacks is refused). */
export async function openLabelledTarget(domain: ResolvedDomain, labels: string[], task: Task, image: ImageSpec, seed: number, log: (line: string) => void, file?: string): Promise<Dataset | undefined> {
  if (!domain.targetLabelled) return undefined;
  if (!fs.statSync(domain.targetLabelled, { throwIfNoEntry: false })) throw new UserError(`the labelled target-domain folder does not exist: ${domain.targetLabelled}`, { file, jsonPath: '/domain/targetLabelled' });
  return openDataset({ train: domain.targetLabelled, validationSplit: 0, labels, task, seed, maxSkipped: 0.5, image }, (line) => log(`target (labelled): ${line}`));
}
