/** The recipe's `domain` with its defaults filled in and its folders absolute (against the recipe's folder). */
import * as path from 'node:path';
import { UserError } from '../errors';
import type { DomainSpec } from '../recipe/schema';
import { DOMAIN_DEFAULTS, type DomainMethod } from './defaults';

export interface ResolvedDomain {
  method: DomainMethod;
  target: string;
  targetLabelled?: string;
  lambda: number;
  maxImages: number;
}

export function resolveDomain(spec: DomainSpec | undefined, dir: string, file?: string): ResolvedDomain | undefined {
  if (!spec) return undefined;
  const target = path.resolve(dir, spec.target);
  const targetLabelled = spec.targetLabelled === undefined ? undefined : path.resolve(dir, spec.targetLabelled);
  if (targetLabelled && path.relative(target, targetLabelled) === '') {
    throw new UserError('"domain.targetLabelled" is the "domain.target" folder: the images that adapt the model would also grade it', { file, jsonPath: '/domain/targetLabelled', hint: 'keep the labelled target images in a folder of their own' });
  }
  return { method: spec.method, target, targetLabelled, lambda: spec.lambda ?? DOMAIN_DEFAULTS.lambda, maxImages: spec.maxImages ?? DOMAIN_DEFAULTS.maxImages };
}

/** Up to `n` items evenly spaced over the list (the projection's points: a few per domain, every part of the set). */
export function evenSample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return items.slice();
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}
