/** What every CLI command gets from `main`: output streams, verbosity, and the backend choice. */
import type { BackendPreference } from '../core/protocol/reports';

export interface Cli {
  out(text: string): void;
  err(text: string): void;
  verbose: boolean;
  backend(pref: BackendPreference): Promise<void>;
}
