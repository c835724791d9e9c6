/**
 * What core's comparison needs from a run the extension knows. A finished run is read from its
 * folder exactly as the CLI reads it (a damaged event log is a UserError naming the file); a live
 * run's events come from memory, since its log on disk lags behind by a batch group.
 */
import { type RunFiles } from '../../core/compare';
import { readRunFiles } from '../../core/compare/files';
import type { Run } from '../runs/run';

export function runFiles(run: Run): RunFiles {
  const files = readRunFiles(run.info.runDir, { status: run.info.status, ...(run.active ? { events: run.events } : {}) });
  // the info knows the name and recipe even before run.json has them all
  return { ...files, runJson: { ...run.info, ...(files.runJson as object) } };
}
