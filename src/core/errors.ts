/**
 * Errors a user can act on. Anything that is not a UserError is a bug: the CLI exits 2 with a
 * stack in the log, the extension reports it as an internal error.
 */
export interface UserErrorDetails {
  /** The file the problem is in (model, shard, recipe, image). */
  file?: string;
  /** What to do about it, in one sentence. */
  hint?: string;
  /** A JSON path inside `file`, e.g. `/head/0/units`. */
  jsonPath?: string;
}

export class UserError extends Error {
  readonly file?: string;
  readonly hint?: string;
  readonly jsonPath?: string;

  constructor(message: string, details: UserErrorDetails = {}) {
    super(message);
    this.name = 'UserError';
    this.file = details.file;
    this.hint = details.hint;
    this.jsonPath = details.jsonPath;
  }

  /** One line: `file: message (hint)`. */
  oneLine(): string {
    const where = this.file ? `${this.file}${this.jsonPath ? `#${this.jsonPath}` : ''}: ` : '';
    return `${where}${this.message}${this.hint ? ` — ${this.hint}` : ''}`;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'UserError');
}

/** Serializable form, for the worker protocol. */
export interface ErrorInfo {
  message: string;
  user: boolean;
  file?: string;
  hint?: string;
  jsonPath?: string;
  stack?: string;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (isUserError(e)) {
    return { message: e.message, user: true, file: e.file, hint: e.hint, jsonPath: e.jsonPath };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { message: err.message, user: false, stack: err.stack };
}

export function fromErrorInfo(info: ErrorInfo): Error {
  if (info.user) return new UserError(info.message, { file: info.file, hint: info.hint, jsonPath: info.jsonPath });
  const err = new Error(info.message);
  if (info.stack) err.stack = info.stack;
  return err;
}

export function errorMessage(e: unknown): string {
  if (isUserError(e)) return e.oneLine();
  return e instanceof Error ? e.message : String(e);
}
