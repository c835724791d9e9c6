/** TF.js's own deserialization errors → UserErrors that name the file and the layer class. */
import { UserError } from '../../../core/errors';

export function translateTfjsError(e: unknown, file: string): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  const unknown = /Unknown (?:layer|initializer|regularizer|constraint|activation|loss|metric)s?: ([A-Za-z0-9_>.-]+)/.exec(msg);
  if (unknown) {
    const kind = /Unknown (\w+)/.exec(msg)![1]!.toLowerCase();
    return new UserError(`unknown ${kind} class "${unknown[1]!.replace(/[.>]+$/, '')}": TF.js cannot build it`, {
      file,
      hint: kind === 'layer'
        ? 'custom and Lambda layers need their Python code; replace the layer with built-in ones or cut below it'
        : 'replace it with a built-in one in the model config',
    });
  }
  if (/Provided weight data has no target variable|not found in weights|expected \d+ weights|shape of weight|Shape mismatch/i.test(msg)) {
    return new UserError(`weights do not match the architecture: ${msg.split('\n')[0]}`, { file });
  }
  if (e instanceof UserError) return e;
  if (/Improper config format|Unknown|cannot|not supported|Invalid/i.test(msg) && !(e instanceof TypeError)) {
    return new UserError(`cannot build the model: ${msg.split('\n')[0]}`, { file });
  }
  return e;
}
